//! The token store: credentials that renew themselves (`store:NAME`),
//! held in `.postcal/tokens.age`, a JSON document encrypted with age
//! (X25519) to the identity in `POSTCAL_STORE_KEY` and committed beside
//! the ledger (SPEC §5, "Refreshable tokens").
//!
//! Every read decrypts and checks the whole file: a store that does not
//! decrypt (another key, a torn write, a merge conflict's markers) is an
//! error that names the key variable, never an empty store. Writes go to a
//! temporary file that is synced and renamed over the store, so a reader
//! sees the old store or the new one. Who may write (the publish lock) is
//! the caller's business: `auth` and `publish` hold it.

mod file;
mod merge;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

pub use file::{load, load_or_empty, save};
pub use merge::merge;

/// Where the store lives, from the workspace root.
pub const STORE_PATH: &str = ".postcal/tokens.age";
/// The variable holding the identity (the `AGE-SECRET-KEY-1…` line).
pub const KEY_VAR: &str = "POSTCAL_STORE_KEY";
/// The variable naming a file that holds the identity instead.
pub const KEY_FILE_VAR: &str = "POSTCAL_STORE_KEY_FILE";
/// The store's format; another one is refused, not guessed at.
const FORMAT: u32 = 1;

/// One stored credential.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    value: String,
    /// The platform that issued it and can renew it (`threads`,
    /// `instagram`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// When it was issued (or renewed): Meta renews a token once it is a
    /// day old.
    pub obtained_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// What renews it besides the token itself (an OAuth refresh token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// Whose it is (the platform's user id), when the platform said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("value", &"[redacted]")
            .field("platform", &self.platform)
            .field("obtained_at", &self.obtained_at)
            .field("expires_at", &self.expires_at)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

impl Entry {
    pub fn new(value: &SecretString, obtained_at: DateTime<Utc>) -> Entry {
        Entry {
            value: value.expose_secret().to_owned(),
            platform: None,
            obtained_at,
            expires_at: None,
            refresh_token: None,
            account: None,
        }
    }

    pub fn value(&self) -> SecretString {
        SecretString::from(self.value.clone())
    }

    pub fn refresh_token(&self) -> Option<SecretString> {
        self.refresh_token.clone().map(SecretString::from)
    }

    pub fn with_refresh_token(mut self, token: Option<&SecretString>) -> Entry {
        self.refresh_token = token.map(|t| t.expose_secret().to_owned());
        self
    }

    /// Whether it runs out within `days` of `now` (or already has).
    pub fn expires_within(&self, now: DateTime<Utc>, days: i64) -> bool {
        self.expires_at
            .is_some_and(|at| at <= now + chrono::Duration::days(days))
    }
}

/// The decrypted store, and the key it is written back with.
#[derive(Debug)]
pub struct Store {
    pub tokens: BTreeMap<String, Entry>,
    key: Key,
}

impl Store {
    pub fn empty(key: Key) -> Store {
        Store {
            tokens: BTreeMap::new(),
            key,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.tokens.get(name)
    }

    pub fn put(&mut self, name: &str, entry: Entry) {
        self.tokens.insert(name.to_owned(), entry);
    }
}

/// The plaintext inside the age file.
#[derive(Serialize, Deserialize)]
struct Document {
    format: u32,
    tokens: BTreeMap<String, Entry>,
}

/// The store's identity (and so its recipient).
#[derive(Clone)]
pub struct Key {
    identity: age::x25519::Identity,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Key({})", self.recipient())
    }
}

impl Key {
    /// A new identity, and the line to keep as `POSTCAL_STORE_KEY`.
    pub fn generate() -> (Key, SecretString) {
        let identity = age::x25519::Identity::generate();
        let line = identity.to_string();
        (Key { identity }, line)
    }

    /// The key `POSTCAL_STORE_KEY` holds (`key`), or the file
    /// `POSTCAL_STORE_KEY_FILE` names (`key_file`, relative to `root`).
    pub fn from_vars(
        key: Option<String>,
        key_file: Option<String>,
        root: &Path,
    ) -> Result<Key, StoreError> {
        let (text, from) = match (key, key_file) {
            (Some(v), _) if !v.trim().is_empty() => (v, KEY_VAR.to_owned()),
            (_, Some(path)) if !path.trim().is_empty() => {
                let path = root.join(path.trim());
                let text = std::fs::read_to_string(&path).map_err(|e| StoreError::KeyFile {
                    path: path.display().to_string(),
                    reason: e.kind().to_string(),
                })?;
                (text, format!("{KEY_FILE_VAR} ({})", path.display()))
            }
            _ => return Err(StoreError::NoKey),
        };
        // A key file may hold age-keygen's comment lines.
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or_default();
        line.parse::<age::x25519::Identity>()
            .map(|identity| Key { identity })
            .map_err(|_| StoreError::BadKey { from })
    }

    /// The public half, which files are encrypted to (`age1…`).
    pub fn recipient(&self) -> String {
        self.identity.to_public().to_string()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{KEY_VAR} is not set, so the token store cannot be opened")]
    NoKey,
    #[error("{from} does not hold an age identity")]
    BadKey { from: String },
    #[error("cannot read the store key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("{path} does not decrypt with the key in {KEY_VAR}: {reason}")]
    Decrypt { path: String, reason: String },
    #[error("{path} decrypts but is not a postcal token store: {reason}")]
    Corrupt { path: String, reason: String },
    #[error("cannot {doing} {path}: {source}")]
    Io {
        doing: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the token store has no token `{name}`")]
    NoEntry { name: String },
    #[error("there is no token store ({STORE_PATH}) yet, so `store:{name}` has no value")]
    NoStore { name: String },
}

impl StoreError {
    /// How to mend it.
    pub fn help(&self) -> String {
        match self {
            StoreError::NoKey => format!(
                "export {KEY_VAR}=AGE-SECRET-KEY-1… (the line `postcal auth key` printed when the store was made; in CI, a repository secret), or set {KEY_FILE_VAR} to a file holding it"
            ),
            StoreError::BadKey { .. } => format!(
                "{KEY_VAR} must be the whole `AGE-SECRET-KEY-1…` line (`postcal auth key` makes one)"
            ),
            StoreError::KeyFile { .. } => {
                format!(
                    "check the path in {KEY_FILE_VAR} (relative paths start at the workspace root)"
                )
            }
            StoreError::Decrypt { .. } => format!(
                "the store was made with another key, or the file is damaged (a torn copy, a merge conflict): set {KEY_VAR} to the key it was made with, or restore it from git (`git checkout -- {STORE_PATH}`; in a merge, take one side with `git checkout --ours {STORE_PATH}` and set up the merge driver, README: Tokens that renew themselves); with the key lost, delete {STORE_PATH} and sign in again (`postcal auth login CHANNEL`)"
            ),
            StoreError::Corrupt { .. } => format!(
                "restore it from git (`git log -- {STORE_PATH}`), or log in again (`postcal auth login CHANNEL`); a newer postcal may have written it"
            ),
            StoreError::Io { .. } => "check the folder's permissions and free space".to_owned(),
            StoreError::NoEntry { .. } | StoreError::NoStore { .. } => {
                "get one with `postcal auth login CHANNEL` (or `--paste` a token you have)"
                    .to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests;
