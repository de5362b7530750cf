//! `postcal site` (SPEC §7): every delivery of the window is on its month
//! and week page and on its post's page with its channel, status, text,
//! length, media (alt text) and published link; text is escaped; every
//! `href`/`src` resolves to a file of the site; a folder postcal did not
//! write is never replaced. Then real headless Chromium (Debian's
//! `chromium`, which `.ci/run` installs) opens the pages: the DOM it
//! builds has every delivery, and screenshots at 1280 and 390 px are not
//! blank. Without Chromium that part says so and passes, unless
//! `POSTCAL_REQUIRE_CHROMIUM=1`.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const CONFIG: &str = "timezone: Europe/Madrid\nchannels:\n  m: { platform: mastodon, instance: https://m.example, token: env:T }\n  b: { platform: bluesky, handle: x.bsky.social, app_password: env:P }\n";

const CALENDAR: &str = "\
posts:
  - id: launch
    at: 2026-12-03 09:00
    status: approved
    owner: ana
    channels: [m, b]
    text: \"Winter Blend <b>is</b> here & ready https://lumen.example/w\"
    thread: [\"Part two\"]
    media:
      - file: media/bag.png
        alt: A brown coffee bag
  - id: tip
    at: 2026-12-07 10:00
    repeat: { every: 1w, count: 2 }
    status: draft
    channels: [b]
    text: A tip
  - id: gone
    at: 2026-12-04 18:00
    status: cancelled
    channels: [m]
    text: Called off
  - id: later
    at: 2027-02-01 10:00
    channels: [m]
    text: Outside the window
";

/// A 2×2 PNG, made by the png crate.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, 2, 2);
    enc.set_color(png::ColorType::Rgb);
    let mut w = enc.write_header().unwrap();
    w.write_image_data(&[120, 60, 20, 200, 180, 90, 10, 20, 30, 250, 250, 250])
        .unwrap();
    drop(w);
    out
}

fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("postcal.yaml"), CONFIG).unwrap();
    std::fs::create_dir_all(root.join("calendars")).unwrap();
    std::fs::create_dir_all(root.join("media")).unwrap();
    std::fs::create_dir_all(root.join(".postcal")).unwrap();
    std::fs::write(root.join("calendars/c.yaml"), CALENDAR).unwrap();
    std::fs::write(root.join("media/bag.png"), png()).unwrap();
    std::fs::write(
        root.join(".postcal/ledger.jsonl"),
        r#"{"ts":"2026-12-03T08:00:02Z","post":"launch","channel":"m","part":0,"event":"published","remote_id":"1","url":"https://m.example/@x/1"}"#.to_owned() + "\n",
    )
    .unwrap();
    dir
}

