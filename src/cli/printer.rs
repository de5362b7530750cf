//! The one printer: data to stdout, diagnostics and logs to stderr, colour
//! and quietness decided once.

use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Color, Effects, Style};

use super::ColorChoice;

const ERROR: Style = Style::new()
    .fg_color(Some(Color::Ansi(AnsiColor::Red)))
    .effects(Effects::BOLD);
const BOLD: Style = Style::new().effects(Effects::BOLD);

pub struct Printer {
    color_out: bool,
    color_err: bool,
    err_tty: bool,
    pub quiet: bool,
    pub verbose: u8,
}

impl Printer {
    pub fn new(choice: ColorChoice, no_color: bool, quiet: bool, verbose: u8) -> Printer {
        let decide = |tty: bool| match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        Printer {
            color_out: decide(std::io::stdout().is_terminal()),
            color_err: decide(std::io::stderr().is_terminal()),
            err_tty: std::io::stderr().is_terminal(),
            quiet,
            verbose,
        }
    }

    /// Progress bars go to stderr on a terminal, never in quiet mode.
    pub fn progress_allowed(&self) -> bool {
        self.err_tty && !self.quiet
    }

    pub fn color_out(&self) -> bool {
        self.color_out
    }

    pub fn color_err(&self) -> bool {
        self.color_err
    }

    /// Write data to stdout. A closed pipe (`postcal preview | head`) surfaces
    /// as `BrokenPipe`, which `main` turns into a quiet exit.
    pub fn out(&self, text: &str) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()
    }

    /// Write diagnostics to stderr; failures to write there are ignored.
    pub fn err(&self, text: &str) {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }

    /// A status line on stderr, unless quiet.
    pub fn note(&self, text: &str) {
        if !self.quiet {
            self.err(&format!("{text}\n"));
        }
    }

    /// Whether `debug` lines are shown (`-v`, not `--quiet`).
    pub fn verbose(&self) -> bool {
        self.verbose > 0 && !self.quiet
    }

    /// A line on stderr with `-v`.
    pub fn debug(&self, text: &str) {
        if self.verbose > 0 && !self.quiet {
            self.err(&format!("{text}\n"));
        }
    }

    /// With `-vv`: a sink for each HTTP request's description, on stderr.
    pub fn trace(&self) -> Option<crate::adapters::http::Trace> {
        (self.verbose > 1 && !self.quiet).then(|| {
            let trace: crate::adapters::http::Trace = std::sync::Arc::new(|line: &str| {
                let _ = writeln!(std::io::stderr().lock(), "  http: {line}");
            });
            trace
        })
    }

    /// `error: message` and an optional `hint:` line on stderr.
    pub fn error_line(&self, message: &str, help: Option<&str>) {
        let (red, bold) = if self.color_err {
            (ERROR, BOLD)
        } else {
            (Style::new(), Style::new())
        };
        let mut s = format!("{red}error{red:#}{bold}: {message}{bold:#}\n");
        if let Some(help) = help {
            s.push_str(&format!("  hint: {help}\n"));
        }
        self.err(&s);
    }
}
