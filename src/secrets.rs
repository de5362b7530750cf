//! Credentials: `env:NAME`, `file:PATH` and `store:NAME` references
//! resolved at publish time into values that never print themselves.

use std::path::Path;

pub use secrecy::{ExposeSecret, SecretString};

use crate::calendar::SecretRef;

/// Where environment variables come from: the process in the CLI, a map in
/// tests. Library code never reads the environment directly.
pub trait EnvSource: Sync {
    fn var(&self, name: &str) -> Option<String>;
}

impl EnvSource for std::collections::HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("environment variable {name} is not set")]
    MissingEnv { name: String },
    #[error("cannot read secret file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("secret file {path} is empty")]
    EmptyFile { path: String },
    /// A `store:` credential whose store cannot be read or lacks it.
    #[error("{message}")]
    Store { message: String, help: String },
}

impl SecretError {
    pub fn help(&self) -> String {
        match self {
            SecretError::MissingEnv { name } => format!(
                "export {name} (in CI: add it to the repository's secrets and the job's env)"
            ),
            SecretError::File { .. } | SecretError::EmptyFile { .. } => {
                "check the path (relative paths start at the workspace root) and its permissions"
                    .to_owned()
            }
            SecretError::Store { help, .. } => help.clone(),
        }
    }
}

/// The token store's key, from `POSTCAL_STORE_KEY` or the file
/// `POSTCAL_STORE_KEY_FILE` names.
pub fn store_key(
    env: &dyn EnvSource,
    root: &Path,
) -> Result<crate::tokens::Key, crate::tokens::StoreError> {
    crate::tokens::Key::from_vars(
        env.var(crate::tokens::KEY_VAR),
        env.var(crate::tokens::KEY_FILE_VAR),
        root,
    )
}

/// Resolve a reference. File paths are relative to the workspace root; the
/// value is trimmed of surrounding whitespace (a trailing newline, usually).
pub fn resolve(
    reference: &SecretRef,
    root: &Path,
    env: &dyn EnvSource,
) -> Result<SecretString, SecretError> {
    match reference {
        SecretRef::Env(name) => env
            .var(name)
            .filter(|v| !v.trim().is_empty())
            .map(|v| SecretString::from(v.trim().to_owned()))
            .ok_or_else(|| SecretError::MissingEnv { name: name.clone() }),
        SecretRef::File(path) => {
            let text = std::fs::read_to_string(root.join(path)).map_err(|e| SecretError::File {
                path: path.clone(),
                reason: e.kind().to_string(),
            })?;
            let value = text.trim();
            if value.is_empty() {
                return Err(SecretError::EmptyFile { path: path.clone() });
            }
            Ok(SecretString::from(value.to_owned()))
        }
        SecretRef::Store(name) => {
            let store = |e: crate::tokens::StoreError| SecretError::Store {
                message: e.to_string(),
                help: e.help(),
            };
            let key = store_key(env, root).map_err(store)?;
            if !root.join(crate::tokens::STORE_PATH).exists() {
                return Err(store(crate::tokens::StoreError::NoStore {
                    name: name.clone(),
                }));
            }
            let tokens = crate::tokens::load(root, &key).map_err(store)?;
            tokens
                .get(name)
                .map(crate::tokens::Entry::value)
                .ok_or_else(|| store(crate::tokens::StoreError::NoEntry { name: name.clone() }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_and_file_references() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tok"), "s3cret\n").unwrap();
        let env: std::collections::HashMap<String, String> =
            [("T".to_owned(), "abc".to_owned())].into();
        assert_eq!(
            resolve(&SecretRef::Env("T".into()), dir.path(), &env)
                .unwrap()
                .expose_secret(),
            "abc"
        );
        assert_eq!(
            resolve(&SecretRef::File("tok".into()), dir.path(), &env)
                .unwrap()
                .expose_secret(),
            "s3cret"
        );
        assert_eq!(
            resolve(&SecretRef::Env("NOPE".into()), dir.path(), &env).unwrap_err(),
            SecretError::MissingEnv {
                name: "NOPE".into()
            }
        );
        let debug = format!(
            "{:?}",
            resolve(&SecretRef::Env("T".into()), dir.path(), &env).unwrap()
        );
        assert!(!debug.contains("abc"), "{debug}");
    }
}
