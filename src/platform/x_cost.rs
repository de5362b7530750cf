//! What X charges for a post under pay-per-use (PLATFORMS.md addendum A,
//! from X's pricing page and changelog of 2026-04-16): `POST /2/tweets` costs
//! $0.015, and $0.20 when the post contains a URL. Amounts are whole
//! micro-dollars, so sums over a month never drift.

use super::x_url_ranges;

/// One post without a link, in micro-dollars ($0.015).
pub const POST_MICROS: u64 = 15_000;
/// One post with a link, in micro-dollars ($0.20).
pub const POST_WITH_LINK_MICROS: u64 = 200_000;

/// An amount in US dollars, held as micro-dollars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Usd(pub u64);

impl Usd {
    /// Dollars (for comparing with a budget written as a number).
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 1_000_000.0
    }
}

impl std::ops::AddAssign for Usd {
    fn add_assign(&mut self, other: Usd) {
        self.0 = self.0.saturating_add(other.0);
    }
}

impl std::fmt::Display for Usd {
    /// `$0.015`, `$1.20`, `$12.345`: cents always, a third decimal only when
    /// the amount has one (X's $0.015 is a tenth of a cent off the grid).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mills = self.0.div_ceil(1_000);
        let (dollars, rest) = (mills / 1_000, mills % 1_000);
        if rest % 10 == 0 {
            write!(f, "${dollars}.{:02}", rest / 10)
        } else {
            write!(f, "${dollars}.{rest:03}")
        }
    }
}

/// What X charges for posting `text` (one post; each thread part is one),
/// and whether it counts as a post with a link. A link is anything X would
/// shorten to t.co, bare domains included, as it counts them.
pub fn post_cost(text: &str) -> (Usd, bool) {
    if x_url_ranges(text).is_empty() {
        (Usd(POST_MICROS), false)
    } else {
        (Usd(POST_WITH_LINK_MICROS), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_makes_a_post_cost_twenty_cents() {
        assert_eq!(post_cost("Good morning"), (Usd(15_000), false));
        assert_eq!(
            post_cost("Read it: https://lumen.coffee/a?utm_source=x"),
            (Usd(200_000), true)
        );
        // X shortens bare domains too, so they are links for the price.
        assert_eq!(post_cost("see lumen.com"), (Usd(200_000), true));
        assert_eq!(post_cost("no link: lumen.zzz"), (Usd(15_000), false));
    }

    #[test]
    fn amounts_show_cents_and_a_tenth_of_a_cent_when_there_is_one() {
        assert_eq!(Usd(15_000).to_string(), "$0.015");
        assert_eq!(Usd(200_000).to_string(), "$0.20");
        assert_eq!(Usd(30_000).to_string(), "$0.03");
        assert_eq!(Usd(12_345_000).to_string(), "$12.345");
        assert_eq!(Usd(0).to_string(), "$0.00");
        let mut sum = Usd::default();
        for _ in 0..3 {
            sum += Usd(POST_MICROS);
        }
        assert_eq!(sum.to_string(), "$0.045");
        assert!((Usd(1_500_000).dollars() - 1.5).abs() < 1e-9);
    }
}
