//! The files as written: serde structures for `postcal.yaml` and calendar files.
//!
//! Every value a finding may point at is [`Located`]. Unknown keys are errors
//! (`deny_unknown_fields`); the loader turns serde's message into a "did you
//! mean" hint. These types also generate the JSON Schema (`postcal schema`).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use super::model::Status;
use crate::diagnostic::Located;

mod channel;
pub use channel::{RawChannel, RawChatId, RawLogin, RawNumericId, RawOnAmbiguous};

/// `postcal.yaml`: the workspace configuration.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "postcal workspace (postcal.yaml)")]
pub struct RawConfig {
    /// IANA timezone name, the default for calendar times (e.g. `Europe/Madrid`).
    pub timezone: Located<String>,
    /// Folder scanned recursively for `*.yaml` / `*.yml` calendar files (default `calendars`).
    #[serde(default)]
    pub calendars: Option<Located<String>>,
    /// Where posts go: a name you choose mapped to an account on a platform.
    #[serde(default)]
    pub channels: IndexMap<Located<String>, Located<RawChannel>>,
    /// Publishing behaviour.
    #[serde(default)]
    pub publish: Option<RawPublish>,
    /// Windows in which nothing is published.
    #[serde(default)]
    pub blackouts: Vec<Located<RawBlackout>>,
    /// Link decoration applied at render time.
    #[serde(default)]
    pub links: Option<RawLinks>,
    /// Lint rules: `off | warn | error`, or a map with `level` and the rule's options.
    #[serde(default)]
    pub rules: IndexMap<Located<String>, Located<RawRuleSetting>>,
    /// Who may approve posts (rule `approver`).
    #[serde(default)]
    pub approval: Option<RawApproval>,
    /// Queues of posts without `at`, placed into free weekly slots.
    #[serde(default)]
    pub queues: IndexMap<Located<String>, Located<RawQueue>>,
    /// Where the workspace folder is served over HTTPS (a CDN, GitHub Pages,
    /// a repository's raw URL), for platforms that fetch media by URL
    /// (Threads): `media/a.png` is fetched from this URL + `media/a.png`.
    #[serde(default)]
    pub media_base_url: Option<Located<String>>,
}

/// A queue: posts with `queue: NAME` (and no `at`) go out in file order,
/// one per free slot.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    /// The channels its posts go to (a post may name its own).
    pub channels: Vec<Located<String>>,
    /// Weekly slots in the workspace timezone: `Tue 10:00`, `Thu 16:00`.
    pub slots: Vec<Located<String>>,
    /// The first date a slot may be used, `YYYY-MM-DD`.
    pub start: Located<String>,
    /// Re-post an item this long after its last publication, e.g. `60d`.
    #[serde(default)]
    pub recycle: Option<Located<String>>,
}

