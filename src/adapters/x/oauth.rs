//! OAuth 1.0a request signing (RFC 5849 §3), HMAC-SHA1, as X's user-context
//! authentication takes it: the method, the base URI and every query (and
//! form) parameter together with the `oauth_*` ones, percent-encoded as RFC
//! 3986 says, sorted, and signed with the app's secret and the token's.
//!
//! A small signer rather than a crate: the most used OAuth 1 client crate
//! (`oauth1-request`) was last released in 2022, pulls an older generation
//! of the RustCrypto crates postcal already has (hmac, digest), and stamps
//! requests from the system clock unless told otherwise; this is eighty
//! lines over `hmac` and `sha1`, tested against RFC 5849's examples and X's
//! "Creating a signature" page.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;

/// The four values a user-context request is signed with.
pub(super) struct Credentials {
    pub consumer_key: SecretString,
    pub consumer_secret: SecretString,
    pub token: SecretString,
    pub token_secret: SecretString,
}

/// `s` percent-encoded as RFC 5849 §3.6 wants: everything but RFC 3986's
/// unreserved characters (`A-Z a-z 0-9 - . _ ~`), as `%XX` in upper case.
pub(super) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The base string URI (RFC 5849 §3.4.1.2): scheme and host in lower case,
/// the port only when it is not the scheme's default, the path; no query.
fn base_uri(url: &url::Url) -> String {
    let mut out = format!("{}://", url.scheme().to_ascii_lowercase());
    out.push_str(&url.host_str().unwrap_or("").to_ascii_lowercase());
    // `port()` is `None` for the scheme's default port.
    if let Some(port) = url.port() {
        out.push_str(&format!(":{port}"));
    }
    out.push_str(url.path());
    out
}

/// The signature base string (RFC 5849 §3.4.1): `METHOD&URI&PARAMS`, where
/// PARAMS are the query's pairs, `params` (the `oauth_*` ones and any form
/// body's), each name and value encoded, sorted by name then value.
pub(super) fn base_string(method: &str, url: &url::Url, params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (encode(&k), encode(&v)))
        .chain(params.iter().map(|(k, v)| (encode(k), encode(v))))
        .collect();
    pairs.sort();
    let normalized = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        encode(&base_uri(url)),
        encode(&normalized)
    )
}

