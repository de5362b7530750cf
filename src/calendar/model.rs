//! The workspace as postcal understands it: resolved configuration and posts.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::channel::Channel;
use crate::diagnostic::{FileId, Finding, Level, Loc, Located, Sources, Subject};

/// A post's workflow state.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Deserialize,
    Serialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Draft,
    Review,
    Approved,
    Cancelled,
    Retracted,
}

impl Status {
    /// Whether a post with this status is published when its time comes:
    /// approved, or in review where approval is not required.
    pub fn goes_out(self, require_approval: bool) -> bool {
        match self {
            Status::Approved => true,
            Status::Review => !require_approval,
            Status::Draft | Status::Cancelled | Status::Retracted => false,
        }
    }

    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Review,
        Status::Approved,
        Status::Cancelled,
        Status::Retracted,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Approved => "approved",
            Status::Cancelled => "cancelled",
            Status::Retracted => "retracted",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|st| st.name() == s)
            .ok_or_else(|| format!("unknown status `{s}` (expected draft, review, approved, cancelled or retracted)"))
    }
}

#[derive(Debug, Clone)]
pub struct Blackout {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub reason: Option<String>,
    /// `None`: every channel.
    pub channels: Option<Vec<String>>,
    pub loc: Loc,
}

impl Blackout {
    pub fn covers(&self, at: DateTime<Utc>, channel: &str) -> bool {
        self.from <= at
            && at <= self.to
            && self
                .channels
                .as_ref()
                .is_none_or(|chs| chs.iter().any(|c| c == channel))
    }
}

#[derive(Debug, Clone)]
pub struct PublishSettings {
    pub catch_up: Duration,
    pub require_approval: bool,
    pub freeze: bool,
    pub max_wait: Duration,
    /// `coordination: git`.
    pub coordinate_git: bool,
    pub claim_for: Duration,
}

impl Default for PublishSettings {
    fn default() -> Self {
        PublishSettings {
            catch_up: Duration::hours(2),
            require_approval: true,
            freeze: false,
            max_wait: Duration::seconds(60),
            coordinate_git: false,
            claim_for: Duration::minutes(10),
        }
    }
}

/// `postcal.yaml`, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: FileId,
    pub timezone: Tz,
    pub calendars: String,
    pub channels: IndexMap<String, Channel>,
    pub publish: PublishSettings,
    pub blackouts: Vec<Blackout>,
    pub utm: Vec<(String, String)>,
    /// `rules:` as written; `validate` resolves it against its rule table.
    pub rules: Vec<RuleEntry>,
    /// Channels declared but unusable (a finding says why): posts may name
    /// them without an `unknown-channel` error, but nothing goes to them.
    pub unusable_channels: Vec<String>,
    /// How far a series without an end is expanded (inclusive).
    pub horizon: chrono::NaiveDate,
    /// Who may approve posts (`approval:`).
    pub approval: Approval,
    /// `queues:`, in the order written (those that can be used).
    pub queues: Vec<Queue>,
    /// Queues declared but unusable (a finding in postcal.yaml says why).
    pub unusable_queues: Vec<String>,
    /// `media_base_url`: where platforms that fetch media by URL find it.
    pub media_base: Option<super::MediaBase>,
}

/// A queue: its posts go out in file order, one per free weekly slot.
#[derive(Debug, Clone)]
pub struct Queue {
    pub name: String,
    pub channels: Vec<String>,
    /// Weekly slots (weekday, wall time in the workspace zone), sorted.
    pub slots: Vec<(chrono::Weekday, chrono::NaiveTime)>,
    pub start: chrono::NaiveDate,
    pub recycle: Option<Duration>,
}

/// `approval:` — who may approve posts, for all channels and per channel.
#[derive(Debug, Clone, Default)]
pub struct Approval {
    pub approvers: Vec<String>,
    pub channels: Vec<(String, Vec<String>)>,
}

impl Approval {
    /// Who may approve a post for `channel`; `None` when nobody is named
    /// (any `approved_by`, or none, will do).
    pub fn for_channel(&self, channel: &str) -> Option<&[String]> {
        match self.channels.iter().find(|(c, _)| c == channel) {
            Some((_, list)) => Some(list),
            None => (!self.approvers.is_empty()).then_some(self.approvers.as_slice()),
        }
    }
}

/// One entry of `rules:`: a rule's name, its level and its options.
#[derive(Debug, Clone)]
pub struct RuleEntry {
    pub name: Located<String>,
    /// Where the setting is written.
    pub loc: Loc,
    pub level: Option<Located<Level>>,
    pub options: RuleOptions,
}

