#!/usr/bin/env python3
"""Generate a large synthetic postcal workspace for benchmarking.

Usage: bench/gen.py OUTDIR [--posts 100000] [--files 1000] [--seed 1]

Writes OUTDIR/postcal.yaml and OUTDIR/calendars/fNNNN.yaml. The output is
deterministic for a given seed. Posts are scheduled on a 10-minute grid from
2027-01-01, 09:00-20:50 Europe/Madrid wall time only (so no DST gap or fold is
ever hit), by a greedy scheduler that respects the workspace's own min-gap
(30 min per channel) and max-per-day (20 per channel) rules, so the workspace
validates with 0 errors and 0 warnings. Because those rules cap a channel at 20
posts a day, 100k posts span several years (2027-01-01 to 2033-09 with the
default mix).
"""

import argparse
import datetime as dt
import os
import random
import sys

CHANNELS = ["m", "b", "d"]
SLOTS_PER_DAY = 72  # 09:00 .. 20:50 in 10-minute steps
FIRST_HOUR = 9
GAP_SLOTS = 3  # min-gap 30 minutes
MAX_PER_DAY = 20  # max-per-day 20
START = dt.date(2027, 1, 1)

CONFIG = """\
# Synthetic benchmark workspace written by bench/gen.py.
timezone: Europe/Madrid
calendars: calendars
channels:
  m:
    platform: mastodon
    instance: https://mastodon.social
    token: env:M_TOKEN
  b:
    platform: bluesky
    handle: x.bsky.social
    app_password: env:B_PW
  d:
    platform: discord
    webhook: env:D_HOOK
links:
  utm:
    utm_source: "{platform}"
rules:
  max-hashtags: { level: warn, max: 3 }
  duplicate-text: { level: warn, days: 30 }
  min-gap: { level: warn, minutes: 30 }
  max-per-day: { level: warn, max: 20 }
"""

BASE_WORDS = (
    "coffee roast bean brew morning espresso latte filter grinder kettle origin "
    "harvest farm cup mug aroma crema blend single batch fresh tasting notes cherry "
    "chocolate caramel citrus berry floral nutty honey vanilla spice smooth bright "
    "bold light dark medium team shop store open today tomorrow weekend week month "
    "event workshop class guide recipe tip idea story people community neighbour "
    "city street market festival season winter spring summer autumn holiday gift "
    "card order delivery pickup online new launch limited edition release update "
    "news thanks welcome join visit try share enjoy discover learn taste meet "
    "café niño señor crème brûlée açaí über façade jalapeño"
).split()

SYLLABLES = "ka lo mi nu te ra so vi pe da ze fu ga li mo ne ri sa ta vo be ci du fa go".split()


