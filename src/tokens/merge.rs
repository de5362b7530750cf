//! Merging two versions of the store (git's merge driver,
//! `postcal auth merge %O %A %B`): two branches that both renewed a token
//! keep the newer one. An encrypted file cannot be merged as text, and a
//! renewed token is worth more than either side's history.

use std::path::Path;

use super::file::{read, write};
use super::{Key, StoreError};

/// Merge `base` (the common ancestor), `ours` and `theirs` into `ours`.
/// Per token: the one obtained last wins; a token one side removed and the
/// other left as it was is removed.
pub fn merge(base: &Path, ours: &Path, theirs: &Path, key: &Key) -> Result<(), StoreError> {
    let base_tokens = read_or_empty(base, key)?.tokens;
    let theirs_tokens = read_or_empty(theirs, key)?.tokens;
    let mut store = read_or_empty(ours, key)?;
    let names: Vec<String> = store
        .tokens
        .keys()
        .chain(theirs_tokens.keys())
        .cloned()
        .collect();
    for name in names {
        let (was, mine, other) = (
            base_tokens.get(&name),
            store.tokens.get(&name),
            theirs_tokens.get(&name),
        );
        let keep = match (mine, other) {
            (Some(a), Some(b)) => Some(if b.obtained_at > a.obtained_at { b } else { a }),
            // Removed on one side: gone if the other side left it alone.
            (Some(a), None) => (was != Some(a)).then_some(a),
            (None, Some(b)) => (was != Some(b)).then_some(b),
            (None, None) => None,
        }
        .cloned();
        match keep {
            Some(entry) => store.put(&name, entry),
            None => {
                store.tokens.remove(&name);
            }
        }
    }
    write(&store, ours)
}

/// Git gives an empty file for a side where the store did not exist.
fn read_or_empty(path: &Path, key: &Key) -> Result<super::Store, StoreError> {
    match std::fs::metadata(path) {
        Ok(m) if m.len() == 0 => Ok(super::Store::empty(key.clone())),
        _ => read(path, key),
    }
}
