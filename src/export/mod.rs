//! The calendar for other tools: iCalendar (`ics.rs`) for the calendar apps
//! a team subscribes to.

pub mod ics;
