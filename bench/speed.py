#!/usr/bin/env python3
"""The speed benchmark (SPEC §9, README "Speed"); run it through bench/run.sh.

Times, in one run and on one generated workspace, every measure of the speed
table against a baseline taken in the same run (single-threaded serde-saphyr
parse of the same files: examples/bench_parse), so ratios hold on a noisy
machine. Each command runs RUNS times; the table gives the median wall time,
the median CPU time (user + system, from wait4) and the largest peak RSS.

Usage: bench/speed.py POSTCAL BENCH_PARSE WORKSPACE [--runs N] [--big WS_1M]
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

NOW = "2026-12-01T00:00:00Z"


def run(argv, env=None, cwd=None):
    """Run once; (wall s, cpu s, peak RSS bytes, exit code)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env=env, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


class Measure:
    def __init__(self, name, samples):
        self.name = name
        self.wall = statistics.median(s[0] for s in samples)
        self.cpu = statistics.median(s[1] for s in samples)
        self.rss = max(s[2] for s in samples)
        self.codes = sorted({s[3] for s in samples})


def measure(name, argv, runs, before=None, env=None, cwd=None):
    samples = []
    for i in range(runs):
        if before:
            before(i)
        samples.append(run(argv, env=env, cwd=cwd))
    m = Measure(name, samples)
    print(f"   {name}: {fmt(m.wall)} wall, {fmt(m.cpu)} cpu, exit {m.codes}", file=sys.stderr)
    return m


def fmt(s):
    return f"{s:.2f} s" if s >= 1 else f"{s * 1000:.1f} ms"


def calendar_files(ws):
    out = []
    for root, _, names in os.walk(os.path.join(ws, "calendars")):
        out += [os.path.join(root, n) for n in names if n.endswith((".yaml", ".yml"))]
    return sorted(out)


def git(repo, *args):
    subprocess.run(["git", "-C", repo, "-c", "user.email=b@example.com", "-c", "user.name=bench", *args],
                   check=True, stdout=subprocess.DEVNULL)


