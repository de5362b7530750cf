//! The publish ledger, `.postcal/ledger.jsonl` (SPEC §4). This module reads
//! what offline commands need: which deliveries went out.

use std::path::Path;

use serde::Deserialize;

use crate::validate::PublishedSet;

pub const LEDGER_PATH: &str = ".postcal/ledger.jsonl";

#[derive(Deserialize)]
struct Record {
    post: String,
    channel: String,
    event: String,
    #[serde(default)]
    part: u32,
}

/// Deliveries with a `published` record for their first part. A missing
/// ledger is empty; a line that does not parse (a torn last write) is skipped.
pub fn published(root: &Path) -> PublishedSet {
    let Ok(text) = std::fs::read_to_string(root.join(LEDGER_PATH)) else {
        return PublishedSet::new();
    };
    text.lines()
        .filter_map(|line| serde_json::from_str::<Record>(line).ok())
        .filter(|r| r.event == "published" && r.part == 0)
        .map(|r| (r.post, r.channel))
        .collect()
}
