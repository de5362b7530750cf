//! Deterministic names for a delivery part: its content hash, its idempotency
//! key, and the Bluesky record key it is written under. Derived from the
//! delivery itself so that a re-run after a crash asks about the same thing.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::platform::Platform;

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash of what a part says: text, content warning and attachments.
pub fn content_hash(text: &str, cw: Option<&str>, media: &[(&str, Option<&str>)]) -> String {
    let mut parts: Vec<&[u8]> = vec![text.as_bytes(), cw.unwrap_or("").as_bytes()];
    for (file, alt) in media {
        parts.push(file.as_bytes());
        parts.push(alt.unwrap_or("").as_bytes());
    }
    sha256_hex(&parts)[..16].to_owned()
}

/// The idempotency key of one part of one delivery. It depends on the
/// delivery, not its content: an edit after an attempt whose outcome is
/// unknown must not let a second copy through.
pub fn idempotency_key(post: &str, channel: &str, part: u32) -> String {
    let key = sha256_hex(&[
        b"postcal/v1",
        post.as_bytes(),
        channel.as_bytes(),
        &part.to_le_bytes(),
    ]);
    format!("postcal-{}", &key[..32])
}

/// The identity a part is first sent under: on Bluesky its record key (the
/// platform's own idempotency), elsewhere its idempotency key. Once an
/// attempt is recorded, the ledger's copy is used instead (see
/// `LedgerState::identity`), so rescheduling cannot change it.
pub fn first_identity(
    platform: Platform,
    post: &str,
    channel: &str,
    part: u32,
    at: DateTime<Utc>,
) -> String {
    match platform {
        Platform::Bluesky => bluesky_rkey(post, channel, part, at),
        _ => idempotency_key(post, channel, part),
    }
}

const TID_ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";

/// A Bluesky record key (a TID: 53 bits of microseconds, 10 bits of clock
/// id, base32-sortable) derived from the delivery: the scheduled second
/// gives the order, a hash of the delivery the rest (1,000 sub-second slots
/// times 1,024 clock ids), so two deliveries scheduled in the same second on
/// one account collide with odds of about one in a million; a re-run
/// reuses the key.
pub fn bluesky_rkey(post: &str, channel: &str, part: u32, at: DateTime<Utc>) -> String {
    let digest = Sha256::digest(format!("{post}@{channel}").as_bytes());
    let h = u64::from_le_bytes(digest[..8].try_into().unwrap_or([0; 8]));
    let micros = u64::try_from(at.timestamp())
        .unwrap_or(0)
        .saturating_mul(1_000_000)
        + (h % 1000) * 1000
        + u64::from(part % 1000);
    let clock_id = (h >> 32) & 0x3ff;
    let value = ((micros & ((1 << 53) - 1)) << 10) | clock_id;
    (0..13)
        .rev()
        .map(|i| TID_ALPHABET[((value >> (i * 5)) & 0x1f) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rkey_is_a_valid_tid_and_deterministic() {
        let at = "2026-12-03T08:00:00Z".parse().unwrap();
        let k = bluesky_rkey("launch", "b", 0, at);
        assert_eq!(k.len(), 13);
        // The first character of a TID is one of 234567abcdefghij (top bit 0).
        assert!("234567abcdefghij".contains(&k[..1]), "{k}");
        assert!(k.bytes().all(|b| TID_ALPHABET.contains(&b)));
        assert_eq!(k, bluesky_rkey("launch", "b", 0, at));
        assert_ne!(k, bluesky_rkey("launch", "b", 1, at));
        assert_ne!(k, bluesky_rkey("launch-2", "b", 0, at));
        // Later deliveries sort later.
        assert!(bluesky_rkey("launch", "b", 0, at + chrono::Duration::seconds(1)) > k);
    }

    /// The TID's 63 bits: microseconds since the epoch, then the clock id.
    fn decode(rkey: &str) -> (u64, u64) {
        let value = rkey.bytes().fold(0u64, |v, b| {
            let digit = TID_ALPHABET.iter().position(|&a| a == b).unwrap();
            (v << 5) | digit as u64
        });
        (value >> 10, value & 0x3ff)
    }

    #[test]
    fn rkeys_are_the_same_in_every_version() {
        // A pending attempt recorded without its key (by a postcal before
        // keys were stored, or on another machine) is looked up under the
        // key this version derives: if the derivation drifted, a re-run
        // after a crash would ask about the wrong record and post again.
        let at = "2026-12-03T08:00:00Z".parse().unwrap();
        assert_eq!(bluesky_rkey("launch", "b", 0, at), "3n3qsmr2tdc3i");
        assert_eq!(bluesky_rkey("launch", "b", 1, at), "3n3qsmr2tdd3i");
        let at = "2026-12-01T08:50:00Z".parse().unwrap();
        assert_eq!(bluesky_rkey("p", "b", 0, at), "3n3luid6hjkgv");
        // What the key is made of: the scheduled second (so the records
        // sort as the posts were planned), a slot from the delivery's hash,
        // the part (so a thread's parts never share a key), a clock id.
        let at: DateTime<Utc> = "2026-12-03T08:00:00Z".parse().unwrap();
        let (micros, clock_id) = decode(&bluesky_rkey("launch", "b", 2, at));
        assert_eq!(micros / 1_000_000, at.timestamp() as u64);
        assert_eq!(micros % 1_000_000, 329 * 1000 + 2);
        assert_eq!(clock_id, 46);
    }

    #[test]
    fn idempotency_keys_are_the_same_in_every_version() {
        // As for record keys: an attempt recorded without its key is
        // resent under the derived one, which the server must recognise.
        assert_eq!(
            idempotency_key("launch", "m", 0),
            "postcal-d2bdd67a7482f08ceac8ca13083225c9"
        );
        assert_eq!(
            idempotency_key("launch", "m", 1),
            "postcal-cdc8dc2c5e63c5d199ee32127371a391"
        );
    }

    #[test]
    fn bluesky_parts_go_out_under_their_record_key_others_under_a_key() {
        // Bluesky's own idempotency is the record key: a re-run asks
        // getRecord for it. Elsewhere the key travels with the request.
        let at = "2026-12-03T08:00:00Z".parse().unwrap();
        assert_eq!(
            first_identity(Platform::Bluesky, "launch", "b", 1, at),
            bluesky_rkey("launch", "b", 1, at)
        );
        for platform in [Platform::Mastodon, Platform::Slack, Platform::Webhook] {
            assert_eq!(
                first_identity(platform, "launch", "m", 1, at),
                idempotency_key("launch", "m", 1)
            );
        }
    }

    #[test]
    fn keys_ignore_content_but_hashes_do_not() {
        assert_eq!(idempotency_key("a", "m", 0), idempotency_key("a", "m", 0));
        assert_ne!(idempotency_key("a", "m", 0), idempotency_key("a", "m", 1));
        assert_ne!(
            content_hash("x", None, &[]),
            content_hash("x", Some("cw"), &[])
        );
        assert_ne!(
            content_hash("x", None, &[("a.png", None)]),
            content_hash("x", None, &[("a.png", Some("alt"))])
        );
    }
}