def edit_one_percent(calendars, spread):
    """Prefix 1% of the posts' texts with `(edited) `: every 100th post
    (`spread`: every file changes), or every post of every 100th file (a
    pull request's few files)."""
    n = 0
    for k, path in enumerate(calendar_files(os.path.dirname(calendars))):
        if not spread and k % 100 != 0:
            continue
        lines = open(path).read().split("\n")
        for i, line in enumerate(lines):
            if line.startswith("  - id: "):
                n += 1
                if not spread or n % 100 == 0:
                    for j in range(i + 1, min(i + 12, len(lines))):
                        if lines[j].startswith("    text: "):
                            lines[j] = lines[j].replace("    text: ", "    text: (edited) ", 1)
                            break
        open(path, "w").write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("postcal")
    ap.add_argument("parse")
    ap.add_argument("ws")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--big", help="a 1M-post workspace: validate it cold once, against the 100k one")
    a = ap.parse_args()
    pc, ws, runs = a.postcal, a.ws, a.runs
    files = calendar_files(ws)
    input_bytes = sum(os.path.getsize(f) for f in files)
    cache = os.path.join(ws, ".postcal", "cache")
    cold_env = dict(os.environ, POSTCAL_NO_INDEX="1")
    validate = [pc, "--workspace", ws, "validate", "--format", "json", "--now", NOW]
    tick = [pc, "--workspace", ws, "publish", "--now", NOW]
    preview = [pc, "--workspace", ws, "preview", "--days", "7", "--from", "2027-06-01", "--format", "json"]
    drop_cache = lambda _i: shutil.rmtree(cache, ignore_errors=True)  # noqa: E731

    print(f"== {len(files)} files, {input_bytes / 1048576:.1f} MiB, {os.cpu_count()} cores, {runs} runs each",
          file=sys.stderr)
    m = {}
    m["parse"] = measure("bare parse (baseline)", [a.parse, os.path.join(ws, "calendars")], runs)
    m["vcold"] = measure("validate, cold (no index)", validate, runs, env=cold_env)
    m["tcold"] = measure("cron tick, cold (index rebuilt)", tick, runs, before=drop_cache)
    run(validate)  # the index is written by the last cold tick; make sure
    m["vwarm"] = measure("validate, warm", validate, runs)
    m["twarm"] = measure("cron tick, warm, nothing changed", tick, runs)
    m["pwarm"] = measure("preview --days 7, warm", preview, runs)

    # One file of the thousand edited before each tick: a post's text
    # changed (the rules across files run again), or only a comment appended
    # (new bytes, parsed again, but its posts are what they were).
    def edit(i):
        path = files[(i * 37) % len(files)]
        text = open(path).read().replace("    text: ", f"    text: (edit {i}) ", 1)
        open(path, "w").write(text)

    def comment(i):
        with open(files[(i * 41) % len(files)], "a") as f:
            f.write(f"# bench edit {i}\n")
    m["tedit"] = measure("cron tick, warm, 1 file edited", tick, runs, before=edit)
    m["tcomment"] = measure("cron tick, warm, a comment added to 1 file", tick, runs, before=comment)
    one = tempfile.mkdtemp(prefix="postcal-one.")
    shutil.copy(files[0], one)
    m["one"] = measure("bare parse of that one file", [a.parse, one], runs)
    shutil.rmtree(one)

    # diff: the workspace committed, 1% of the posts edited in a second
    # commit, in 1% of the files (a pull request) or spread over all.
    repo = tempfile.mkdtemp(prefix="postcal-diff.")
    shutil.copy(os.path.join(ws, "postcal.yaml"), repo)
    shutil.copytree(os.path.join(ws, "calendars"), os.path.join(repo, "calendars"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    edit_one_percent(os.path.join(repo, "calendars"), spread=False)
    git(repo, "commit", "-q", "-am", "1% edited, in 1% of the files")
    edit_one_percent(os.path.join(repo, "calendars"), spread=True)
    git(repo, "commit", "-q", "-am", "1% edited, in every file")
    diff = [pc, "--workspace", repo, "diff", "--format", "json"]
    m["diff"] = measure("diff, 1% of posts edited in 10 files", diff + ["HEAD~2", "HEAD~1"], runs)
    m["diffall"] = measure("diff, 1% of posts edited across all files", diff + ["HEAD~1", "HEAD"], runs)
    shutil.rmtree(repo)

    if a.big:
        big_validate = [pc, "--workspace", a.big, "validate", "--format", "json", "--now", NOW]
        m["big"] = measure("validate, cold, 1M posts", big_validate, max(1, runs // 2), env=cold_env)

    base, cold = m["parse"], m["tcold"]
    rows = [
        ("bare serde-saphyr parse, 1 thread (baseline)", "parse", "1.00×", ""),
        ("`validate`, cold (no index)", "vcold", f"{m['vcold'].wall / base.wall:.2f}× baseline", "≤ 0.6× baseline"),
        ("cron tick, cold (index rebuilt)", "tcold", f"{cold.wall / base.wall:.2f}× baseline", ""),
        ("cron tick, warm, nothing changed", "twarm", f"{m['twarm'].wall / cold.wall * 100:.1f}% of a cold tick",
         "≤ 50 ms, ≤ 3% of a cold tick"),
        ("cron tick, warm, 1 file of 1,000 edited", "tedit",
         f"{m['tedit'].wall / (2 * m['twarm'].wall + m['one'].wall):.2f}× (2 × unchanged tick + that file's parse)",
         "≤ 1.00×"),
        ("cron tick, warm, a comment added to 1 file", "tcomment",
         f"{m['tcomment'].wall / (2 * m['twarm'].wall + m['one'].wall):.2f}× (the same)", ""),
        ("`validate`, warm", "vwarm", f"{m['vwarm'].wall / base.wall:.3f}× baseline", "≤ 100 ms"),
        ("`preview --days 7`, warm", "pwarm", f"{m['pwarm'].wall / base.wall:.3f}× baseline", "≤ 50 ms"),
        ("`diff`, 1% of posts changed, in 10 files", "diff", f"{m['diff'].wall / m['vcold'].wall:.2f}× cold validate",
         "≤ 1.0×"),
        ("`diff`, 1% of posts changed, spread over every file", "diffall",
         f"{m['diffall'].wall / m['vcold'].wall:.2f}× cold validate", "≤ 1.0×"),
    ]
    if a.big:
        rows.append(("`validate`, cold, 1M posts", "big", f"{m['big'].wall / m['vcold'].wall:.2f}× the 100k one",
                     "≤ 10.5×"))
    print()
    print(f"postcal speed — {len(files)} files, {input_bytes / 1048576:.1f} MiB of calendars, "
          f"{os.cpu_count()} cores, median of {runs} runs (load average at the end: "
          f"{os.getloadavg()[0]:.1f})")
    print()
    print("| measure | wall | CPU | ratio | target |")
    print("|---|---:|---:|---|---|")
    for label, key, ratio, target in rows:
        x = m[key]
        print(f"| {label} | {fmt(x.wall)} | {fmt(x.cpu)} | {ratio} | {target} |")
    print()
    print(f"Peak RSS of a cold `validate`: {m['vcold'].rss / 1e6:.1f} MB, "
          f"{m['vcold'].rss / input_bytes:.2f}× the input (target ≤ 3×).")
    size = os.path.getsize(pc)
    print(f"Release binary: {size / 1e6:.1f} MB (target ≤ 15 MB).")
    bad = [x.name for x in m.values() if any(c not in (0,) for c in x.codes) and x.name.startswith(("bare", "validate", "preview"))]
    if bad:
        print(f"\nWarning: non-zero exit from: {', '.join(bad)}", file=sys.stderr)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
