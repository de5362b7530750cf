//! The length of a domain label once punycode-encoded, as twitter-text's
//! `idna.toAscii` measures it with Node's built-in `punycode` (2.1.0).

/// The longest label `idna.toAscii` accepts.
pub(super) const MAX_DOMAIN_LABEL_LENGTH: usize = 63;

/// The length of `punycode.toASCII(label)` (Node's punycode 2.1): the label is
/// split at the IDNA dots, each part with a non-ASCII unit becomes
/// `xn--` + its encoding. A part too long to be valid (or whose encoding would
/// overflow, where upstream throws) is reported as over the limit.
pub(super) fn punycode_label_len(label: &[u16]) -> usize {
    let mut total = 0;
    for (i, part) in label
        .split(|&u| matches!(u, 0x2E | 0x3002 | 0xFF0E | 0xFF61))
        .enumerate()
    {
        total += usize::from(i > 0);
        if part.iter().all(|&u| u < 0x80) {
            total += part.len();
            continue;
        }
        let code_points = ucs2_decode(part);
        // Each code point yields at least one output character.
        if 4 + code_points.len() > MAX_DOMAIN_LABEL_LENGTH {
            return MAX_DOMAIN_LABEL_LENGTH + 1;
        }
        match punycode_encoded_len(&code_points) {
            Some(len) => total += 4 + len,
            None => return MAX_DOMAIN_LABEL_LENGTH + 1,
        }
    }
    total
}

/// punycode.js's `ucs2decode`: pairs become code points, lone surrogates stay.
fn ucs2_decode(units: &[u16]) -> Vec<u32> {
    char::decode_utf16(units.iter().copied())
        .map(|r| match r {
            Ok(c) => u32::from(c),
            Err(e) => u32::from(e.unpaired_surrogate()),
        })
        .collect()
}

/// The length of RFC 3492 punycode `encode(input)`; `None` on overflow.
fn punycode_encoded_len(input: &[u32]) -> Option<usize> {
    const BASE: u64 = 36;
    const T_MIN: u64 = 1;
    const T_MAX: u64 = 26;
    const MAX_INT: u64 = 0x7FFF_FFFF;
    let basic = input.iter().filter(|&&c| c < 0x80).count();
    let mut out = basic + usize::from(basic > 0);
    let mut n: u64 = 0x80;
    let mut delta: u64 = 0;
    let mut bias: u64 = 72;
    let mut handled = basic;
    while handled < input.len() {
        let m = input
            .iter()
            .map(|&c| u64::from(c))
            .filter(|&c| c >= n)
            .min()?;
        let handled_plus_one = handled as u64 + 1;
        if m - n > (MAX_INT - delta) / handled_plus_one {
            return None;
        }
        delta += (m - n) * handled_plus_one;
        n = m;
        for &c in input {
            let c = u64::from(c);
            if c < n {
                delta += 1;
                if delta > MAX_INT {
                    return None;
                }
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out += 1;
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out += 1;
                bias = adapt(delta, handled_plus_one, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta += 1;
        n += 1;
    }
    Some(out)
}

fn adapt(delta: u64, num_points: u64, first_time: bool) -> u64 {
    const BASE_MINUS_T_MIN: u64 = 35;
    let mut delta = if first_time { delta / 700 } else { delta >> 1 };
    delta += delta / num_points;
    let mut k = 0;
    while delta > (BASE_MINUS_T_MIN * 26) >> 1 {
        delta /= BASE_MINUS_T_MIN;
        k += 36;
    }
    k + (BASE_MINUS_T_MIN + 1) * delta / (delta + 38)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode_lengths_match_rfc3492_examples() {
        let cp = |s: &str| s.chars().map(u32::from).collect::<Vec<_>>();
        // "bücher" -> "bcher-kva", "☃" -> "n3h".
        assert_eq!(punycode_encoded_len(&cp("bücher")), Some(9));
        assert_eq!(punycode_encoded_len(&cp("☃")), Some(3));
        assert_eq!(punycode_encoded_len(&cp("例え")), Some("r8jz45g".len()));
    }
}
