//! A progress bar for long publish runs, on a terminal only.

use indicatif::{ProgressBar, ProgressStyle};

use crate::publish::{DeliveryOutcome, Progress};

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub fn new(printer: &super::Printer) -> Bar {
        let bar = if printer.progress_allowed() {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        };
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} deliveries {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bar { bar }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
    }

    fn done(&self, outcome: &DeliveryOutcome) {
        self.bar.set_message(format!(
            "{}@{} {}",
            outcome.post,
            outcome.channel,
            outcome.kind.name()
        ));
        self.bar.inc(1);
    }
}
