"""Round 5's own honesty check: a random third of the tuning sentences is set aside before
any rule changes, the rules are tuned on the other two thirds, then measured once on the
third set aside (docs/compliance.md, round 5).

The tuning sentences are every labelled part whose honest figure has been reported
(compliance_labelled.tsv, compliance_heldout.tsv, compliance_heldout2.tsv,
compliance_heldout3.tsv; compliance_heldout4.tsv since round 6, outside the draw). The third
is drawn per category and label (seed 17, fixed before any sentence was read), so each
category keeps violations and look-alikes on both sides.

    .venv/bin/python scripts/compliance_setaside.py list       # set-aside line numbers only
    .venv/bin/python scripts/compliance_setaside.py tune       # figures + misses, kept 2/3
    .venv/bin/python scripts/compliance_setaside.py setaside   # figures only, the third
    .venv/bin/python scripts/compliance_setaside.py all        # figures + misses, everything
    .venv/bin/python scripts/compliance_setaside.py before     # figures only, pre-round-5 rows
    .venv/bin/python scripts/compliance_setaside.py time       # µs per sentence, all parts
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

PARTS = (
    "compliance_labelled.tsv",
    "compliance_heldout.tsv",
    "compliance_heldout2.tsv",
    "compliance_heldout3.tsv",
)
# Parts whose honest figure was reported after the third was drawn (heldout4, folded into tuning
# in round 6): part of `tune`, `all` and `time`, never of the draw, so `list` prints the same third.
LATER_PARTS = ("compliance_heldout4.tsv",)
SEED = 17
# Sentences added in round 5 itself sit below this comment line in compliance_labelled.tsv;
# the draw is over the sentences that existed before it, so it stays the same draw.
ROUND5 = "# Round 5"


def rows(*, drawn_from: bool = False) -> list[tuple[str, int, bool, frozenset[str], str, str]]:
    """(part, 1-based line number, violation, scopes, category, sentence) of every part;
    `drawn_from=True`: only the sentences that existed when the third was set aside."""
    out = []
    for part in PARTS + (() if drawn_from else LATER_PARTS):
        path = ROOT / "cms" / "compliance" / "corpus" / part
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if drawn_from and raw.startswith(ROUND5):
                break
            if not raw.strip() or raw.startswith("#"):
                continue
            label, scope, category, sentence = raw.split("\t")
            scopes = frozenset({scope}) if scope != "-" else frozenset()
            out.append((part, number, label == "1", scopes, category, sentence))
    return out


def set_aside(all_rows) -> set[tuple[str, int]]:
    """A random third (rounded) of each (category, label) group, as (part, line) keys."""
    groups = defaultdict(list)
    for part, number, violation, _, category, _ in all_rows:
        groups[(category, violation)].append((part, number))
    rng = random.Random(SEED)  # noqa: S311 (a reproducible draw, not a secret)
    chosen: set[tuple[str, int]] = set()
    for key in sorted(groups):
        members = sorted(groups[key])
        chosen.update(rng.sample(members, round(len(members) / 3)))
    return chosen


def score(selected, *, show: bool) -> None:
    import django

    django.setup()
    from cms.compliance import check_report

    def check_text(text, *, scopes=()):  # the rules alone: these are the rules' figures
        return check_report(text, scopes=scopes, second_reader=False).findings

    per = defaultdict(lambda: [0, 0, 0, 0])  # tp fp fn tn
    misses = []
    for part, number, violation, scopes, category, sentence in selected:
        flagged = any(f.blocking for f in check_text(sentence, scopes=scopes))
        for key in (category, "ALL"):
            s = per[key]
            s[0] += flagged and violation
            s[1] += flagged and not violation
            s[2] += violation and not flagged
            s[3] += not flagged and not violation
        if flagged != violation:
            misses.append((("FP" if flagged else "FN"), part, number, category, sentence))
    for key in sorted(per, key=lambda k: (k == "ALL", k)):
        tp, fp, fn, tn = per[key]
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        print(f"{key:14} P={p:.3f} R={r:.3f}  tp={tp} fp={fp} fn={fn} tn={tn}")
    print(f"misses: {len(misses)}")
    if show:
        for kind, part, number, category, sentence in misses:
            print(f"  {kind} [{category}] {part}:{number} {sentence}")


def timing(all_rows) -> None:
    import django

    django.setup()
    from cms.compliance import check_report

    def check_text(text, *, scopes=()):  # the rules alone: these are the rules' figures
        return check_report(text, scopes=scopes, second_reader=False).findings

    sentences = [(r[5], r[3]) for r in all_rows]
    check_text(sentences[0][0])  # rules compiled once per process
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for sentence, scopes in sentences:
            check_text(sentence, scopes=scopes)
        best = min(best, time.perf_counter() - started)
    print(f"{len(sentences)} sentences, best of 5: {best / len(sentences) * 1e6:.0f} µs each")


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else "tune"
    all_rows = rows()
    aside = set_aside(rows(drawn_from=True))
    if mode == "list":
        for part in PARTS:
            lines = sorted(n for p, n in aside if p == part)
            print(f"{part} ({len(lines)}): {' '.join(map(str, lines))}")
        return 0
    if mode == "tune":
        score([r for r in all_rows if (r[0], r[1]) not in aside], show=True)
    elif mode == "setaside":
        score([r for r in all_rows if (r[0], r[1]) in aside], show=False)
    elif mode == "all":
        score(all_rows, show=True)
    elif mode == "time":
        timing(all_rows)
    elif mode == "before":  # the parts as they were when the third was set aside
        score(rows(drawn_from=True), show=False)
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
