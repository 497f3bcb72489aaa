"""Precision and recall of the blocking rules on a labelled set of realistic sentences:
violations seen in clinic ads, and look-alike sentences from honest health science."""

from __future__ import annotations

from pathlib import Path

from cms.compliance import check_text

LABELLED = Path(__file__).with_name("compliance_labelled.tsv")


def _labelled() -> list[tuple[bool, frozenset[str], str]]:
    rows = []
    for raw in LABELLED.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        label, scope, sentence = raw.split("\t")
        scopes = frozenset({scope}) if scope != "-" else frozenset()
        rows.append((label == "1", scopes, sentence))
    return rows


def test_labelled_set_is_large_and_balanced() -> None:
    rows = _labelled()
    violations = sum(1 for is_violation, _, _ in rows if is_violation)

    assert len(rows) >= 60
    assert 0.4 <= violations / len(rows) <= 0.6


def test_precision_and_recall_of_blocking_findings() -> None:
    tp = fp = fn = 0
    misses = []
    for is_violation, scopes, sentence in _labelled():
        flagged = any(f.severity == "block" for f in check_text(sentence, scopes=scopes))
        tp += flagged and is_violation
        fp += flagged and not is_violation
        fn += is_violation and not flagged
        if flagged != is_violation:
            misses.append(("误报" if flagged else "漏报", sentence))

    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    print(
        f"\ncompliance labelled set: precision={precision:.3f} recall={recall:.3f} "
        f"tp={tp} fp={fp} fn={fn}"
    )
    for kind, sentence in misses:
        print(f"  {kind}: {sentence}")

    assert precision >= 0.9
    assert recall >= 0.9
