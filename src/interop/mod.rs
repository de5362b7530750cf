//! The calendar to and from other tools: iCalendar (`ics.rs`) for the
//! calendar apps a team subscribes to, the CSV layout (`csv.rs`) that
//! `export csv` writes and `import csv` reads back, and the bulk files of
//! Hootsuite and Buffer (`bulk.rs`) that `import` reads.

pub mod bulk;
pub mod csv;
pub mod ics;
