//! Benchmark baseline: read every `*.yaml` under a directory (recursively) and
//! parse each into a generic `serde_json::Value` with serde-saphyr, the YAML
//! crate postcal itself uses. Prints the number of files parsed.
//!
//! Usage: `target/release/examples/bench_parse DIR`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: bench_parse DIR");
        return ExitCode::from(2);
    };
    let mut files = Vec::new();
    if let Err(e) = collect(Path::new(&dir), &mut files) {
        eprintln!(
            "bench_parse: cannot list {}: {e}",
            Path::new(&dir).display()
        );
        return ExitCode::from(2);
    }
    files.sort();
    let mut parsed = 0usize;
    for path in &files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("bench_parse: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        };
        match serde_saphyr::from_str::<serde_json::Value>(&text) {
            Ok(value) => {
                std::hint::black_box(&value);
                parsed += 1;
            }
            Err(e) => {
                eprintln!("bench_parse: {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        }
    }
    println!("{parsed}");
    ExitCode::SUCCESS
}
