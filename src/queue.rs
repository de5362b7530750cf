//! Queues (SPEC §6): posts with `queue: NAME` and no `at`, placed into the
//! queue's free weekly slots in file order.
//!
//! A placement is a post of its own, `ITEM#YYYY-MM-DD` (the slot's local
//! date), as an occurrence of a series is. What the ledger has a record of
//! is fixed: that placement stays where it went out (or was tried), whatever
//! is added, removed or reordered since. Every other item that may go out
//! (approved, or any status when approval is not required) gets its next
//! placement: in file order, each takes the earliest free slot from the
//! ones still inside their catch-up window, and no sooner than `recycle`
//! after its last publication. A slot is not free when a dated post (or an
//! earlier queue's placement) is on one of the queue's channels at that
//! time, or a blackout covers it. Nothing here depends on when a run
//! started beyond `now`: the same calendar, ledger and clock place the same.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use crate::calendar::{Post, Queue, Status, Workspace};
use crate::schedule::resolve_wall;

/// What the ledger knows of one post id (the publish side builds this).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Known {
    /// A part of it went out (and is not retracted).
    pub went_out: bool,
    /// Something of it is unsettled or failed: a request whose outcome is
    /// open or unknown, a failure, a retraction.
    pub pending: bool,
    /// It was recorded missed or not approved in time.
    pub passed: bool,
}

/// What the ledger knows, by post id.
pub type Recorded = HashMap<String, Known>;

/// What became of one queued item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// Its next placement: the post's id and time.
    Next { id: String, at: DateTime<Utc> },
    /// It may not go out (draft, review, cancelled, retracted).
    Waiting(Status),
    /// It went out (or was tried: the ledger has it) and does not come back.
    Done,
    /// It comes back with `recycle`, but no free slot is left before the
    /// horizon.
    NoSlot,
}

/// One queued item: its id, where it went before, and what is next.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    /// Its placements the ledger knows, oldest first.
    pub before: Vec<(String, DateTime<Utc>)>,
    pub place: Place,
}

/// One queue after placement.
#[derive(Debug, Clone)]
pub struct Report {
    pub queue: String,
    pub items: Vec<Item>,
    /// The first free slot no item fills (`None`: none before the horizon).
    pub dry_from: Option<DateTime<Utc>>,
}

