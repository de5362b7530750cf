//! Real headless Chromium (Debian's `chromium`, which `.ci/run` installs)
//! for the tests of the pages postcal writes. Without it a test says so
//! and passes, unless `POSTCAL_REQUIRE_CHROMIUM=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn find() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|name| {
        Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        #[allow(clippy::disallowed_methods)] // a test's own switch
        let required = std::env::var("POSTCAL_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "POSTCAL_REQUIRE_CHROMIUM=1 but chromium is missing: apt-get install chromium"
        );
        #[allow(clippy::print_stderr)] // why the test did nothing
        {
            eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        }
    }
    found.map(PathBuf::from)
}

/// Chromium, headless, on `page` with `flags`; its standard output.
pub fn browse(chromium: &Path, profile: &Path, page: &Path, flags: &[&str]) -> String {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--log-level=3",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(flags)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
