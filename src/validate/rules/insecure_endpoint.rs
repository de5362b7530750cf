//! `insecure-endpoint`: no token crosses a network in clear text.

use super::{CONFIG, Level, Rule, RuleMeta};
use crate::calendar::{FileId, Located};
use crate::validate::Finding;

pub const INSECURE_ENDPOINT: &str = "insecure-endpoint";

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: INSECURE_ENDPOINT,
        default_level: Level::Error,
        configurable: false,
        options: &[],
        summary: "Endpoints must be https://, except on loopback, so no token crosses a network in clear text.",
        bad: "instance: http://mastodon.social",
        good: "instance: https://mastodon.social",
    },
    // Checked while postcal.yaml is resolved (calendar::config).
    check: None,
};

/// Whether `url` points at this machine (127.0.0.0/8, ::1 or localhost).
pub fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Check an endpoint field (`instance`, `service`, `api_base`, `url`).
pub fn check(field: &str, value: &Located<String>, file: FileId, findings: &mut Vec<Finding>) {
    let parsed = match url::Url::parse(&value.value) {
        Ok(u) => u,
        Err(e) => {
            findings.push(
                Finding::error(
                    CONFIG,
                    file,
                    value.loc,
                    format!("`{field}` is not a URL: {e}"),
                )
                .with_help("write it in full, e.g. `https://mastodon.social`"),
            );
            return;
        }
    };
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        scheme => findings.push(
            Finding::error(
                INSECURE_ENDPOINT,
                file,
                value.loc,
                format!("`{field}` uses {scheme}://: credentials would travel in clear text"),
            )
            .with_help("use https:// (http:// is accepted only on 127.0.0.1, ::1 and localhost)"),
        ),
    }
}
