//! `x-cost-budget`: the month's posts to an X channel cost no more than the
//! team budgets (X charges per post: $0.015, or $0.20 with a link).

use super::{Check, Level, Rule, RuleConfig, RuleMeta};
use crate::diagnostic::RuleId;
use crate::diagnostic::Subject;
use crate::platform::x_cost::Usd;
use crate::validate::cost::x_deliveries;
use crate::validate::{CrossContext, Finding, PostSummary};

/// The budget when the rule is on without `max_usd_per_month`.
const DEFAULT_USD: f64 = 10.0;

pub const RULE: Rule = Rule {
    meta: RuleMeta {
        id: RuleId("x-cost-budget"),
        default_level: Level::Off,
        configurable: true,
        options: &[("max_usd_per_month", "10")],
        summary: "The posts planned on an X channel in a month cost at most `max_usd_per_month` ($0.015 a post, $0.20 with a link; thread parts count; drafts too).",
        bad: "x-cost-budget: { level: warn, max_usd_per_month: 5 }\n# 40 posts with links in December: $8.00",
        good: "# links only where they matter: 15 with a link, 25 without: $3.375",
    },
    check: Some(Check::Summaries(check)),
};

/// One channel's month, summed in time order.
struct Month<'a> {
    channel: &'a str,
    year: i32,
    month: u32,
    total: Usd,
    posts: usize,
    with_link: usize,
    /// The delivery that took it over the budget.
    over: Option<usize>,
}

/// One finding per channel and month over the budget, at the delivery that
/// takes it over.
fn check(cx: &CrossContext<'_>, cfg: &RuleConfig, posts: &[PostSummary], out: &mut Vec<Finding>) {
    let budget = cfg.max_usd.unwrap_or(DEFAULT_USD);
    let deliveries = x_deliveries(cx.config, posts);
    let mut months: Vec<Month<'_>> = Vec::new();
    for (i, d) in deliveries.iter().enumerate() {
        let same = |m: &Month<'_>| (m.channel, m.year, m.month) == (d.channel, d.year, d.month);
        let at = months.iter().position(same).unwrap_or_else(|| {
            months.push(Month {
                channel: d.channel,
                year: d.year,
                month: d.month,
                total: Usd::default(),
                posts: 0,
                with_link: 0,
                over: None,
            });
            months.len() - 1
        });
        let month = &mut months[at];
        month.total += d.usd;
        month.posts += d.posts;
        month.with_link += d.with_link;
        if month.over.is_none() && month.total.dollars() > budget {
            month.over = Some(i);
        }
    }
    for m in months {
        let Some(first) = m.over else { continue };
        let d = &deliveries[first];
        let name = chrono::NaiveDate::from_ymd_opt(m.year, m.month, 1)
            .map_or_else(String::new, |day| day.format("%B %Y").to_string());
        out.push(
            cfg.finding(
                RULE.meta.id,
                Subject::Delivery {
                    post: d.post.id.clone(),
                    channel: m.channel.to_owned(),
                },
                d.post.file,
                d.post.at_loc,
                format!(
                    "the plan for {} in {name} costs about {} on X ({} posts, {} with a link), over the budget of ${budget:.2}; it goes over with `{}`",
                    m.channel, m.total, m.posts, m.with_link, d.post.id
                ),
            )
            .with_help("a post with a link costs $0.20, one without $0.015: keep links for the posts that need them, post less, or raise `max_usd_per_month` under `rules: x-cost-budget`"),
        );
    }
}
