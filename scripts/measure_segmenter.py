"""Does a Chinese word segmenter help the compliance rules? A measurement, not a dependency.

Runs the labelled set (cms/compliance/corpus/compliance_labelled.tsv + …heldout.tsv) twice:
the rules as they are, and the rules with every match required to start and end on a word
boundary of jieba (with a small medical user dictionary), which is how a segmenter would
serve regex rules (it cannot add matches, only drop those that cut through a word).
Prints precision/recall per part and the time per sentence. The result and the decision
are in docs/compliance.md.

    .venv/bin/pip install jieba && .venv/bin/python scripts/measure_segmenter.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

# Words a general dictionary splits wrongly in clinic copy (checked with jieba.lcut first).
MEDICAL_WORDS = (
    "雄激素性脱发 斑秃 毛囊 植发 生发 防脱 休止期 失眠 入睡困难 早醒 安眠药 认知行为疗法 "
    "糖化血红蛋白 空腹血糖 胰岛素 降糖药 二甲双胍 糖友 低血糖 控糖 医广 医疗广告"
).split()


def main() -> int:
    try:
        import jieba
    except ImportError:
        print("jieba is not installed (pip install jieba): it is not a project dependency")
        return 2
    import django

    django.setup()
    from cms.compliance import check_report

    def check_text(text, *, scopes=()):  # the rules alone: these are the rules' figures
        return check_report(text, scopes=scopes, second_reader=False).findings

    from tests.cms.test_compliance_labelled import HELDOUT, TUNING, labelled

    jieba.setLogLevel(60)
    for word in MEDICAL_WORDS:
        jieba.add_word(word, freq=20000)
    jieba.initialize()

    def boundaries(sentence: str) -> set[int]:
        edges, offset = {0}, 0
        for token in jieba.lcut(sentence, HMM=True):
            offset += len(token)
            edges.add(offset)
        return edges

    for name, path in (("tuning", TUNING), ("held-out", HELDOUT)):
        rows = labelled(path)
        results = {"regex": [0, 0, 0], "regex+jieba": [0, 0, 0]}
        timing = {"regex": 0.0, "regex+jieba": 0.0}
        changed = []
        for row in rows:
            started = time.perf_counter()
            findings = [f for f in check_text(row.sentence, scopes=row.scopes) if f.blocking]
            timing["regex"] += time.perf_counter() - started
            started = time.perf_counter()
            edges = boundaries(row.sentence)
            kept = [f for f in findings if f.start in edges and f.end in edges]
            timing["regex+jieba"] += time.perf_counter() - started
            for key, found in (("regex", findings), ("regex+jieba", kept)):
                tp_fp_fn = results[key]
                flagged = bool(found)
                tp_fp_fn[0] += flagged and row.violation
                tp_fp_fn[1] += flagged and not row.violation
                tp_fp_fn[2] += row.violation and not flagged
            if bool(findings) != bool(kept):
                dropped = [f.text for f in findings if f not in kept]
                changed.append((row.violation, row.sentence, dropped, jieba.lcut(row.sentence)))
        for key, (tp, fp, fn) in results.items():
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / (tp + fn) if tp + fn else 1.0
            extra = timing[key] / len(rows) * 1e6
            print(
                f"{name:9} {key:12} precision={precision:.3f} recall={recall:.3f} "
                f"tp={tp} fp={fp} fn={fn}  {'+' if key != 'regex' else ''}{extra:.0f} µs/sentence"
            )
        for violation, sentence, dropped, tokens in changed:
            kind = "lost violation" if violation else "fixed false positive"
            print(f"  {kind}: {sentence}  dropped={dropped}  tokens={'/'.join(tokens)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
