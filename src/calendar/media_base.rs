//! `media_base_url`: where the workspace folder is served, for platforms
//! that fetch media from a URL themselves (Threads, Instagram: SPEC §5).
//! The URL of `media/a.png` is the base plus the path relative to the
//! workspace root, each segment percent-encoded.

/// A checked `media_base_url`: absolute http(s), no credentials, no query
/// or fragment, its path ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaBase(url::Url);

impl MediaBase {
    /// Check `written`; `Err((message, help))` says what is wrong.
    pub fn parse(written: &str) -> Result<MediaBase, (String, String)> {
        let example = "e.g. `https://acme.github.io/calendar/`";
        let mut url = url::Url::parse(written.trim()).map_err(|e| {
            (
                format!("`media_base_url` is not a URL: {e}"),
                format!("write the address the workspace folder is served at in full, {example}"),
            )
        })?;
        if !matches!(url.scheme(), "https" | "http") || url.cannot_be_a_base() {
            return Err((
                format!(
                    "`media_base_url` must be an http(s) address, not `{}:`",
                    url.scheme()
                ),
                format!("the platform fetches each file from it, {example}"),
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err((
                "`media_base_url` carries credentials (user:password@)".to_owned(),
                "the platform fetches media without them and every URL would show them: serve the folder publicly, without credentials in the address".to_owned(),
            ));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err((
                "`media_base_url` has a query or fragment (`?…` or `#…`)".to_owned(),
                format!(
                    "a file's path is appended to it, so give the folder's address alone, {example}"
                ),
            ));
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(MediaBase(url))
    }

    /// The URL the file at `rel` (relative to the workspace root, `/`
    /// separated) is served at.
    pub fn url_of(&self, rel: &str) -> String {
        let mut url = self.0.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(rel.split('/').filter(|s| !s.is_empty() && *s != "."));
        }
        url.into()
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_the_base_plus_its_encoded_path() {
        let base = MediaBase::parse("https://cdn.example/acme").unwrap();
        assert_eq!(base.as_str(), "https://cdn.example/acme/", "a `/` is added");
        assert_eq!(
            base.url_of("media/a.png"),
            "https://cdn.example/acme/media/a.png"
        );
        assert_eq!(
            base.url_of("media/new blend #2?.png"),
            "https://cdn.example/acme/media/new%20blend%20%232%3F.png"
        );
        assert_eq!(
            MediaBase::parse("http://127.0.0.1:8080/")
                .unwrap()
                .url_of("./a/b.jpg"),
            "http://127.0.0.1:8080/a/b.jpg"
        );
    }

    #[test]
    fn credentials_queries_and_other_schemes_are_refused() {
        for bad in [
            "https://user:pw@cdn.example/",
            "https://token@cdn.example/",
            "https://cdn.example/?sig=abc",
            "https://cdn.example/#x",
            "ftp://cdn.example/",
            "media/",
            "mailto:a@b.example",
        ] {
            assert!(MediaBase::parse(bad).is_err(), "{bad}");
        }
        let (message, _) = MediaBase::parse("https://u:secret@cdn.example/").unwrap_err();
        assert!(!message.contains("secret"), "{message}");
    }
}