/// HMAC-SHA1 of `base` keyed with `consumer_secret&token_secret` (each
/// encoded), in base64 (RFC 5849 §3.4.2).
pub(super) fn sign(base: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = format!("{}&{}", encode(consumer_secret), encode(token_secret));
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key.as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The `Authorization` header for `method` on `url` (its query included in
/// the signature), stamped with `timestamp` (Unix seconds) and `nonce`.
/// Bodies that are JSON or multipart are not signed (RFC 5849 §3.4.1.3.1
/// signs only form-encoded ones); postcal sends no form bodies to X.
pub(super) fn authorization(
    credentials: &Credentials,
    method: &str,
    url: &url::Url,
    timestamp: i64,
    nonce: &str,
) -> String {
    let mut oauth: Vec<(String, String)> = [
        (
            "oauth_consumer_key",
            credentials.consumer_key.expose_secret(),
        ),
        ("oauth_nonce", nonce),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", &timestamp.to_string()),
        ("oauth_token", credentials.token.expose_secret()),
        ("oauth_version", "1.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let base = base_string(method, url, &oauth);
    let signature = sign(
        &base,
        credentials.consumer_secret.expose_secret(),
        credentials.token_secret.expose_secret(),
    );
    oauth.push(("oauth_signature".to_owned(), signature));
    let fields: Vec<String> = oauth
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", encode(v)))
        .collect();
    format!("OAuth {}", fields.join(", "))
}

/// A fresh nonce: 32 letters and digits.
pub(super) fn nonce() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    /// X's "Creating a signature" example: a form body parameter, a query
    /// parameter and the `oauth_*` ones.
    fn x_example(host: &str) -> (String, String) {
        let url = url::Url::parse(&format!(
            "https://{host}/1.1/statuses/update.json?include_entities=true"
        ))
        .unwrap();
        let params = pairs(&[
            (
                "status",
                "Hello Ladies + Gentlemen, a signed OAuth request!",
            ),
            ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
            ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1318622958"),
            (
                "oauth_token",
                "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            ),
            ("oauth_version", "1.0"),
        ]);
        let base = base_string("POST", &url, &params);
        let signature = sign(
            &base,
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
            "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        );
        (base, signature)
    }

    #[test]
    fn xs_published_example() {
        let (base, signature) = x_example("api.x.com");
        assert_eq!(
            base,
            "POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
        );
        assert_eq!(signature, "Ls93hJiZbQ3akF3HF3x1Bz8/zU4=");
        // The same page before X's rename, on api.twitter.com.
        assert_eq!(
            x_example("api.twitter.com").1,
            "hCtSmYh+iHYCEqBWrE7C7hYmtUk="
        );
    }

    /// RFC 5849 §1.2: the signed request for the photo.
    #[test]
    fn rfc_5849_example() {
        let url =
            url::Url::parse("http://photos.example.net/photos?file=vacation.jpg&size=original")
                .unwrap();
        let params = pairs(&[
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
        ]);
        let base = base_string("GET", &url, &params);
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
        );
        assert_eq!(
            sign(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
    }

    /// RFC 5849 §3.4.1.1's base string: repeated names sorted by value,
    /// encoded values re-encoded, an empty value, a port left out when it is
    /// the default.
    #[test]
    fn rfc_5849_base_string_rules() {
        let url = url::Url::parse("http://EXAMPLE.com:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b")
            .unwrap();
        let params = pairs(&[
            ("oauth_consumer_key", "9djdj82h48djs9d2"),
            ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131201"),
            ("oauth_nonce", "7d8f3e4a"),
            ("c2", ""),
            ("a3", "2 q"),
        ]);
        assert_eq!(
            base_string("post", &url, &params),
            "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        );
        let local = url::Url::parse("http://127.0.0.1:8080/2/tweets").unwrap();
        assert!(base_string("POST", &local, &[]).contains("127.0.0.1%3A8080%2F2%2Ftweets"));
    }

    #[test]
    fn encoding_keeps_only_unreserved_characters() {
        assert_eq!(encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
        assert_eq!(encode("An encoded string!"), "An%20encoded%20string%21");
        assert_eq!(encode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
        assert_eq!(encode("☃"), "%E2%98%83");
        assert_eq!(encode("a-b.c_d~e"), "a-b.c_d~e");
    }

    #[test]
    fn the_header_carries_every_oauth_parameter_and_a_signature_that_verifies() {
        let credentials = Credentials {
            consumer_key: SecretString::from("key".to_owned()),
            consumer_secret: SecretString::from("c secret".to_owned()),
            token: SecretString::from("123-tok".to_owned()),
            token_secret: SecretString::from("t&secret".to_owned()),
        };
        let url = url::Url::parse("https://api.x.com/2/users/1/tweets?max_results=5").unwrap();
        let header = authorization(&credentials, "GET", &url, 1_796_112_000, "abc");
        let fields: Vec<(String, String)> = header
            .strip_prefix("OAuth ")
            .unwrap()
            .split(", ")
            .map(|f| {
                let (k, v) = f.split_once('=').unwrap();
                let v = v.trim_matches('"');
                let v =
                    url::form_urlencoded::parse(format!("v={}", v.replace('+', "%2B")).as_bytes())
                        .next()
                        .unwrap()
                        .1
                        .into_owned();
                (k.to_owned(), v)
            })
            .collect();
        let names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "oauth_consumer_key",
                "oauth_nonce",
                "oauth_signature_method",
                "oauth_timestamp",
                "oauth_token",
                "oauth_version",
                "oauth_signature"
            ]
        );
        let (signed, signature): (Vec<_>, Vec<_>) = fields
            .into_iter()
            .partition(|(k, _)| k != "oauth_signature");
        let expected = sign(&base_string("GET", &url, &signed), "c secret", "t&secret");
        assert_eq!(signature[0].1, expected);
        assert!(!header.contains("c secret") && !header.contains("t&secret"));
        assert_eq!(nonce().len(), 32);
        assert_ne!(nonce(), nonce());
    }
}
