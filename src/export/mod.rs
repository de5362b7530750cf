//! The calendar for other tools: iCalendar (`ics.rs`) for the calendar apps
//! a team subscribes to, and the CSV layout (`csv.rs`) that `import csv`
//! reads back.

pub mod csv;
pub mod ics;
