//! Time: timezones, wall times, durations, recurring dates.

pub mod repeat;
pub mod time;

pub use time::{
    TimeError, WrittenTime, parse_at, parse_duration, parse_written, parse_zone, resolve_wall,
};