/// Replace the queued posts of `ws` by their placements (those the ledger
/// fixes, then each item's next one); `taken` are the dated deliveries
/// (channel, time) a slot must not collide with, `None` to take them from
/// `ws` itself.
pub fn place(
    ws: &mut Workspace,
    taken: Option<&[(String, DateTime<Utc>)]>,
    ledger: &Recorded,
    now: DateTime<Utc>,
) -> Vec<Report> {
    if ws.config.queues.is_empty() {
        return Vec::new();
    }
    let mut busy: HashSet<(String, DateTime<Utc>)> = match taken {
        Some(list) => list.iter().cloned().collect(),
        None => ws
            .posts
            .iter()
            .filter(|p| p.queue.is_none())
            .filter_map(|p| Some((p, p.at?)))
            .flat_map(|(p, at)| p.channels.iter().map(move |c| (c.value.clone(), at)))
            .collect(),
    };
    let recorded = recorded_ids(ledger);
    let (queued, mut posts): (Vec<Post>, Vec<Post>) = std::mem::take(&mut ws.posts)
        .into_iter()
        .partition(|p| p.queue.is_some() && p.at.is_none());
    let mut reports = Vec::new();
    for queue in ws.config.queues.clone() {
        let items: Vec<&Post> = queued
            .iter()
            .filter(|p| p.queue.as_deref() == Some(queue.name.as_str()))
            .collect();
        let slots = Slots::new(ws, &queue, now);
        let mut report = Report {
            queue: queue.name.clone(),
            items: Vec::new(),
            dry_from: None,
        };
        // First what the ledger fixes, so no later placement can take it.
        let mut fixed: Vec<Vec<(String, DateTime<Utc>)>> = Vec::with_capacity(items.len());
        for item in &items {
            let mut before = Vec::new();
            for (date, id) in recorded.get(item.id.value.as_str()).into_iter().flatten() {
                // Its slot that day: the first no other fixed placement took
                // (a day may have several).
                let day = slots.on(*date);
                let at = day
                    .iter()
                    .copied()
                    .find(|at| {
                        item.channels
                            .iter()
                            .all(|c| !busy.contains(&(c.value.clone(), *at)))
                    })
                    .or_else(|| day.first().copied())
                    // The slots changed since and none falls on that day:
                    // the placement still stands (it went out, or was
                    // tried), at the first slot's time that day.
                    .unwrap_or_else(|| slots.fallback(*date));
                for c in &item.channels {
                    busy.insert((c.value.clone(), at));
                }
                posts.push(placed(item, id, at));
                before.push((id.clone(), at));
            }
            fixed.push(before);
        }
        let free = |at: DateTime<Utc>, busy: &HashSet<(String, DateTime<Utc>)>, item: &Post| {
            item.channels.iter().all(|c| {
                !busy.contains(&(c.value.clone(), at))
                    && !ws.config.blackouts.iter().any(|b| b.covers(at, &c.value))
            })
        };
        for (item, before) in items.iter().zip(fixed) {
            let id = item.id.value.clone();
            let eligible = eligible(
                &queue,
                item,
                &before,
                ledger,
                ws.config.publish.require_approval,
                ws.config.timezone,
            );
            let place = match eligible {
                Err(place) => place,
                Ok(from) => match slots
                    .all
                    .iter()
                    .copied()
                    .find(|at| *at >= from && free(*at, &busy, item))
                {
                    Some(at) => {
                        for c in &item.channels {
                            busy.insert((c.value.clone(), at));
                        }
                        let date = at.with_timezone(&ws.config.timezone).date_naive();
                        let next = format!("{id}#{date}");
                        posts.push(placed(item, &next, at));
                        Place::Next { id: next, at }
                    }
                    None => Place::NoSlot,
                },
            };
            report.items.push(Item { id, before, place });
        }
        let channels = &queue.channels;
        report.dry_from = slots
            .all
            .iter()
            .copied()
            .find(|at| channels.iter().all(|c| !busy.contains(&(c.clone(), *at))));
        reports.push(report);
    }
    // Queued posts of a queue that is not declared stay as they are (held:
    // a finding says the queue is unknown).
    posts.extend(queued.into_iter().filter(|p| {
        !ws.config
            .queues
            .iter()
            .any(|q| Some(q.name.as_str()) == p.queue.as_deref())
    }));
    posts.sort_by_key(|p| (p.file, p.loc.offset, p.at));
    ws.posts = posts;
    reports
}

/// From when `item` may take a slot, or why it takes none.
fn eligible(
    queue: &Queue,
    item: &Post,
    before: &[(String, DateTime<Utc>)],
    ledger: &Recorded,
    require_approval: bool,
    zone: chrono_tz::Tz,
) -> Result<DateTime<Utc>, Place> {
    if !item.status.goes_out(require_approval) {
        return Err(Place::Waiting(item.status));
    }
    let Some((last_id, last_at)) = before.last() else {
        return Ok(DateTime::<Utc>::MIN_UTC);
    };
    let known = ledger.get(last_id).copied().unwrap_or_default();
    match (known.went_out, known.pending, queue.recycle) {
        // Tried and not settled, or failed: a person (or the next run)
        // decides; nothing new is placed meanwhile.
        (false, true, _) => Err(Place::Done),
        // Missed or not approved in time: it takes the next free slot.
        (false, false, _) => Ok(DateTime::<Utc>::MIN_UTC),
        (true, _, Some(every)) => Ok(recycled(*last_at, every, zone)),
        (true, _, None) => Err(Place::Done),
    }
}

