//! `postcal site`: the calendar as a static site for clients and reviewers
//! who have no account anywhere (SPEC §7). Month and week views, and a
//! page per post with each channel's text exactly as `preview` renders it,
//! its length against the limit, media with alt text, status, owner and the
//! published link. HTML and one CSS file, no script, nothing fetched at
//! view time; media are copied beside the pages. `model.rs` builds what
//! the pages show; `pages.rs` renders it with minijinja templates
//! (`templates/`) and writes the folder whole.

pub mod model;
pub mod pages;

/// The channel colours, in channel order: dark enough that white text on
/// them has a contrast of at least 4.5:1 (WCAG AA).
pub const PALETTE: [&str; 8] = [
    "#1f5fa8", "#a3302a", "#2e6b30", "#6a3d9a", "#7a4f00", "#00695c", "#ad1457", "#455a64",
];

/// A post id as a file name: occurrences (`tip#2026-12-07`) get `~` for
/// `#`, which no id contains and URLs leave alone.
pub fn post_file(id: &str) -> String {
    format!("posts/{}.html", id.replace('#', "~"))
}
