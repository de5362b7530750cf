//! LinkedIn's "little" text format, in which the Posts API takes a post's
//! `commentary` and the Comments API a comment's `message.text`
//! (PLATFORMS.md §4 and addendum B).
//!
//! Reserved characters start little elements (mentions `@[Name](urn)`,
//! templates `{hashtag|#|tag}`…). Unescaped, one that does not open a valid
//! element makes LinkedIn cut the post short at that character, silently,
//! with a success answer. So every reserved character is backslash-escaped:
//! what the calendar says is what the post shows. (A hashtag then goes out
//! as the text `#tag`, as other schedulers send it.)

/// `| { } @ [ ] ( ) < > # \ * _ ~`: the characters little reserves.
pub const RESERVED: [char; 15] = [
    '|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '\\', '*', '_', '~',
];

/// Whether `c` must be escaped to be plain text.
pub fn is_reserved(c: char) -> bool {
    RESERVED.contains(&c)
}

/// `text` as little text that reads as exactly `text`: each reserved
/// character preceded by a backslash.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        if is_reserved(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The length LinkedIn measures a text by, on the commentary as sent
/// (escaped): UTF-16 code units. LinkedIn does not say what it counts;
/// code units never come out fewer than characters or code points, and the
/// escapes are counted too, so a text that fits here is not cut short.
pub fn length(text: &str) -> usize {
    text.encode_utf16().count() + text.chars().filter(|c| is_reserved(*c)).count()
}

/// Whether `commentary`, as LinkedIn gives it back, is `text` as postcal
/// sent it: the escaped form, or (should LinkedIn answer with the text as
/// shown) the text itself.
pub fn same_text(commentary: &str, text: &str) -> bool {
    commentary == text || commentary == escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reserved_character_is_escaped_and_nothing_else() {
        assert_eq!(
            escape("Mix (1:1) #tips @lumen_roasters ~ 50% *off* [now] {x|y} <b> a\\b"),
            r"Mix \(1:1\) \#tips \@lumen\_roasters \~ 50% \*off\* \[now\] \{x\|y\} \<b\> a\\b"
        );
        assert_eq!(
            escape("Café ☕ plain, text: 100%!"),
            "Café ☕ plain, text: 100%!"
        );
        assert_eq!(escape(""), "");
    }

    #[test]
    fn length_counts_the_escapes_and_utf16_units() {
        assert_eq!(length("abc"), 3);
        assert_eq!(length("#a"), 3, "the backslash counts");
        assert_eq!(length("😀"), 2, "a surrogate pair is two units");
        assert_eq!(length(&"_".repeat(10)), 20);
        for text in ["Mix (1:1) #tips", "Café ☕ @x", "\\\\", ""] {
            assert_eq!(length(text), escape(text).encode_utf16().count(), "{text}");
        }
    }

    #[test]
    fn the_commentary_read_back_matches_either_form() {
        assert!(same_text(r"\#tips \(new\)", "#tips (new)"));
        assert!(same_text("#tips (new)", "#tips (new)"));
        assert!(!same_text(r"\#tips", "#tips (new)"));
    }
}
