"""The second reader: a classifier that reads each sentence the rules left alone and says how
much it reads like a claim the law forbids (广告法第十六条、第二十八条；医疗广告管理办法第七条).

Why a model beside the rules: rules are grammars of the wordings someone has seen. Measured on
parts written by people who never saw them, the rules catch three to five violations in six
(docs/compliance.md, rounds 3-6); the misses are new wordings of known kinds. A classifier
over character n-grams generalises across wordings, and it is told what ordinary clinic text
looks like by a background corpus of lawful sentences, so it does not read every health fact
as a claim (the reason the round-6 experiment was not shipped).

Shape: scikit-learn's TF-IDF over character 1-3-grams of the folded sentence
(`cms.textnorm`) and a logistic regression, trained once per process from the labelled
parts and the background corpus in `corpus/` (about a second; `model()` caches it). The
threshold and the shortest sentence read are fixed from cross-validated false-block rates on
ordinary text (docs/compliance.md, round 7): a sentence below `MIN_CHARS` Chinese characters
is left to the rules (headings such as 「专家说」 carry too few n-grams to read).

Which sentences are violations in the corpus is decided by people (the labelled parts), never
by this module: it learns from them and is measured on a part it has not seen.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus")
# The labelled parts (label, scope, category, sentence): violations and their look-alikes.
LABELLED_PARTS = (
    "compliance_labelled.tsv",
    "compliance_heldout.tsv",
    "compliance_heldout2.tsv",
    "compliance_heldout3.tsv",
    "compliance_heldout4.tsv",
    "compliance_heldout5.tsv",
)
# Lawful clinic text (genre, sentence): health science, headings, questions and answers,
# assistants' and patients' messages, doctors' notes, notices, staff text.
BACKGROUND_PARTS = ("background_science.tsv", "background_operations.tsv")

# Bumped whenever what it learns from (`corpus/`) changes, like the rules' version: a page's
# stored result names the model that read it (m2026.12.2: round 16 background lines;
# m2026.12.3: bylines, bios and encouragement, issue 17 round-2 tester)
MODEL_VERSION = "m2026.12.3"
# A sentence is blocked at this probability or above (fixed before the unseen part was read).
THRESHOLD = 0.8
# Sentences with fewer Chinese characters are left to the rules.
MIN_CHARS = 8
# Regularisation of the logistic regression (inverse strength); fixed with the threshold.
C = 30.0

_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Example:
    text: str
    violation: bool
    scope: str  # "" or "science"
    category: str
    source: str  # file name


def read_labelled(path: Path) -> list[Example]:
    """Rows of a labelled part: `label<TAB>scope<TAB>category<TAB>sentence`, # comments.
    Raises ValueError naming the file and line on a malformed row."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 4 or fields[0] not in ("0", "1"):
            raise ValueError(f"{path.name}:{number}: expected label, scope, category, sentence")
        label, scope, category, text = fields
        rows.append(Example(text, label == "1", "" if scope == "-" else scope, category, path.name))
    return rows


def read_background(path: Path) -> list[Example]:
    """Rows of a background part: `genre<TAB>sentence`; every sentence is lawful."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        genre, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path.name}:{number}: expected genre, sentence")
        rows.append(Example(text.strip(), False, "", f"background:{genre}", path.name))
    return rows


def training_examples(
    *, labelled: Sequence[str] = LABELLED_PARTS, background: Sequence[str] = BACKGROUND_PARTS
) -> list[Example]:
    """What the model learns from. Violations of the 科普-only kind (contact details, calls
    to action: 广告法第十九条) are left out: they are lawful on a landing page, and the page
    check finds them by what the page renders."""
    rows = [r for name in labelled for r in read_labelled(CORPUS / name)]
    rows = [r for r in rows if not (r.violation and r.scope == "science")]
    rows += [r for name in background for r in read_background(CORPUS / name)]
    return rows


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


class ClaimModel:
    """A fitted vectoriser and regression. `probabilities(folded sentences) -> [0..1]`."""

    def __init__(self, examples: Sequence[Example], *, c: float = C):
        # imported here: only processes that check text pay for scikit-learn's import
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from cms.textnorm import normalize

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self.regression = LogisticRegression(
            C=c, class_weight="balanced", solver="liblinear", max_iter=2000
        )
        matrix = self.vectorizer.fit_transform([normalize(e.text) for e in examples])
        self.regression.fit(matrix, [int(e.violation) for e in examples])

    def probabilities(self, folded: Sequence[str]) -> list[float]:
        """For sentences already folded by `cms.textnorm`; one probability per sentence."""
        if not folded:
            return []
        matrix = self.vectorizer.transform(list(folded))
        return [float(p) for p in self.regression.predict_proba(matrix)[:, 1]]


_lock = threading.Lock()
_model: ClaimModel | None = None


def model() -> ClaimModel:
    """The process's model, trained on first use from `corpus/` (thread-safe)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = ClaimModel(training_examples())
    return _model


def readable(folded_sentence: str) -> bool:
    """Long enough for the model to read (`MIN_CHARS` Chinese characters)."""
    return han_count(folded_sentence) >= MIN_CHARS