/// The options a rule may take; which apply is the rule's business.
#[derive(Debug, Clone, Default)]
pub struct RuleOptions {
    pub max: Option<Located<u32>>,
    pub minutes: Option<Located<u32>>,
    pub days: Option<Located<u32>>,
    pub phrases: Option<Located<Vec<String>>>,
    pub max_usd_per_month: Option<Located<f64>>,
}

/// A per-channel or per-platform override of a post.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variant {
    pub text: Option<Located<String>>,
    pub thread: Option<Vec<Located<String>>>,
    pub media: Option<Vec<Media>>,
    pub cw: Option<Located<String>>,
}

/// An attachment as written: a workspace-relative path and its alt text.
#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    pub file: Located<String>,
    pub alt: Option<Located<String>>,
}

/// The fields of a post that may come from its file's `defaults:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Channels,
    Status,
    Language,
    CatchUp,
    Cw,
}

impl Field {
    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// Which fields of a post were taken from `defaults:`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Inherited(u8);

impl Inherited {
    pub fn set(&mut self, field: Field) {
        self.0 |= field.bit();
    }

    pub fn has(self, field: Field) -> bool {
        self.0 & field.bit() != 0
    }
}

/// One post, with defaults merged and its time resolved. A workspace may hold
/// a hundred thousand of these, so rarely-set fields live in a box and lists
/// are boxed slices.
#[derive(Debug, Clone)]
pub struct Post {
    pub id: Located<String>,
    pub file: FileId,
    /// Where the post starts (its `- ` item).
    pub loc: Loc,
    /// `None` when `at` is missing or invalid (a finding says why).
    pub at: Option<DateTime<Utc>>,
    pub at_loc: Loc,
    /// The zone its wall time was read in.
    pub zone: Tz,
    pub status: Status,
    pub text: Option<Located<String>>,
    pub channels: Box<[Located<String>]>,
    pub variants: Box<[(Located<String>, Variant)]>,
    pub media: Box<[Media]>,
    pub thread: Box<[Located<String>]>,
    /// The file's, unless the post names its own.
    pub campaign: Option<std::sync::Arc<str>>,
    pub extra: Option<Box<PostExtra>>,
    pub inherited: Inherited,
    /// For an occurrence of a recurring post (`id` is `SERIES#YYYY-MM-DD`):
    /// the series' id.
    pub series: Option<std::sync::Arc<str>>,
    /// The queue it waits in (it has no `at` of its own until placed).
    pub queue: Option<std::sync::Arc<str>>,
}

/// The fields most posts leave out.
#[derive(Debug, Clone, Default)]
pub struct PostExtra {
    /// Content warning (Mastodon `spoiler_text`).
    pub cw: Option<Located<String>>,
    pub language: Option<Located<String>>,
    pub catch_up: Option<Duration>,
    /// Shown in preview and diff, never published.
    pub owner: Option<String>,
    pub approved_by: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
}

impl PostExtra {
    fn is_empty(&self) -> bool {
        self.cw.is_none()
            && self.language.is_none()
            && self.catch_up.is_none()
            && self.owner.is_none()
            && self.approved_by.is_none()
            && self.tags.is_empty()
            && self.notes.is_none()
    }

    /// `Some(boxed)` unless every field is empty.
    pub fn boxed(self) -> Option<Box<PostExtra>> {
        (!self.is_empty()).then(|| Box::new(self))
    }
}

impl Post {
    /// What a finding about this post is about.
    pub fn subject(&self) -> Subject {
        Subject::Post(self.id.value.clone())
    }

    /// What a finding about `field` of this post is about: the file, when
    /// the value comes from its `defaults:` (every post of the file shares
    /// it), else the post.
    pub fn subject_of(&self, field: Field) -> Subject {
        if self.inherited.has(field) {
            Subject::File(self.file)
        } else {
            self.subject()
        }
    }

    /// What a finding about this post on `channel` is about.
    pub fn delivery_subject(&self, channel: &str) -> Subject {
        Subject::Delivery {
            post: self.id.value.clone(),
            channel: channel.to_owned(),
        }
    }

    pub fn cw(&self) -> Option<&Located<String>> {
        self.extra.as_ref()?.cw.as_ref()
    }

    pub fn language(&self) -> Option<&Located<String>> {
        self.extra.as_ref()?.language.as_ref()
    }

    /// This post's own catch-up window, when it sets one.
    pub fn catch_up(&self) -> Option<Duration> {
        self.extra.as_ref()?.catch_up
    }
}

/// Everything loaded from a workspace, with the findings met on the way.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: std::path::PathBuf,
    pub sources: Sources,
    pub config: Config,
    pub posts: Vec<Post>,
    pub findings: Vec<Finding>,
}
