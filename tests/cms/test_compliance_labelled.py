"""Precision and recall of the blocking rules on a labelled set of realistic sentences:
violations of each kind the law names, and look-alike sentences from honest health science
written from the same provisions' categories.

Six tuning parts in `cms/compliance/corpus/`, each written from the provisions:
`compliance_labelled.tsv` (the rules were tuned on it), then `compliance_heldout.tsv` …
`compliance_heldout5.tsv`, each written before a round of rule changes, measured once as that
round's honest figure and only then folded into tuning (docs/compliance.md has the protocol and
every figure). The second reader (`cms.compliance.classifier`) learns from all six, so their
figures here are the rules' alone. The next honest figure is `tests/cms/compliance_heldout6.tsv`,
which nobody learnt from: measured once by the lead with the rules alone and with both readers.
Figures are reported per category and per part (`pytest … -s` prints them with every miss);
the floors below are the measured figures rounded down, so a regression fails the suite.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from cms.compliance.checker import check_report
from cms.compliance.classifier import CORPUS

HERE = Path(__file__).parent
TUNING = CORPUS / "compliance_labelled.tsv"
HELDOUT = CORPUS / "compliance_heldout.tsv"
# Fourth round: written and measured before rules 2026.11.6 (P 0.964, R 0.365), which were
# then written with its misses in view: its figures now measure fit, not generalisation.
HELDOUT2 = CORPUS / "compliance_heldout2.tsv"
# Fifth round: written after rules 2026.11.6 and measured once (P 1.000, R 0.467); folded into
# tuning in round 5 (rules 2026.11.7), so its figures now measure fit. Round 5's honest figure
# is the lead's single measurement on a part written from the law without the rules in view.
HELDOUT3 = CORPUS / "compliance_heldout3.tsv"
# Round 5's honest part: written without seeing the rules, measured once on rules 2026.11.7
# (P 0.901, R 0.837); folded into tuning in round 6 (rules 2026.11.8), so its figures now
# measure fit. Its categories are the writer's own names: CATEGORY_OF maps them onto the
# catalogue's for the pooled per-category floors.
HELDOUT4 = CORPUS / "compliance_heldout4.tsv"
ALL_PARTS = (TUNING, HELDOUT, HELDOUT2, HELDOUT3, HELDOUT4)
# Round 6's honest part: written by someone else without the rules in view, measured once by
# the lead after rules 2026.11.8 landed. Absent until then (the test skips).
HELDOUT5 = CORPUS / "compliance_heldout5.tsv"

# A part written with its own category names: each name mapped onto the catalogue's category
# whose rules forbid that kind (docs/compliance.md, the catalogue). A look-alike (`clean_…`)
# counts in the category it imitates; heldout4's plain `clean` sentences imitate no kind and
# are pooled as `general` (no violation: its floor says none of them is blocked).
CATEGORY_OF = {
    HELDOUT4.name: {
        "cure_guarantee": "guarantee",
        "clean_cure": "guarantee",
        "safety": "guarantee",  # ad16-safety is a guarantee rule (16(1)(1); 7(2))
        "clean_safety": "guarantee",
        "superlative": "absolute",
        "clean_superlative": "absolute",
        "contact_cta": "disguised_ad",
        "clean_contact": "disguised_ad",
        "efficacy_rate": "rate",
        "clean_efficacy": "rate",
        "cohort": "cohort",
        "clean_cohort": "cohort",
        "comparison": "comparison",
        "clean_comparison": "comparison",
        "endorsement": "endorsement",
        "clean_endorsement": "endorsement",
        "instant": "instant",
        "clean_instant": "instant",
        "before_after": "before_after",
        "clean_before_after": "before_after",
        "clean": "general",
    },
}


@dataclass(frozen=True)
class Labelled:
    violation: bool
    scopes: frozenset[str]
    category: str
    sentence: str


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def labelled(path: Path, *, catalogue: bool = False) -> list[Labelled]:
    """The part's sentences; `catalogue=True`: categories mapped onto the catalogue's
    (CATEGORY_OF; a name the mapping does not know fails loudly)."""
    names = CATEGORY_OF.get(path.name) if catalogue else None
    rows = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        label, scope, category, sentence = raw.split("\t")
        scopes = frozenset({scope}) if scope != "-" else frozenset()
        if names is not None:
            category = names[category]
        rows.append(Labelled(label == "1", scopes, category, sentence))
    return rows


def score(
    rows: list[Labelled], *, second_reader: bool = False
) -> tuple[Score, dict[str, Score], list[tuple[str, Labelled]]]:
    """Scores of the rules alone (the parts below are their tuning data, and the model learns
    from them too: a figure with the model on them would measure memory), or with the second
    reader (`second_reader=True`: the checker as editors meet it, for parts nobody learnt from)."""
    overall, per_category, misses = Score(), defaultdict(Score), []
    for row in rows:
        report = check_report(row.sentence, scopes=row.scopes, second_reader=second_reader)
        flagged = report.has_blocking
        for s in (overall, per_category[row.category]):
            s.tp += flagged and row.violation
            s.fp += flagged and not row.violation
            s.fn += row.violation and not flagged
            s.tn += not flagged and not row.violation
        if flagged != row.violation:
            misses.append(("误报" if flagged else "漏报", row))
    return overall, dict(per_category), misses


def _print(name: str, overall: Score, per_category: dict[str, Score], misses) -> None:
    print(
        f"\n{name}: precision={overall.precision:.3f} recall={overall.recall:.3f} "
        f"tp={overall.tp} fp={overall.fp} fn={overall.fn} tn={overall.tn}"
    )
    for category, s in sorted(per_category.items()):
        print(
            f"  {category:14} P={s.precision:.2f} R={s.recall:.2f} "
            f"(tp={s.tp} fp={s.fp} fn={s.fn} tn={s.tn})"
        )
    for kind, row in misses:
        print(f"  {kind} [{row.category}]: {row.sentence}")


def test_labelled_set_is_large_balanced_and_covers_every_category() -> None:
    tuning, heldout = labelled(TUNING), labelled(HELDOUT)
    rows = tuning + heldout
    violations = sum(row.violation for row in rows)
    categories = {row.category for row in rows}

    assert len(rows) >= 970
    assert len(heldout) >= 110
    assert 0.4 <= violations / len(rows) <= 0.6
    assert categories == {
        "absolute", "guarantee", "refund", "cohort", "stop_medicine", "instant", "rate",
        "comparison", "testimonial", "before_after", "endorsement", "nonmedical", "timeline",
        "superstition", "military", "disguised_ad",
    }  # fmt: skip
    for category in categories:  # each kind has violations and look-alikes in both parts
        for part in (tuning, heldout):
            kinds = {row.violation for row in part if row.category == category}
            assert kinds == {True, False}, category
    assert not {r.sentence for r in tuning} & {r.sentence for r in heldout}


# Measured floors (docs/compliance.md has the figures): overall and per category. Every part
# is tuning since round 5 (rules 2026.11.7; heldout4 since round 6, rules 2026.11.8), measured
# at 1.000 / 1.000: a floor below that leaves room for one miss in the part's size, never for
# a blocked clean sentence.
TUNING_FLOOR = (1.0, 1.0)  # precision, recall: no clean tuning sentence is blocked
HELDOUT_FLOOR = (1.0, 0.98)  # 59 violations: one miss is 0.983
HELDOUT2_FLOOR = (1.0, 0.98)  # 74 violations: one miss is 0.986
HELDOUT3_FLOOR = (1.0, 0.97)  # 45 violations: one miss is 0.978 (was 1.000 / 0.467 unseen)
HELDOUT4_FLOOR = (1.0, 0.98)  # 98 violations: one miss is 0.990 (was 0.901 / 0.837 unseen)
# per category, all parts pooled: (precision, recall); measured 1.000 / 1.000 in every one
CATEGORY_FLOOR = {
    "absolute": (1.0, 1.0),
    "before_after": (1.0, 1.0),
    "cohort": (1.0, 1.0),
    "comparison": (1.0, 1.0),
    "disguised_ad": (1.0, 1.0),
    "endorsement": (1.0, 1.0),
    "general": (1.0, 1.0),  # heldout4's plain clean sentences: none blocked
    "guarantee": (1.0, 1.0),
    "instant": (1.0, 1.0),
    "military": (1.0, 1.0),
    "nonmedical": (1.0, 1.0),
    "rate": (1.0, 1.0),
    "refund": (1.0, 1.0),
    "stop_medicine": (1.0, 1.0),
    "superstition": (1.0, 1.0),
    "testimonial": (1.0, 1.0),
    "timeline": (1.0, 1.0),
}


def test_tuning_part_precision_and_recall() -> None:
    overall, per_category, misses = score(labelled(TUNING))
    _print("tuning part", overall, per_category, misses)

    assert overall.precision >= TUNING_FLOOR[0]
    assert overall.recall >= TUNING_FLOOR[1]


def test_heldout_part_precision_and_recall() -> None:
    overall, per_category, misses = score(labelled(HELDOUT))
    _print("held-out part", overall, per_category, misses)

    assert overall.precision >= HELDOUT_FLOOR[0]
    assert overall.recall >= HELDOUT_FLOOR[1]


@pytest.mark.parametrize(
    ("path", "floor"),
    [(HELDOUT2, HELDOUT2_FLOOR), (HELDOUT3, HELDOUT3_FLOOR), (HELDOUT4, HELDOUT4_FLOOR)],
    ids=["2", "3", "4"],
)
def test_later_heldout_parts_precision_and_recall(path: Path, floor: tuple[float, float]) -> None:
    rows = labelled(path)
    overall, per_category, misses = score(rows)
    _print(path.name, overall, per_category, misses)

    assert len(rows) >= 80
    assert 0.4 <= sum(r.violation for r in rows) / len(rows) <= 0.6
    if path.name in CATEGORY_OF:  # the writer's own names, each mapped onto the catalogue's
        assert set(CATEGORY_OF[path.name]) == {r.category for r in rows}
    else:
        assert {r.category for r in rows} == {r.category for r in labelled(TUNING)}
    # no sentence of a held-out part also sits in another part
    others = {r.sentence for p in ALL_PARTS if p != path for r in labelled(p)}
    assert not {r.sentence for r in rows} & others
    assert overall.precision >= floor[0]
    assert overall.recall >= floor[1]


def test_every_category_of_every_part_has_a_floor() -> None:
    # a category no floor names would be measured by nobody: heldout4's own names are mapped
    for part in ALL_PARTS:
        assert {r.category for r in labelled(part, catalogue=True)} <= set(CATEGORY_FLOOR), part


@pytest.mark.parametrize(("category", "floor"), sorted(CATEGORY_FLOOR.items()))
def test_per_category_precision_and_recall(category: str, floor: tuple[float, float]) -> None:
    rows = [
        r for part in ALL_PARTS for r in labelled(part, catalogue=True) if r.category == category
    ]
    assert rows
    overall, _, _ = score(rows)

    assert overall.precision >= floor[0]
    assert overall.recall >= floor[1]


# heldout5 was measured once on rules 2026.11.8 (docs/compliance.md, round 6): 0.900 / 0.750
# (rules 2026.11.7 on it: 0.880 / 0.720). Since round 7 the second reader learns from it, so
# only the rules' figure on it is still a measurement of anything; floors at that measurement.
HELDOUT5_FLOOR = (0.90, 0.75)


def test_round6_part_precision_and_recall_of_the_rules() -> None:
    rows = labelled(HELDOUT5)
    overall, per_category, misses = score(rows)
    _print(HELDOUT5.name, overall, per_category, misses)

    assert rows
    others = {r.sentence for p in ALL_PARTS for r in labelled(p)}
    assert not {r.sentence for r in rows} & others
    assert overall.precision >= HELDOUT5_FLOOR[0]
    assert overall.recall >= HELDOUT5_FLOOR[1]


# Round 7's honest part: written blind from the law by a helper, committed before the second
# reader's parameters were fixed, measured once by the lead (docs/compliance.md, round 7).
# Rules alone 0.981 / 0.708 (102 of 144; 2 of 126 clean blocked); rules and second reader
# 0.984 / 0.868 (125 of 144; the same 2). Floors at the measurement, so a regression fails.
HELDOUT6 = HERE / "compliance_heldout6.tsv"
HELDOUT6_FLOOR = {False: (0.98, 0.70), True: (0.98, 0.86)}


@pytest.mark.parametrize("second_reader", [False, True], ids=["rules", "rules+model"])
def test_unseen_part_precision_and_recall(second_reader: bool) -> None:
    rows = labelled(HELDOUT6)
    overall, per_category, misses = score(rows, second_reader=second_reader)
    _print(f"{HELDOUT6.name} second_reader={second_reader}", overall, per_category, misses)

    assert len(rows) >= 250
    learnt = {r.sentence for p in ALL_PARTS + (HELDOUT5,) for r in labelled(p)}
    assert not {r.sentence for r in rows} & learnt  # nobody learnt from it
    precision, recall = HELDOUT6_FLOOR[second_reader]
    assert overall.precision >= precision
    assert overall.recall >= recall


def test_second_reader_adds_recall_and_no_false_block_on_the_unseen_part() -> None:
    rows = labelled(HELDOUT6)
    rules, _, rules_misses = score(rows)
    both, _, both_misses = score(rows, second_reader=True)

    assert both.fp == rules.fp  # every clean sentence it blocks, the rules block too
    # what it adds shrinks as the rules learn the kinds it caught (round 21: 20 became 19)
    assert both.tp >= rules.tp + 15
    assert both.tp / (both.tp + both.fn) >= 0.9
    assert {id(r) for kind, r in both_misses} <= {id(r) for kind, r in rules_misses}
