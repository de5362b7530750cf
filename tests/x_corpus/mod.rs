//! The texts `tests/x_counting.rs` compares with twitter-text: upstream's
//! tricky cases, texts around the limit, and seeded random mixes of scripts,
//! decomposed text (for NFC), RTL marks, emoji sequences, URLs with and
//! without a scheme (real and fake TLDs, ports, paths, queries, trailing
//! punctuation), mentions, hashtags and invalid characters.

use postcal::platform::x_count;

const WORDS: &[&str] = &[
    "hello", "world", "The", "QUICK", "fox", "x", "a", "I", "ok", "Café", "naïve", "über", "año",
    "Straße", "œuvre", "déjà", "ﬁ",
];
const DECOMPOSED: &[&str] = &[
    "e\u{301}",
    "a\u{308}",
    "n\u{303}",
    "A\u{30A}",
    "o\u{302}\u{323}",
    "\u{1100}\u{1161}\u{11A8}",
    "\u{915}\u{93C}",
    "\u{958}",
    "\u{2126}",
    "\u{212B}",
    "\u{FB2C}",
    "\u{1E9B}\u{323}",
    "\u{344}",
    "\u{F73}",
    "u\u{308}\u{301}",
    "\u{3B9}\u{308}\u{301}",
    "\u{5D1}\u{5BC}",
    "\u{301}",
];
const SCRIPTS: &[&str] = &[
    "日本語",
    "中文",
    "한국어",
    "カタカナ",
    "ひらがな",
    "漢字",
    "，",
    "。",
    "故人西辞黄鹤楼",
    "привет",
    "Москва",
    "мир",
    "ёлка",
    "Ѐ",
    "שלום",
    "مرحبا",
    "عربي",
    "پاکستان",
    "αβγ",
    "Ελλάδα",
    "สวัสดี",
    "नमस्ते",
    "გამარჯობა",
    "Բարեւ",
    "ᄀ",
    "ꙮ",
    "𝒳",
    "𠀋",
    "𝟘",
    "\u{1C80}",
    "ⱥ",
];
const MARKS: &[&str] = &[
    "\u{200F}", "\u{200E}", "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}",
    "\u{2067}", "\u{2068}", "\u{2069}", "\u{61C}", "\u{200B}", "\u{200C}", "\u{2060}", "\u{AD}",
];
const EMOJI: &[&str] = &[
    "😀",
    "😷",
    "👾",
    "🔥",
    "💩",
    "🐱",
    "👍",
    "👍🏽",
    "👍🏿",
    "🙋🏽",
    "👨‍👩‍👧‍👦",
    "👨‍👩‍👧",
    "👩‍💻",
    "👩🏽‍💻",
    "👨‍🎤",
    "🏳️‍🌈",
    "🏳‍🌈",
    "🏴‍☠️",
    "🇫🇷",
    "🇺🇸",
    "🇯🇵",
    "🇦",
    "🇦🇦",
    "🇿🇿🇿",
    "#️⃣",
    "#⃣",
    "1️⃣",
    "*⃣",
    "9\u{20e3}",
    "☺",
    "☺️",
    "☺︎",
    "☝",
    "☝︎",
    "☝🏻",
    "☝️🏻",
    "❤️",
    "❤",
    "❤︎",
    "©",
    "©️",
    "®️",
    "™",
    "™️",
    "\u{fe0f}",
    "\u{fe0e}",
    "\u{200d}",
    "🏴󠁧󠁢󠁥󠁮󠁧󠁿",
    "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    "🏴󠁵󠁳󠁴󠁸󠁿",
    "🫠",
    "🧑‍🤝‍🧑",
    "👁️‍🗨️",
    "👁‍🗨",
    "⛹️‍♀️",
    "⛹🏽‍♀️",
    "🏋️‍♂️",
    "🕴",
    "🕴🏼",
    "🕵️‍♀️",
    "👮‍♀️",
    "👮🏾‍♂️",
    "🤷🏽‍♂️",
    "🦸‍♀️",
    "💑",
    "👨‍❤️‍👨",
    "👩‍❤️‍💋‍👨",
    "🦄",
    "🥰",
    "🧡",
    "⌚",
    "⌚︎",
    "↔️",
    "↔",
    "🅰",
    "🅰️",
    "🀄",
    "🈚",
    "🏻",
    "\u{e50a}",
    "🤌",
    "🧔‍♂️",
    "🐈‍⬛",
    "❤️‍🔥",
    "👯‍♀️",
    "🤼‍♂️",
    "🧞‍♀️",
    "🧟",
    "🏃🏻‍♀️",
    "🚴‍♂️",
    "🧘🏿",
    "🖐️",
    "✌🏽",
    "✍",
    "⏭️",
    "♟️",
    "♟",
    "🥱",
    "🦾",
];
const URL_SCHEMES: &[&str] = &[
    "", "", "", "http://", "https://", "HTTPS://", "Http://", "ftp://", "http:/", "https//",
];
const URL_SUBDOMAINS: &[&str] = &[
    "",
    "",
    "www.",
    "a.b.",
    "my-site.",
    "test_under.",
    "-bad.",
    "x.",
    "www.-x.",
    "sub.日本.",
];
const URL_NAMES: &[&str] = &[
    "example",
    "t",
    "twitter",
    "münchen",
    "☃",
    "例え",
    "пример",
    "a",
    "xn--n3h",
    "b\u{301}cher",
    "my_site",
    "site-",
    "-site",
    "x1",
    "foo-bar",
    "EXAMPLE",
    "straße",
    "café",
    "日本",
    "127.0.0",
    "somesuperlongurlsomesuperlongurlsomesuperlongurlsomesuperlongurl",
    "randomurlrandomurlrandomurlrandomurlrandomurlrandomurlrandomurls",
];
const URL_TLDS: &[&str] = &[
    "com",
    "com",
    "co.jp",
    "org",
    "net",
    "рф",
    "онлайн",
    "香港",
    "中国",
    "io",
    "dev",
    "notatld",
    "comx",
    "xyz",
    "co",
    "a",
    "COM",
    "Com",
    "みんな",
    "ελ",
    "xn--p1ai",
    "co.uk",
    "jp",
    "com.",
    "рус",
    "ком",
    "ΕΛ",
    "РФ",
    "中文网",
    "コム",
    "بازار",
    "ευ",
    "հայ",
    "gov",
    "onion",
    "zip",
    "local",
    "xn--",
];
const URL_PORTS: &[&str] = &["", "", "", ":8080", ":", ":x"];
const URL_PATHS: &[&str] = &[
    "",
    "",
    "",
    "/",
    "/path/to/page",
    "/wiki/Rust_(language)",
    "/a(b(c)d)e",
    "/a((b))",
    "/@user/",
    "/@user",
    "/a.b.",
    "/%E2%98%83",
    "/Русские_слова",
    "/café",
    "/a!",
    "/x--",
    "/#!/twitter",
    "/a(b)",
    "/(a)(b)(c)",
    "/a)",
    "/a(",
    "/~user/index.html",
    "/a;b=c",
    "/a,b",
    "/a|b",
    "/über",
    "/日本",
    "/a–b",
    "/a\u{301}",
];
const URL_QUERIES: &[&str] = &[
    "",
    "",
    "",
    "?q=1",
    "?a=b&c=d",
    "?x=y.",
    "?",
    "?a=(1)",
    "?s=$bar.;baz?BAZ&c=d-#top/?stories+",
    "?list=PL0ZPu8XSRTB7wZzn0mLHMvyzVFeRxbWn-",
    "?q=日本",
    "?a=b.",
];
const TRAILING: &[&str] = &[
    "", "", "", ".", ",", "!", "?", ")", "…", "'", "\"", ":", ";", "-", "_", "/",
];
const BEFORE: &[&str] = &[
    "", " ", " ", " ", "(", "-", "_", ".", "/", "@", "#", "$", "＠", "x", "1", "日", "😀",
    "\u{200F}", "\u{202A}", "\"", "'", "\n", "ü", "\u{feff}",
];
const FIXED: &[&str] = &[
    "https://t.co/abc123",
    "https://t.co/abc123/more",
    "http://t.co/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "http://t.co/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "t.co/abc",
    "https://t.co/abc?x=1&y=2.",
    "http://192.168.0.1/index.html?src=asdf",
    "http://[3ffe:1900:4545:3:200:f8ff:fe21:67cf]:80/index.html",
    "mail me: user@example.com",
    "http://user:PASSW0RD@example.com:8080/login.php",
    "a.com日本.net/path x",
    "a.cox日a.co/path",
    "example.comexample.com",
    "x.com.y.com",
    "a.b.c.d.e.f.com",
    "a.b.c.d.e.f",
    "example.com:8080",
    "example.com?q=1",
    "example.com/a:80",
    "xn--n3h.com",
    "xn--abc",
    "http://xn--n3h.net/",
    "http://xn--.com",
    "http://☃-.net/",
    "http://%e2%98%83.net/",
    "http://test.-twitter.com",
    "http://domain-dash_2314352345_dfasd.foo-cow_4352.com",
    "https://example.com/#anchor ",
    "http://en.wikipedia.org/wiki/\"#Punctuation",
    "www.twitter.com/jack",
    "@jack: see x.com!",
    "#hashtag.com",
    "$cashtag.com",
    "(example.com)",
    "[example.com]",
    "example.com.",
    "example.com/.",
    "http://example.com/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z",
    "ABC\u{202A}\u{FFFF}ABC\u{FFFE}",
    "\u{2066}\u{202A}http://foobar.پاکستان/\u{202C}\u{2069}",
    "\u{FEFF}\u{958}",
    "\u{FEFF}\u{958}\u{958}\u{958}",
    "\u{958}",
    "",
    " ",
    "\u{FFFE}",
    "1\u{20e3}x.com",
    "😀😀a.com",
    "日本。jp example。com",
    "a\u{3002}b.com",
    "http://あいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあい.com",
    "http://あいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいうえおかきくけこあいう.com",
    "https://example.com/(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)",
    "https://example.com/a.................b..........",
    "http://example.com/@user/status/1",
    "http://example.рф/путь",
    "пример.рф",
    "пример.РФ",
    "example.ΕΛ",
    "https://example.com/Rdio/track/We_Up_(Album_Version_(Edited))/",
    "https://www.youtube.com/playlist?list=PL0ZPu8XSRTB7wZzn0mLHMvyzVFeRxbWn-",
    "http://sports.yahoo.com/nfl/news;_ylt=Aom0;ylu=XyZ?slug=ap-superbowlnotebook",
];

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

