//! Reading and writing `.postcal/tokens.age`: ASCII-armored age, so that
//! git shows it as text and a conflict is visible (and refused) rather
//! than silently binary.

use std::io::Write;
use std::path::Path;

use super::{Document, FORMAT, Key, STORE_PATH, Store, StoreError};

/// The store at `root`; a missing file is an error (a `store:` credential
/// needs one).
pub fn load(root: &Path, key: &Key) -> Result<Store, StoreError> {
    read(&root.join(STORE_PATH), key)
}

/// The store at `root`, or an empty one when there is no file yet (the
/// first `auth login`). A file that exists must decrypt.
pub fn load_or_empty(root: &Path, key: &Key) -> Result<Store, StoreError> {
    let path = root.join(STORE_PATH);
    if !path.exists() {
        return Ok(Store::empty(key.clone()));
    }
    read(&path, key)
}

/// Decrypt and check one store file.
pub(super) fn read(path: &Path, key: &Key) -> Result<Store, StoreError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| StoreError::Io {
        doing: "read",
        path: shown.clone(),
        source,
    })?;
    let plain = age::decrypt(&key.identity, &bytes).map_err(|e| StoreError::Decrypt {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let document: Document = serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    if document.format != FORMAT {
        return Err(StoreError::Corrupt {
            path: shown,
            reason: format!(
                "it is format {}, this postcal reads format {FORMAT}",
                document.format
            ),
        });
    }
    Ok(Store {
        tokens: document.tokens,
        key: key.clone(),
    })
}

/// Write `store` back to `root` atomically: a temporary file beside it,
/// synced, renamed over it, and the folder synced.
pub fn save(store: &Store, root: &Path) -> Result<(), StoreError> {
    write(store, &root.join(STORE_PATH))
}

/// Encrypt `store` to its own key and put it at `path` atomically.
pub(super) fn write(store: &Store, path: &Path) -> Result<(), StoreError> {
    let shown = path.display().to_string();
    let io = |doing| {
        let shown = shown.clone();
        move |source| StoreError::Io {
            doing,
            path: shown,
            source,
        }
    };
    let document = Document {
        format: FORMAT,
        tokens: store.tokens.clone(),
    };
    let plain = serde_json::to_vec_pretty(&document).map_err(std::io::Error::other);
    let plain = plain.map_err(io("encode"))?;
    let recipient = store.key.identity.to_public();
    let armored = age::encrypt_and_armor(&recipient, &plain)
        .map_err(|e| std::io::Error::other(e.to_string()))
        .map_err(io("encrypt"))?;
    // Git hands its merge driver bare names (`.merge_file_X`): their
    // folder is the current one.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(io("create the folder of"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(armored.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename itself must survive a crash.
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io("write"))
}
