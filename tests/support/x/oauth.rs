//! The fake X's side of OAuth 1.0a (RFC 5849): every request's signature
//! recomputed from what arrived — method, `Host`, path, query, form body —
//! with the secrets the fake knows, written here on its own (not postcal's
//! signer), so a signing mistake on either side shows. A wrong signature, an
//! unknown key or token, a missing parameter, or a nonce used twice is 401.

use axum::http::{HeaderMap, Method, Uri};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};

pub const API_KEY: &str = "xFAKEconsumerKEY0a1b2c";
pub const API_SECRET: &str = "xFAKEconsumerSECRET9z8y7x6w5v4u3t";
/// The account's id is the token's prefix, as on X.
pub const ACCESS_TOKEN: &str = "1600000000000000001-xFAKEaccessTOKENq1w2e3";
pub const ACCESS_SECRET: &str = "xFAKEaccessSECRETm9n8b7v6c5";

/// RFC 3986 percent-encoding: all but `A-Z a-z 0-9 - . _ ~`.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `%XX` decoded (header values are encoded so).
fn unpct(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `OAuth k="v", …` header's parameters, decoded.
fn header_params(headers: &HeaderMap) -> Result<Vec<(String, String)>, String> {
    let value = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Authorization header")?;
    let rest = value
        .strip_prefix("OAuth ")
        .ok_or("the Authorization header is not OAuth")?;
    rest.split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|field| {
            let (k, v) = field.split_once('=').ok_or("a malformed OAuth field")?;
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .ok_or("an OAuth value without quotes")?;
            Ok((k.to_owned(), unpct(v).ok_or("a badly encoded OAuth value")?))
        })
        .collect()
}

/// Check the request's OAuth 1.0a signature; `used` holds the nonces seen.
pub fn verify(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    used: &mut std::collections::HashSet<String>,
) -> Result<(), String> {
    let oauth = header_params(headers)?;
    let get = |k: &str| oauth.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let want = |k: &str, v: &str| {
        if get(k) == Some(v) {
            Ok(())
        } else {
            Err(format!("{k} is {:?}", get(k)))
        }
    };
    want("oauth_consumer_key", API_KEY)?;
    want("oauth_token", ACCESS_TOKEN)?;
    want("oauth_signature_method", "HMAC-SHA1")?;
    if get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err("oauth_version is not 1.0".into());
    }
    let timestamp = get("oauth_timestamp").ok_or("no oauth_timestamp")?;
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err("oauth_timestamp is not a number".into());
    }
    let nonce = get("oauth_nonce")
        .filter(|n| !n.is_empty())
        .ok_or("no oauth_nonce")?;
    let signature = get("oauth_signature").ok_or("no oauth_signature")?;

    let mut params: Vec<(String, String)> = oauth
        .iter()
        .filter(|(k, _)| k != "oauth_signature" && k != "realm")
        .cloned()
        .collect();
    params.extend(url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned());
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        params.extend(url::form_urlencoded::parse(body).into_owned());
    }
    let mut encoded: Vec<(String, String)> = params.iter().map(|(k, v)| (pct(k), pct(v))).collect();
    encoded.sort();
    let normalized: Vec<String> = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .ok_or("no Host header")?
        .to_ascii_lowercase();
    let base = format!(
        "{}&{}&{}",
        method.as_str(),
        pct(&format!("http://{host}{}", uri.path())),
        pct(&normalized.join("&"))
    );
    let key = format!("{}&{}", pct(API_SECRET), pct(ACCESS_SECRET));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(base.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if signature != expected {
        return Err(format!("bad signature for base string {base}"));
    }
    if !used.insert(format!("{timestamp}:{nonce}")) {
        return Err("nonce used twice".into());
    }
    Ok(())
}
