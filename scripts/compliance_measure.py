"""The compliance checker measured on its corpus (docs/compliance.md, the rounds' figures):
false blocks on lawful text (the background corpora and every label-0 row of the labelled
and held-out parts) and violations blocked (every label-1 row), with the rules alone and
with both readers. `--list` prints the false blocks. Run from the repository root:

    PYTHONPATH=$PWD .venv/bin/python scripts/compliance_measure.py [--list]

(Figures before round 14 were taken with an earlier count of the same files: 4,067 lawful
sentences and 1,144 violations.)"""

import glob
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
sys.path.insert(0, os.getcwd())
import django  # noqa: E402

django.setup()
from cms.compliance import check_report  # noqa: E402

root = "cms/compliance/corpus"
lawful, bad = [], []
for path in sorted(glob.glob(f"{root}/background_*.tsv")):
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        parts = line.rstrip("\n").split("\t")
        lawful.append(("-", parts[-1], os.path.basename(path)))
for path in sorted(glob.glob(f"{root}/compliance_*.tsv")):
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        label, scope, category, sentence = line.rstrip("\n").split("\t")[:4]
        (bad if label == "1" else lawful).append((scope, sentence, category))
show = "--list" in sys.argv


def _blocked(sentence: str, scope: str, second: bool) -> bool:
    scopes = {"science"} if scope == "science" else ()
    return check_report(sentence, scopes=scopes, second_reader=second).has_blocking


for second in (False, True):
    fb = [s for sc, s, _ in lawful if _blocked(s, sc, second)]
    vb = [s for sc, s, _ in bad if _blocked(s, sc, second)]
    name = "both readers" if second else "rules alone"
    print(f"{name}: false blocks {len(fb)}/{len(lawful)}, violations blocked {len(vb)}/{len(bad)}")
    if show and second:
        for s in fb:
            print("  FB", s)
