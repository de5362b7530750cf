//! Queue placement (SPEC §6), on generated calendars: it is deterministic,
//! appending an item never moves one already placed, and what the ledger
//! has (a placement that went out) stays where it was whatever unpublished
//! items are removed, reordered or added; no item is placed twice at once.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use postcal::queue::{Known, Place, Recorded, place};
use proptest::prelude::*;

const CONFIG: &str = "timezone: Europe/Madrid\npublish:\n  catch_up: 2h\nchannels:\n  m: { platform: mastodon, instance: https://m.example, token: env:T }\nqueues:\n  q:\n    channels: [m]\n    slots: [\"Tue 10:00\", \"Thu 16:00\", \"Sat 09:00\"]\n    start: 2026-12-01\n";

fn item(i: usize, approved: bool) -> String {
    let status = if approved { "approved" } else { "draft" };
    format!("  - id: i{i}\n    queue: q\n    status: {status}\n    text: Item {i}\n")
}

/// A workspace whose calendar holds `items` (in order) and dated posts at
/// `dated` (days after 2026-12-01, at 10:00 or 16:00).
fn load(items: &[String], dated: &[(u8, bool)], recycle: bool) -> postcal::calendar::Workspace {
    let dir = tempfile::tempdir().unwrap();
    let config = if recycle {
        format!("{CONFIG}    recycle: 14d\n")
    } else {
        CONFIG.to_owned()
    };
    std::fs::write(dir.path().join("postcal.yaml"), config).unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    let mut cal = String::from("posts:\n");
    for (n, (day, morning)) in dated.iter().enumerate() {
        let hour = if *morning { "10:00" } else { "16:00" };
        cal.push_str(&format!(
            "  - id: d{n}\n    at: 2026-12-{:02} {hour}\n    status: approved\n    channels: [m]\n    text: Dated {n}\n",
            1 + day % 28
        ));
    }
    cal.push_str(&items.concat());
    std::fs::write(dir.path().join("calendars/c.yaml"), cal).unwrap();
    postcal::calendar::load(dir.path(), now0()).unwrap()
}

fn now0() -> DateTime<Utc> {
    "2026-12-01T00:00:00Z".parse().unwrap()
}

/// item id → its next placement.
fn next(
    ws: &mut postcal::calendar::Workspace,
    ledger: &Recorded,
    now: DateTime<Utc>,
) -> HashMap<String, (String, DateTime<Utc>)> {
    let reports = place(ws, None, ledger, now);
    reports
        .into_iter()
        .flat_map(|r| r.items)
        .filter_map(|i| match i.place {
            Place::Next { id, at } => Some((i.id, (id, at))),
            _ => None,
        })
        .collect()
}

fn strategy() -> impl Strategy<Value = (Vec<bool>, Vec<(u8, bool)>, bool)> {
    (
        prop::collection::vec(prop::bool::weighted(0.8), 1..10),
        prop::collection::vec((0u8..28, any::<bool>()), 0..8),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn appending_an_item_never_moves_one_already_placed((approved, dated, recycle) in strategy(), new_approved in any::<bool>()) {
        let items: Vec<String> = approved.iter().enumerate().map(|(i, a)| item(i, *a)).collect();
        let mut before = load(&items, &dated, recycle);
        let first = next(&mut before, &Recorded::new(), now0());
        // The same input places the same.
        let mut again = load(&items, &dated, recycle);
        prop_assert_eq!(&next(&mut again, &Recorded::new(), now0()), &first);
        let mut longer = items.clone();
        longer.push(item(99, new_approved));
        let mut after = load(&longer, &dated, recycle);
        let second = next(&mut after, &Recorded::new(), now0());
        for (id, placed) in &first {
            prop_assert_eq!(second.get(id), Some(placed), "{} moved", id);
        }
        // Every approved item is placed once, no two in one slot.
        let mut slots: Vec<_> = second.values().map(|(_, at)| *at).collect();
        slots.sort();
        slots.dedup();
        prop_assert_eq!(slots.len(), second.len());
    }

    #[test]
    fn what_went_out_stays_put_whatever_unpublished_items_do(
        (approved, dated, recycle) in strategy(),
        published in 0usize..10,
        drop in any::<prop::sample::Index>(),
        weeks in 0i64..6,
    ) {
        let items: Vec<String> = approved.iter().enumerate().map(|(i, a)| item(i, *a)).collect();
        let mut ws = load(&items, &dated, recycle);
        let placed = next(&mut ws, &Recorded::new(), now0());
        // The first `published` placements (in time order) went out.
        let mut order: Vec<(&String, &(String, DateTime<Utc>))> = placed.iter().collect();
        order.sort_by_key(|(_, (_, at))| *at);
        let mut ledger = Recorded::new();
        let out: Vec<(String, (String, DateTime<Utc>))> = order
            .iter()
            .take(published)
            .map(|(item, p)| ((*item).clone(), (*p).clone()))
            .collect();
        for (_, (id, _)) in &out {
            ledger.insert(id.clone(), Known { went_out: true, ..Known::default() });
        }
        // Later, an unpublished item is removed.
        let gone: Vec<&String> = placed.keys().filter(|k| !out.iter().any(|(i, _)| i == *k)).collect();
        let mut kept = items.clone();
        if !gone.is_empty() {
            let victim = gone[drop.index(gone.len())];
            kept.retain(|text| !text.starts_with(&format!("  - id: {victim}\n")));
        }
        let now = now0() + Duration::weeks(weeks);
        let mut later = load(&kept, &dated, recycle);
        let next_placed = next(&mut later, &ledger, now);
        for (item, (id, at)) in &out {
            let post = later.posts.iter().find(|p| &p.id.value == id);
            prop_assert!(post.is_some_and(|p| p.at == Some(*at)), "{} of {} moved or vanished", id, item);
            if !recycle {
                prop_assert!(!next_placed.contains_key(item), "{} went out and was placed again", item);
            }
        }
        // No item has two upcoming placements.
        for (item, (id, _)) in &next_placed {
            let n = later.posts.iter().filter(|p| p.series.as_deref() == Some(item.as_str()) && !ledger.contains_key(&p.id.value)).count();
            prop_assert_eq!(n, 1, "{} ({}) placed {} times", item, id, n);
        }
    }
}

#[test]
fn an_item_that_went_out_is_not_placed_again_when_the_slots_change() {
    // i0 went out on Tue 1 Dec; then the queue's slots move to Wednesdays.
    let mut ledger = Recorded::new();
    ledger.insert(
        "i0#2026-12-01".to_owned(),
        Known {
            went_out: true,
            ..Known::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("postcal.yaml"),
        CONFIG.replace(
            "[\"Tue 10:00\", \"Thu 16:00\", \"Sat 09:00\"]",
            "[\"Wed 10:00\"]",
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("calendars")).unwrap();
    std::fs::write(
        dir.path().join("calendars/c.yaml"),
        format!("posts:\n{}{}", item(0, true), item(1, true)),
    )
    .unwrap();
    let mut ws = postcal::calendar::load(dir.path(), now0()).unwrap();
    let placed = next(&mut ws, &ledger, now0() + Duration::days(2));
    assert!(!placed.contains_key("i0"), "i0 went out: {placed:?}");
    let kept = ws.posts.iter().find(|p| p.id.value == "i0#2026-12-01");
    assert!(
        kept.is_some_and(|p| p.at.is_some()),
        "its placement stands: {:?}",
        ws.posts.iter().map(|p| &p.id.value).collect::<Vec<_>>()
    );
    assert_eq!(
        placed.get("i1").map(|(id, _)| id.as_str()),
        Some("i1#2026-12-09")
    );
}