/// When an item that went out at `last` may go out again: `every` whole
/// days later counts calendar days (from the start of that day, so a DST
/// change between does not push it past that day's slot); any other
/// duration is added as it is.
fn recycled(last: DateTime<Utc>, every: Duration, zone: chrono_tz::Tz) -> DateTime<Utc> {
    if every.num_seconds() % 86_400 != 0 {
        return last + every;
    }
    let day = last.with_timezone(&zone).date_naive() + Duration::days(every.num_days());
    let midnight = NaiveDateTime::new(day, chrono::NaiveTime::MIN);
    // Midnight can fall in a gap in a few zones: 01:00 then starts the day.
    resolve_wall(midnight, zone)
        .or_else(|_| resolve_wall(midnight + Duration::hours(1), zone))
        .unwrap_or(last + every)
}

/// The post of `item` placed at `at` under `id`.
fn placed(item: &Post, id: &str, at: DateTime<Utc>) -> Post {
    let mut post = item.clone();
    post.id.value = id.to_owned();
    post.at = Some(at);
    post.series = Some(item.id.value.as_str().into());
    post
}

/// The post ids the ledger has any record of that are placements
/// (`ITEM#DATE`), by item, with their dates in order.
fn recorded_ids(ledger: &Recorded) -> HashMap<&str, Vec<(NaiveDate, String)>> {
    let ids = ledger.keys();
    let mut out: HashMap<&str, Vec<(NaiveDate, String)>> = HashMap::new();
    for id in ids {
        let Some((item, date)) = id.split_once('#') else {
            continue;
        };
        let Ok(date) = date.parse::<NaiveDate>() else {
            continue;
        };
        let list = out.entry(item).or_default();
        if !list.iter().any(|(_, i)| i == id) {
            list.push((date, id.clone()));
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

/// A queue's slots, from its start (or the oldest still inside its catch-up
/// window) to the horizon.
struct Slots {
    all: Vec<DateTime<Utc>>,
    zone: chrono_tz::Tz,
    queue: Queue,
}

impl Slots {
    fn new(ws: &Workspace, queue: &Queue, now: DateTime<Utc>) -> Slots {
        let zone = ws.config.timezone;
        let first_open = now - ws.config.publish.catch_up;
        let from = queue
            .start
            .max(first_open.with_timezone(&zone).date_naive() - Duration::days(1));
        let mut all = Vec::new();
        let mut date = from;
        while date <= ws.config.horizon {
            all.extend(
                at_on(queue, zone, date)
                    .into_iter()
                    .filter(|at| *at >= first_open),
            );
            let Some(next) = date.succ_opt() else { break };
            date = next;
        }
        Slots {
            all,
            zone,
            queue: queue.clone(),
        }
    }

    /// A time on `date` for a placement whose slot no longer exists: the
    /// first slot's time of day, else the start of the day.
    fn fallback(&self, date: NaiveDate) -> DateTime<Utc> {
        let time = self
            .queue
            .slots
            .first()
            .map_or(chrono::NaiveTime::MIN, |(_, t)| *t);
        let wall = NaiveDateTime::new(date, time);
        resolve_wall(wall, self.zone)
            .or_else(|_| resolve_wall(NaiveDateTime::new(date, chrono::NaiveTime::MIN), self.zone))
            .unwrap_or_else(|_| wall.and_utc())
    }

    /// The slot times on `date` (in the past too).
    fn on(&self, date: NaiveDate) -> Vec<DateTime<Utc>> {
        at_on(&self.queue, self.zone, date)
    }
}

/// The queue's slot instants on `date`, in order; a slot time that does not
/// exist that day, or happens twice, is left out.
fn at_on(queue: &Queue, zone: chrono_tz::Tz, date: NaiveDate) -> Vec<DateTime<Utc>> {
    use chrono::Datelike;
    queue
        .slots
        .iter()
        .filter(|(day, _)| *day == date.weekday())
        .filter_map(|(_, time)| resolve_wall(NaiveDateTime::new(date, *time), zone).ok())
        .collect()
}