/// Who may approve: `status: approved` then needs `approved_by` naming one
/// of them (for each of the post's channels).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApproval {
    /// The people who may approve any post.
    #[serde(default)]
    pub approvers: Vec<Located<String>>,
    /// Narrower lists for some channels: channel name → who may approve its posts.
    #[serde(default)]
    pub channels: IndexMap<Located<String>, Vec<Located<String>>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPublish {
    /// How late a due post may still go out, e.g. `2h` (default 2h).
    #[serde(default)]
    pub catch_up: Option<Located<String>>,
    /// Only `status: approved` is published (default true).
    #[serde(default)]
    pub require_approval: Option<bool>,
    /// Crisis switch: nothing is published while true.
    #[serde(default)]
    pub freeze: Option<bool>,
    /// Longest `Retry-After` wait honoured within one run (default 60s).
    #[serde(default)]
    pub max_wait: Option<Located<String>>,
    /// `git`: runners on several machines coordinate through the git
    /// remote (claims pushed before anything is sent; see the README).
    #[serde(default)]
    pub coordination: Option<RawCoordination>,
    /// With `coordination: git`, how long another runner leaves a claimed
    /// delivery to the runner that claimed it (default 10m).
    #[serde(default)]
    pub claim_for: Option<Located<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawCoordination {
    /// Through the git remote's atomic ref update.
    Git,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBlackout {
    /// Start, inclusive: `YYYY-MM-DD HH:MM` in the workspace zone, a date, or RFC 3339.
    pub from: Located<String>,
    /// End, inclusive: a date alone covers the whole day.
    pub to: Located<String>,
    #[serde(default)]
    pub reason: Option<String>,
    /// Channels it applies to; all channels when absent.
    #[serde(default)]
    pub channels: Option<Vec<Located<String>>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLinks {
    /// Query parameters appended to every http(s) link; placeholders
    /// `{platform}` `{channel}` `{campaign}` `{post}`.
    #[serde(default)]
    pub utm: IndexMap<String, Located<String>>,
}

/// A rule's setting: a level alone, or a map with `level` and options.
#[derive(Debug, Default)]
pub struct RawRuleSetting {
    pub level: Option<Located<RawLevel>>,
    pub options: RawRuleOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawLevel {
    Off,
    Warn,
    Error,
}

/// Options a rule may take; each rule accepts only its own.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRuleOptions {
    #[serde(default)]
    pub max: Option<Located<u32>>,
    #[serde(default)]
    pub minutes: Option<Located<u32>>,
    #[serde(default)]
    pub days: Option<Located<u32>>,
    #[serde(default)]
    pub phrases: Option<Located<Vec<String>>>,
    #[serde(default)]
    pub max_usd_per_month: Option<Located<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRuleMap {
    #[serde(default)]
    level: Option<Located<RawLevel>>,
    #[serde(default)]
    max: Option<Located<u32>>,
    #[serde(default)]
    minutes: Option<Located<u32>>,
    #[serde(default)]
    days: Option<Located<u32>>,
    #[serde(default)]
    phrases: Option<Located<Vec<String>>>,
    #[serde(default)]
    max_usd_per_month: Option<Located<f64>>,
}

impl<'de> Deserialize<'de> for RawRuleSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawRuleSetting;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("`off`, `warn`, `error`, or a map with `level` and options")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let level = RawLevel::deserialize(serde::de::value::StrDeserializer::<E>::new(v))?;
                Ok(RawRuleSetting {
                    level: Some(Located::new(level, Default::default())),
                    options: RawRuleOptions::default(),
                })
            }
            // YAML 1.1 habits: `off` (and `no`, `false`) arrive as a boolean.
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
                if v {
                    return Err(E::custom(
                        "`true` is not a rule level: write `warn` or `error`",
                    ));
                }
                Ok(RawRuleSetting {
                    level: Some(Located::new(RawLevel::Off, Default::default())),
                    options: RawRuleOptions::default(),
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let m = RawRuleMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(RawRuleSetting {
                    level: m.level,
                    options: RawRuleOptions {
                        max: m.max,
                        minutes: m.minutes,
                        days: m.days,
                        phrases: m.phrases,
                        max_usd_per_month: m.max_usd_per_month,
                    },
                })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for RawRuleSetting {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RuleSetting".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let level = generator.subschema_for::<RawLevel>();
        let count = generator.subschema_for::<u32>();
        let phrases = generator.subschema_for::<Vec<String>>();
        let dollars = generator.subschema_for::<f64>();
        schemars::json_schema!({
            "oneOf": [
                level,
                {
                    "description": "A level and the rule's options; each rule accepts only its own (`postcal rules` lists them).",
                    "type": "object",
                    "additionalProperties": false,
                    "properties": {
                        "level": level,
                        "max": count,
                        "minutes": count,
                        "days": count,
                        "phrases": phrases,
                        "max_usd_per_month": dollars
                    }
                }
            ]
        })
    }
}

/// A calendar file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "postcal calendar file")]
pub struct RawCalendar {
    /// IANA timezone for the times in this file; overrides the workspace default.
    #[serde(default)]
    pub timezone: Option<Located<String>>,
    /// Default campaign for the posts below (used by `{campaign}` in UTM parameters).
    #[serde(default)]
    pub campaign: Option<Located<String>>,
    /// Merged into every post below; a post's own value wins.
    #[serde(default)]
    pub defaults: Option<RawDefaults>,
    #[serde(default)]
    pub posts: Vec<Located<RawPost>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    #[serde(default)]
    pub channels: Option<Located<Vec<Located<String>>>>,
    #[serde(default)]
    pub status: Option<Located<Status>>,
    #[serde(default)]
    pub language: Option<Located<String>>,
    #[serde(default)]
    pub catch_up: Option<Located<String>>,
    #[serde(default)]
    pub cw: Option<Located<String>>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub approved_by: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// One post. `id` and `at` are required.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPost {
    /// Unique in the workspace: `[a-z0-9][a-z0-9._-]*`.
    #[serde(default)]
    #[schemars(required)]
    pub id: Option<Located<String>>,
    /// Wall time in the file's timezone (`2026-11-27 09:00`) or RFC 3339 with an offset.
    #[serde(default)]
    #[schemars(required)]
    pub at: Option<Located<String>>,
    /// draft (default) | review | approved | cancelled | retracted
    #[serde(default)]
    pub status: Option<Located<Status>>,
    #[serde(default)]
    pub text: Option<Located<String>>,
    /// Channel names from postcal.yaml.
    #[serde(default)]
    pub channels: Option<Located<Vec<Located<String>>>>,
    /// Overrides by channel name or platform name.
    #[serde(default)]
    pub variants: IndexMap<Located<String>, Located<RawVariant>>,
    #[serde(default)]
    pub media: Option<Vec<RawMedia>>,
    /// Follow-ups, posted as replies in order.
    #[serde(default)]
    pub thread: Option<Vec<Located<String>>>,
    /// Content warning (Mastodon `spoiler_text`).
    #[serde(default)]
    pub cw: Option<Located<String>>,
    /// ISO 639-1 language code.
    #[serde(default)]
    pub language: Option<Located<String>>,
    /// How late this post may still go out, e.g. `30m`.
    #[serde(default)]
    pub catch_up: Option<Located<String>>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub approved_by: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Internal notes, never published.
    #[serde(default)]
    pub notes: Option<String>,
    /// Make it a series: occurrences `ID#YYYY-MM-DD` from `at` on, at its wall time.
    #[serde(default)]
    pub repeat: Option<Located<RawRepeat>>,
    /// Occurrence dates (`YYYY-MM-DD`) a series leaves out.
    #[serde(default)]
    pub skip: Option<Vec<Located<String>>>,
    /// Put it in a queue from postcal.yaml instead of giving it an `at`.
    #[serde(default)]
    pub queue: Option<Located<String>>,
    /// This post's campaign, when it is not the file's.
    #[serde(default)]
    pub campaign: Option<Located<String>>,
}

/// How a series comes back, and until when.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRepeat {
    /// `1d`, `1w`, `2w`, `1mo` (any whole number of days, weeks or
    /// months), or weekdays: `[mon, thu]`.
    pub every: Located<RawEvery>,
    /// The last date it may fall on, `YYYY-MM-DD` (inclusive).
    #[serde(default)]
    pub until: Option<Located<String>>,
    /// How many occurrences, skipped ones included (at least 1).
    #[serde(default)]
    pub count: Option<Located<i64>>,
}

/// An interval, or a list of weekdays.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum RawEvery {
    Interval(String),
    Weekdays(Vec<String>),
}

/// By hand, so a number (`every: 7`) reaches the check that says what to
/// write instead of failing the whole file with serde's "no variant".
impl<'de> Deserialize<'de> for RawEvery {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawEvery;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "an interval (`1d`, `1w`, `2w`, `1mo`) or a list of weekdays (`[mon, thu]`)",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawEvery::Interval(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(RawEvery::Interval(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(RawEvery::Interval(v.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut days = Vec::new();
                while let Some(day) = seq.next_element::<String>()? {
                    days.push(day);
                }
                Ok(RawEvery::Weekdays(days))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Per-channel or per-platform overrides of a post.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    #[serde(default)]
    pub text: Option<Located<String>>,
    #[serde(default)]
    pub thread: Option<Vec<Located<String>>>,
    #[serde(default)]
    pub media: Option<Vec<RawMedia>>,
    #[serde(default)]
    pub cw: Option<Located<String>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMedia {
    /// Path relative to the workspace root; must stay inside it.
    pub file: Located<String>,
    /// Alt text describing the image.
    #[serde(default)]
    pub alt: Option<Located<String>>,
}