fn url(rng: &mut fastrand::Rng) -> String {
    let mut s = String::new();
    for list in [
        URL_SCHEMES,
        URL_SUBDOMAINS,
        URL_NAMES,
        &["."][..],
        URL_TLDS,
        URL_PORTS,
        URL_PATHS,
        URL_QUERIES,
        TRAILING,
    ] {
        s.push_str(pick(rng, list));
    }
    s
}

fn random_char(rng: &mut fastrand::Rng) -> char {
    loop {
        let cp = match rng.u8(..10) {
            0..=3 => rng.u32(0x20..0x250),
            4..=6 => rng.u32(0x250..0x10000),
            7 => rng.u32(0xFE00..0xFFFF),
            8 => rng.u32(0x1F000..0x1FB00),
            _ => rng.u32(0x10000..0x110000),
        };
        if let Some(c) = char::from_u32(cp) {
            return c;
        }
    }
}

fn piece(rng: &mut fastrand::Rng) -> String {
    match rng.u8(..100) {
        0..=19 => pick(rng, WORDS).to_owned(),
        20..=29 => pick(rng, SCRIPTS).to_owned(),
        30..=35 => pick(rng, DECOMPOSED).to_owned(),
        36..=39 => pick(rng, MARKS).to_owned(),
        40..=54 => pick(rng, EMOJI).to_owned(),
        55..=71 => format!("{}{}", pick(rng, BEFORE), url(rng)),
        72..=75 => format!("@{}", pick(rng, WORDS)),
        76..=79 => format!("#{}", pick(rng, &["rust", "日本", "tag_1", "café", "x"])),
        80..=81 => format!("${}", pick(rng, &["TSLA", "btc", "X"])),
        82..=85 => pick(rng, FIXED).to_owned(),
        86..=88 => ["\u{FFFE}", "\u{FEFF}", "\u{FFFF}"][rng.usize(..3)].to_owned(),
        _ => (0..rng.usize(1..6)).map(|_| random_char(rng)).collect(),
    }
}