def make_vocab(rng):
    words = list(BASE_WORDS)
    seen = set(words)
    while len(words) < 3000:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def sentence_text(rng, vocab, min_len, max_len, link, hashtags):
    """Words up to a target length, then the link and hashtags; min_len..max_len chars."""
    tail = " " + link
    for tag in hashtags:
        tail += " #" + tag
    target = rng.randint(min_len, max_len) - len(tail) - 1
    room = max_len - len(tail) - 2  # the comma and the full stop
    words = []
    length = 0
    while length < target:
        w = rng.choice(vocab)
        add = len(w) + (1 if words else 0)
        if length + add > room:
            break
        words.append(w)
        length += add
    # Sprinkle punctuation for realism: capitalised start, a comma, a full stop.
    if len(words) > 6:
        words[len(words) // 2] += ","
    words[0] = words[0][:1].upper() + words[0][1:]
    text = " ".join(words) + "." + tail
    # Pad if the draw came out short (rare).
    while len(text) < min_len:
        text = "Note " + text
    return text


class Scheduler:
    """Walks the 10-minute grid; a slot takes channels that are free there.

    A channel is free at a slot when its previous post is at least 30 minutes
    earlier and it has fewer than 20 posts that day, which keeps the min-gap and
    max-per-day rules quiet. One post per slot; times only move forward, so
    files list posts in time order, as a planner would write them.
    """

    def __init__(self):
        self.slot = 0
        self.next_free = {c: 0 for c in CHANNELS}
        self.per_day = {}  # (channel, day) -> count

    def free(self):
        day = self.slot // SLOTS_PER_DAY
        return [
            c
            for c in CHANNELS
            if self.next_free[c] <= self.slot and self.per_day.get((c, day), 0) < MAX_PER_DAY
        ]

    def place(self, want):
        """Channels for a post that wants `want` channels (1-3): fewest waits first."""
        while True:
            free = self.free()
            if len(free) >= want:
                return free
            if free and want > 1 and self.slot % SLOTS_PER_DAY >= SLOTS_PER_DAY - GAP_SLOTS:
                return free  # end of the day: settle for fewer channels
            self.slot += 1

    def take(self, chans):
        day = self.slot // SLOTS_PER_DAY
        for c in chans:
            self.next_free[c] = self.slot + GAP_SLOTS
            self.per_day[(c, day)] = self.per_day.get((c, day), 0) + 1
        taken = self.slot
        self.slot += 1  # one post per time slot
        return taken


def slot_to_wall(slot):
    day, k = divmod(slot, SLOTS_PER_DAY)
    date = START + dt.timedelta(days=day)
    minutes = FIRST_HOUR * 60 + k * 10
    return f"{date.isoformat()} {minutes // 60:02d}:{minutes % 60:02d}"


def pick_width(rng):
    """How many channels a post goes to: mostly one, some two, a few all three."""
    r = rng.random()
    if r < 0.10:
        return 3
    if r < 0.35:
        return 2
    return 1


def pick_status(rng):
    r = rng.random()
    if r < 0.86:
        return "approved"
    if r < 0.92:
        return "draft"
    if r < 0.97:
        return "review"
    return "cancelled"


def quoted(s):
    # Texts hold only letters, digits, spaces, ",.:/#-" so double quotes need no escapes.
    return '"' + s + '"'


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.posts < 1 or args.files < 1:
        ap.error("--posts and --files must be positive")

    rng = random.Random(args.seed)
    vocab = make_vocab(rng)
    tags = [w for w in vocab[:400] if w.isascii()]
    sched = Scheduler()

    cal_dir = os.path.join(args.outdir, "calendars")
    os.makedirs(cal_dir, exist_ok=True)
    with open(os.path.join(args.outdir, "postcal.yaml"), "w", encoding="utf-8") as f:
        f.write(CONFIG)

    per_file, extra = divmod(args.posts, args.files)
    n = 0
    width = max(4, len(str(args.files - 1)))
    last_at = None
    for fi in range(args.files):
        count = per_file + (1 if fi < extra else 0)
        out = [
            f"# Synthetic calendar {fi:0{width}d} (bench/gen.py)\n",
            f"campaign: campaign-{fi // 10:03d}\n",
            "defaults:\n  channels: [m, b, d]\n",
        ]
        if fi % 7 == 0:
            out.append("  language: en\n")
        out.append("posts:\n" if count else "posts: []\n")
        for _ in range(count):
            n += 1
            pid = f"p{n:06d}"
            width = pick_width(rng)
            free = sched.place(width)
            effective = sorted(rng.sample(free, min(width, len(free))), key=CHANNELS.index)
            slot = sched.take(effective)
            # All three channels: leave it to the file's defaults.
            chans = None if len(effective) == len(CHANNELS) else effective
            last_at = slot_to_wall(slot)
            status = pick_status(rng)
            link = f"https://example.com/p/{n}"
            hashtags = rng.sample(tags, rng.choice([0, 0, 1, 1, 2, 3]))
            text = sentence_text(rng, vocab, 100, 250, link, hashtags)

            out.append(f"  - id: {pid}\n")
            out.append(f"    at: {last_at}\n")
            out.append(f"    status: {status}\n")
            if chans is not None:
                out.append(f"    channels: [{', '.join(chans)}]\n")
            if rng.random() < 0.7:
                out.append(f"    text: |\n      {text}\n")
            else:
                out.append(f"    text: {quoted(text)}\n")
            if "b" in effective and rng.random() < 0.05:
                short = sentence_text(rng, vocab, 60, 140, link, hashtags[:1])
                out.append(f"    variants:\n      b:\n        text: {quoted(short)}\n")
            if rng.random() < 0.03:
                out.append("    thread:\n")
                for _ in range(rng.randint(1, 3)):
                    part = sentence_text(rng, vocab, 40, 120, f"https://example.com/p/{n}/more", [])
                    out.append(f"      - {quoted(part)}\n")
            if rng.random() < 0.2:
                out.append(f"    owner: {rng.choice(['ana', 'luis', 'diego', 'marta'])}\n")
            if rng.random() < 0.1:
                out.append(f"    tags: [{rng.choice(tags)}, {rng.choice(tags)}]\n")
        path = os.path.join(cal_dir, f"f{fi:0{width}d}.yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(out)

    print(
        f"wrote {n} posts in {args.files} files to {args.outdir} "
        f"(2027-01-01 .. {last_at})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
