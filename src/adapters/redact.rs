//! Redaction, in one place: every credential an adapter holds, and each
//! significant part of it — a URL's path segments and query values, and the
//! encoded forms of each — is removed from every message, ledger line and
//! status line before it leaves the adapter. A server that echoes the request
//! line in its error body (`POST /services/T0/B0/SECRET`) cannot leak the
//! secret through postcal.

use secrecy::{ExposeSecret, SecretString};

const HIDDEN: &str = "[redacted]";

/// The values never to show.
#[derive(Default)]
pub struct Redactor {
    /// Longest first, so a value is hidden whole before its parts are.
    values: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} values)", self.values.len())
    }
}

impl Redactor {
    pub fn new(secrets: &[SecretString]) -> Redactor {
        let mut r = Redactor::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Hide `secret` and its significant parts from now on.
    pub fn add(&mut self, secret: &SecretString) {
        let value = secret.expose_secret().trim();
        if value.is_empty() {
            return;
        }
        let mut parts = vec![value.to_owned()];
        if let Ok(url) = url::Url::parse(value)
            && url.has_host()
        {
            // Everything after the host, then each path segment and query
            // value that could be a token.
            parts.push(url[url::Position::BeforePath..].to_owned());
            parts.push(url.path().to_owned());
            if let Some(password) = url.password() {
                parts.push(password.to_owned());
            }
            for segment in url.path_segments().into_iter().flatten() {
                parts.push(segment.to_owned());
                if let Ok(decoded) = urlencoding_decode(segment) {
                    parts.push(decoded);
                }
            }
            for (_, v) in url.query_pairs() {
                parts.push(v.into_owned());
            }
            for pair in url.query().unwrap_or("").split('&') {
                parts.push(pair.split_once('=').map_or(pair, |(_, v)| v).to_owned());
            }
        } else {
            // A token such as Telegram's `123456:AAH…`: its pieces too.
            parts.extend(value.split([':', '/', '.']).map(str::to_owned));
        }
        for part in parts {
            if !significant(&part) {
                continue;
            }
            let form: String = url::form_urlencoded::byte_serialize(part.as_bytes()).collect();
            let path = percent(&part, b"-._~/");
            let all = percent(&part, b"-._~");
            for v in [part, form, path, all] {
                if !self.values.contains(&v) {
                    self.values.push(v);
                }
            }
        }
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// `text` with every hidden value replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), HIDDEN);
            }
        }
        out
    }
}

/// Whether a piece of a credential could be (part of) a secret: at least
/// four characters, and not a plain lowercase word or a version such as
/// `services`, `webhooks`, `api`, `v10` (which stay readable in messages).
fn significant(part: &str) -> bool {
    if part.chars().count() < 4 {
        return false;
    }
    let word = part
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'-' || b == b'_');
    let version = part.starts_with('v') && part[1..].bytes().all(|b| b.is_ascii_digit());
    !(word || version)
}

fn urlencoding_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes: Vec<u8> = url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned().into_bytes())
        .unwrap_or_default();
    String::from_utf8(bytes)
}

/// `s` percent-encoded, leaving letters, digits and `keep` as they are.
fn percent(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(s: &str) -> Redactor {
        Redactor::new(&[SecretString::from(s.to_owned())])
    }

    #[test]
    fn a_webhook_url_is_hidden_whole_and_in_parts() {
        let r =
            redactor("https://hooks.slack.com/services/T0ABC123/B0DEF456/XyZsecret42tokenvalue");
        assert_eq!(
            r.redact(
                "POST /services/T0ABC123/B0DEF456/XyZsecret42tokenvalue HTTP/1.1: no_such_hook"
            ),
            "POST [redacted] HTTP/1.1: no_such_hook"
        );
        assert_eq!(
            r.redact("unknown hook XyZsecret42tokenvalue"),
            "unknown hook [redacted]"
        );
        // Plain words of the path stay readable.
        assert_eq!(r.redact("services are down"), "services are down");
    }

    #[test]
    fn query_values_and_encoded_forms_are_hidden() {
        let r = redactor("https://sink.example/in?token=s3cr3t+val/ue&x=1");
        let shown =
            r.redact("GET /in?token=s3cr3t%2Bval%2Fue: s3cr3t+val/ue and s3cr3t%20val%2Fue");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn token_pieces_are_hidden() {
        let r = redactor("123456789:AAHdQwErTyUiOp_secret-part");
        assert_eq!(
            r.redact("/bot123456789:AAHdQwErTyUiOp_secret-part/sendMessage and AAHdQwErTyUiOp_secret-part"),
            "/bot[redacted]/sendMessage and [redacted]"
        );
    }
}
