"""Chinese word segmentation for Wagtail's database search backend.

The database backend (SQLite FTS5, PostgreSQL tsvector) splits text on spaces and
punctuation only, so a run of Chinese characters — a whole clause — is one token and a word
inside it (休止期, 鳞屑, 熬夜) is never found. Here the text is cut into words with jieba and
the specialties' vocabulary (`search_terms.txt`) before it reaches the index, and a query is
cut the same way before it reaches the backend: both sides then speak in space-separated
words, which every database backend already handles.

Indexing uses jieba's search mode (a long word also yields its parts: 糖化血红蛋白 → 血红蛋白,
蛋白 …), the query its precise mode, so a query word matches the word or a part of a longer
one. Decision and alternatives: docs/cms.md, «站内搜索».
"""

from __future__ import annotations

import html
import logging
import re
import threading
import unicodedata
from functools import cache
from pathlib import Path

from wagtail.search import index

from cms.textnorm import normalize

USER_DICTIONARY = Path(__file__).with_name("search_terms.txt")
# A query is at most this many words: enough for any real question, and a bound on the SQL.
MAX_QUERY_TERMS = 12
MAX_TERM_LENGTH = 40
# Words that carry no topic: a question asked in full (脱发怎么办) still finds the articles.
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 是 在 吗 呢 吧 啊 呀 么 怎么 怎么办 怎样 如何 什么 为什么 哪些 哪个 "
    "有 没有 会 能 要 该 我 你 他 她 这 那 就 都 也 还 很 a an the of to and or is are".split()
)

_TAG = re.compile(r"<[^>]+>")
# A disease's subtype as patients type it: 2型, 2 型, Ⅱ型 (NFKC: II型), ii型, 二型, ２型, before
# a Chinese word (糖尿病). Not 型号 (a model number).
_SUBTYPE = re.compile(
    r"(?<![0-9a-z])(?:[0-9]{1,2}|i{1,3}|iv|[一二三四])\s*型\s*(?!号)(?=[\u4e00-\u9fff])",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")
_lock = threading.Lock()


@cache
def _tokenizer():
    """One jieba tokenizer per process with the specialties' words, loaded on first use.
    jieba ships its dictionary, so this works offline; loading takes about a second once."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    with _lock:
        tokenizer.initialize()
        tokenizer.load_userdict(str(USER_DICTIONARY))
    return tokenizer


def _clean(text: str) -> str:
    """Text a database accepts whatever arrived: no NUL or control characters, no lone
    surrogates; read as the compliance checker reads it (`cms.textnorm`: traditional →
    simplified, zero-width characters and spaces inside Chinese words dropped, so 「熬 夜」
    finds 熬夜), full-width letters and digits folded to ASCII (ＡＢＣ → ABC)."""
    text = text.encode("utf-8", "ignore").decode("utf-8")
    text = unicodedata.normalize("NFKC", normalize(text))
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _words(tokens) -> list[str]:
    """Tokens that are words (letters, digits, CJK), lower-cased; punctuation, symbols,
    emoji and operators are dropped, which is what keeps any query harmless."""
    words = []
    for token in tokens:
        words.extend(part.lower() for part in _WORD.findall(token))
    return words


def segment(text: str) -> str:
    """Index side: `text` (plain or HTML) as space-separated words in jieba's search mode."""
    if not text:
        return ""
    plain = html.unescape(_TAG.sub(" ", _clean(text)))
    return " ".join(_words(_tokenizer().cut_for_search(plain)))


def query_terms(query: str) -> list[str]:
    """Query side: the distinct words of `query` in jieba's precise mode, without stop
    words, at most MAX_QUERY_TERMS of at most MAX_TERM_LENGTH characters each.

    A disease's subtype (2型糖尿病, Ⅱ型, 二型, 2 型) is left out of the words: the site is
    organised per disease and its pages write the subtype in any of those forms or not at
    all (the diabetes hub says 糖尿病), so requiring it dropped the hub (review of issue 17,
    round 2). 「2型糖尿病」 searches 糖尿病."""
    cleaned = _SUBTYPE.sub(" ", _clean(query or "")[: MAX_QUERY_TERMS * MAX_TERM_LENGTH])
    terms: list[str] = []
    for word in _words(_tokenizer().cut(cleaned)):
        word = word[:MAX_TERM_LENGTH]
        if word not in STOP_WORDS and word not in terms:
            terms.append(word)
    return terms[:MAX_QUERY_TERMS]


def query_text(query: str) -> str:
    """`query` made safe for a substring match: cleaned, spaces collapsed, bounded."""
    return " ".join(_clean(query or "").split())[: MAX_QUERY_TERMS * MAX_TERM_LENGTH]


class SegmentedSearchField(index.SearchField):
    """A SearchField whose text is segmented before the backend indexes it (strings, and
    the lists of strings a StreamField gives). Same name, boost and column as SearchField:
    a field named "title" still fills the index's title column."""

    def get_value(self, obj):
        value = super().get_value(obj)
        if isinstance(value, str):
            return segment(value)
        if isinstance(value, (list, tuple)):
            return [segment(item) if isinstance(item, str) else item for item in value]
        return value