fn separator(rng: &mut fastrand::Rng) -> &'static str {
    pick(
        rng,
        &[
            " ", " ", " ", " ", "", "", "\n", "\t", "  ", "\u{3000}", "\u{a0}", ", ", ". ", "/",
            "-",
        ],
    )
}

/// The same texts on every run (seeded).
pub fn generated_texts() -> Vec<String> {
    let mut rng = fastrand::Rng::with_seed(0x7831_7465_7874);
    let mut texts: Vec<String> = FIXED.iter().map(|s| (*s).to_owned()).collect();
    texts.extend(EMOJI.iter().map(|s| (*s).to_owned()));
    // Around the limit: plain, and with a multi-unit character at the edge.
    for n in 276..=284 {
        texts.push("a".repeat(n));
        texts.push(format!("{}日", "a".repeat(n - 2)));
        texts.push(format!("{}👨‍👩‍👧‍👦", "a".repeat(n - 2)));
        texts.push(format!("{}e\u{301}", "a".repeat(n - 1)));
        texts.push(format!("{} https://example.com/x", "a".repeat(n - 24)));
    }
    while texts.len() < 4000 {
        let mut text = String::new();
        if rng.u8(..5) == 0 {
            // Long: up to around the limit (counting only near the end).
            let target = rng.usize(250..310);
            while text.chars().count() < target / 2
                || x_count::parse(&text).weighted_length < target
            {
                text.push_str(&piece(&mut rng));
                text.push_str(separator(&mut rng));
            }
        } else {
            for _ in 0..rng.usize(1..8) {
                text.push_str(&piece(&mut rng));
                text.push_str(separator(&mut rng));
            }
        }
        texts.push(text);
    }
    texts
}