fn site(root: &Path, out: &Path) -> (i32, String) {
    let run = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .env_remove("POSTCAL_WORKSPACE")
        .args(["--color", "never", "--workspace"])
        .arg(root)
        .args(["site", "--now", "2026-12-01T08:00:00+01:00", "--out"])
        .arg(out)
        .args(["--from", "2026-12-01", "--to", "2026-12-31"])
        .output()
        .unwrap();
    (
        run.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file of the site, from its top.
fn files(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out
}

/// The `href` and `src` values of a page, entities decoded.
fn targets(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for piece in html.split(attr).skip(1) {
            let value = piece.split('"').next().unwrap_or("");
            out.push(
                value
                    .replace("&#x2f;", "/")
                    .replace("&amp;", "&")
                    .replace("&#x27;", "'"),
            );
        }
    }
    out
}

#[test]
fn every_delivery_is_on_its_pages_and_every_link_resolves() {
    let ws = workspace();
    let out = ws.path().join("public");
    let (code, err) = site(ws.path(), &out);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("4 posts"), "{err}");
    let all = files(&out);
    for page in [
        "index.html",
        "style.css",
        "month-2026-12.html",
        "week-2026-W49.html",
        "posts/launch.html",
        "posts/tip~2026-12-07.html",
        "posts/tip~2026-12-14.html",
        "posts/gone.html",
        "files/media/bag.png",
    ] {
        assert!(all.contains(page), "{page} missing from {all:?}");
    }
    assert!(!all.contains("posts/later.html"), "outside the window");

    // Each delivery on the month grid: its post linked, channel, status.
    let month = read(&out.join("month-2026-12.html"));
    for (post, file, channels, status) in [
        (
            "launch",
            "launch",
            "<span class=\"chan c1\">b</span> <span class=\"chan c0\">m</span>",
            "approved",
        ),
        (
            "tip#2026-12-07",
            "tip~2026-12-07",
            "<span class=\"chan c1\">b</span>",
            "draft",
        ),
        (
            "tip#2026-12-14",
            "tip~2026-12-14",
            "<span class=\"chan c1\">b</span>",
            "draft",
        ),
        (
            "gone",
            "gone",
            "<span class=\"chan c0\">m</span>",
            "cancelled",
        ),
    ] {
        let at = month
            .find(&format!("posts&#x2f;{file}.html\" title=\"{post}\">"))
            .unwrap_or_else(|| panic!("{post} not on the month page"));
        let before = &month[..at];
        let item = &before[before.rfind("<li class=\"item").unwrap()..];
        assert!(item.contains(channels), "{post}: {item}");
        let after = &month[at..];
        assert!(
            after[..after.find("</li>").unwrap()]
                .contains(&format!("<span class=\"badge {status}\">{status}</span>")),
            "{post}"
        );
    }
    assert!(!month.contains("later"));
    let week = read(&out.join("week-2026-W49.html"));
    assert!(week.contains("title=\"launch\"") && week.contains("title=\"gone\""));
    // The grid shows each post's first line, not only its id.
    assert!(month.contains("title=\"gone\">Called off</a>"), "{month}");
    assert!(!week.contains("tip#"), "the tips are in week 50");

    // The post page: rendered text per channel (escaped), length, thread,
    // media with alt text, owner, and the link once published.
    let post = read(&out.join("posts/launch.html"));
    assert!(
        post.contains("Winter Blend &lt;b&gt;is&lt;&#x2f;b&gt; here &amp; ready <a href=\"https:&#x2f;&#x2f;lumen.example&#x2f;w\">https:&#x2f;&#x2f;lumen.example&#x2f;w</a>"),
        "{post}"
    );
    assert!(!post.contains("<b>is</b>"));
    assert!(post.contains("Length 59&#x2f;500"), "{post}");
    assert!(post.contains("Length 59&#x2f;300"), "{post}");
    assert!(post.contains("Part 2 of 2"));
    assert!(post.contains("alt=\"A brown coffee bag\""));
    assert!(post.contains("<dt>Owner</dt><dd>ana</dd>"));
    assert_eq!(
        post.matches("Published: <a href=\"https:&#x2f;&#x2f;m.example&#x2f;@x&#x2f;1\">")
            .count(),
        1,
        "only the Mastodon delivery went out"
    );

    // Every link and image of every page is a file of the site (or the
    // published post's address).
    for page in all.iter().filter(|f| f.ends_with(".html")) {
        let html = read(&out.join(page));
        let base = Path::new(page).parent().unwrap();
        for t in targets(&html) {
            if t.starts_with("https://") {
                continue;
            }
            let resolved = normalise(&base.join(&t));
            assert!(all.contains(&resolved), "{page}: {t} is not in the site");
        }
    }

    // Run again: the folder is replaced whole (a post gone is gone).
    std::fs::write(
        ws.path().join("calendars/c.yaml"),
        CALENDAR.replace("  - id: gone\n", "  - id: kept\n"),
    )
    .unwrap();
    assert_eq!(site(ws.path(), &out).0, 0);
    let again = files(&out);
    assert!(!again.contains("posts/gone.html") && again.contains("posts/kept.html"));

    // A folder postcal did not write is left alone.
    let theirs = ws.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), "mine").unwrap();
    let (code, err) = site(ws.path(), &theirs);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a site postcal wrote"), "{err}");
    assert_eq!(read(&theirs.join("notes.txt")), "mine");

    // A window of decades would be a file per week of it: refused.
    let run = Command::new(env!("CARGO_BIN_EXE_postcal"))
        .env_remove("POSTCAL_WORKSPACE")
        .args(["--color", "never", "--workspace"])
        .arg(ws.path())
        .args(["site", "--out"])
        .arg(ws.path().join("huge"))
        .args(["--from", "2000-01-01", "--to", "2099-12-31"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(!ws.path().join("huge").exists());

    // A file someone put in the site folder is not thrown away with it.
    std::fs::write(out.join("logo.txt"), "ours").unwrap();
    let (code, err) = site(ws.path(), &out);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("has files `postcal site` did not write (logo.txt)"),
        "{err}"
    );
    assert_eq!(read(&out.join("logo.txt")), "ours");
    std::fs::remove_file(out.join("logo.txt")).unwrap();
    // A symbolic link is not replaced by a folder, and nothing is left over.
    let link = ws.path().join("link");
    std::os::unix::fs::symlink(ws.path().join("nowhere"), &link).unwrap();
    let (code, err) = site(ws.path(), &link);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    let left: Vec<_> = std::fs::read_dir(ws.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("postcal-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `a/../b` as `b`.
fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// How many distinct colours a PNG has, and the share of pixels that are
/// not the page's white.
fn colours(file: &Path) -> (usize, f64) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(file).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(step).collect();
    let distinct: BTreeSet<Vec<u8>> = pixels.iter().map(|p| p[..3].to_vec()).collect();
    let inked = pixels.iter().filter(|p| p[..3] != [255, 255, 255]).count();
    (distinct.len(), inked as f64 / pixels.len() as f64)
}

#[test]
fn chromium_builds_every_delivery_and_draws_the_pages_wide_and_narrow() {
    let Some(chromium) = support::chromium::find() else {
        return;
    };
    let ws = workspace();
    let out = ws.path().join("public");
    assert_eq!(site(ws.path(), &out).0, 0);
    let profile = ws.path().join("profile");
    let dom = support::chromium::browse(
        &chromium,
        &profile,
        &out.join("month-2026-12.html"),
        &["--dump-dom"],
    );
    // The DOM as the browser built it: one item per post and time, with
    // each delivery's channel and status.
    let items: Vec<&str> = dom.split("<li class=\"item").skip(1).collect();
    assert_eq!(items.len(), 4, "{dom}");
    for (post, channels, status) in [
        ("launch", 2, "approved"),
        ("gone", 1, "cancelled"),
        ("tip#2026-12-07", 1, "draft"),
        ("tip#2026-12-14", 1, "draft"),
    ] {
        let item = items
            .iter()
            .find(|i| i.contains(&format!("title=\"{post}\"")))
            .unwrap_or_else(|| panic!("{post} is not in the DOM"));
        let item = &item[..item.find("</li>").unwrap()];
        assert_eq!(item.matches("class=\"chan ").count(), channels, "{item}");
        assert!(item.contains(&format!(">{status}</span>")), "{item}");
    }
    for (width, page) in [(1280, "month-2026-12.html"), (390, "posts/launch.html")] {
        let shot = ws.path().join(format!("shot-{width}.png"));
        support::chromium::browse(
            &chromium,
            &profile,
            &out.join(page),
            &[
                &format!("--screenshot={}", shot.display()),
                &format!("--window-size={width},900"),
            ],
        );
        let (distinct, inked) = colours(&shot);
        assert!(distinct > 20, "{page} at {width} px: {distinct} colours");
        assert!(inked > 0.02, "{page} at {width} px: {inked:.3} of it inked");
    }
}
