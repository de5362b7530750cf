//! What `doctor` checks before a platform that fetches media by URL
//! (Threads, Instagram) tries: every file a delivery of the next days
//! attaches is asked for at `media_base_url` (HEAD), and must be there with
//! the size and type of the file in the workspace, so a site not yet
//! deployed, or a CDN still serving an older copy, is caught before the
//! post fails.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};

use crate::adapters::http::{Http, Timeouts};
use crate::calendar::Workspace;

/// One file to be fetched, and the deliveries that need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needed {
    pub url: String,
    /// As the calendar writes it.
    pub file: String,
    pub path: PathBuf,
    /// `post@channel`, in time order.
    pub deliveries: Vec<String>,
}

/// The files deliveries due in `[now, now + days)` attach on platforms that
/// fetch media by URL, once each, in the order they are first needed.
/// Empty without `media_base_url` (validate reports that).
pub fn needed(ws: &Workspace, now: DateTime<Utc>, days: i64) -> Vec<Needed> {
    let Some(base) = ws.config.media_base.as_ref() else {
        return Vec::new();
    };
    let mut out: Vec<Needed> = Vec::new();
    for d in crate::delivery::between(ws, now, now + Duration::days(days)) {
        if !d.channel.platform().fetches_media_by_url() {
            continue;
        }
        for m in d.media {
            let url = base.url_of(&m.file.value);
            match out.iter_mut().find(|n| n.url == url) {
                Some(n) => n.deliveries.push(d.key()),
                None => out.push(Needed {
                    url,
                    file: m.file.value.clone(),
                    path: ws.root.join(&m.file.value),
                    deliveries: vec![d.key()],
                }),
            }
        }
    }
    out
}

/// Whether `n.url` serves the file: `Err` says how it differs.
pub fn check(http: &Http, n: &Needed) -> Result<(), String> {
    let bytes = std::fs::read(&n.path).map_err(|e| format!("the file cannot be read: {e}"))?;
    let mime = infer::get(&bytes).map_or("application/octet-stream", |t| t.mime_type());
    let what = format!("HEAD {}", n.url);
    let mut response = http
        .exchange(&what, http.client().head(&n.url))
        .map_err(|e| e.message)?;
    // Some servers refuse HEAD: ask for the first byte instead.
    if response.status().as_u16() == 405 {
        let what = format!("GET {}", n.url);
        response = http
            .exchange(
                &what,
                http.client().get(&n.url).header("Range", "bytes=0-0"),
            )
            .map_err(|e| e.message)?;
    }
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(format!(
            "it answers HTTP {status}: the file is not served there yet (deploy the site or upload it)"
        ));
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    // A ranged answer gives the whole size after the `/`.
    let size = if status == 206 {
        header("content-range").and_then(|r| r.rsplit('/').next()?.parse::<u64>().ok())
    } else {
        header("content-length").and_then(|l| l.parse::<u64>().ok())
    };
    let file_size = bytes.len() as u64;
    if let Some(size) = size
        && size != file_size
    {
        return Err(format!(
            "it serves {size} bytes, the file has {file_size}: an older copy is still served (redeploy, or purge the CDN's cache)"
        ));
    }
    let served_type = header("content-type").unwrap_or_default();
    let served = served_type.split(';').next().unwrap_or("").trim();
    if !served.eq_ignore_ascii_case(mime) {
        return Err(format!(
            "it is served as `{}`, the file is {mime}: the platform may refuse it (serve it with its own type)",
            if served.is_empty() { "no type" } else { served }
        ));
    }
    Ok(())
}

/// A client for the checks (no secret is involved).
pub fn client(timeouts: Timeouts) -> Result<Http, String> {
    Http::new(timeouts, Vec::new()).map_err(|e| e.message)
}
