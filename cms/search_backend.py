"""The search backend every search goes through (the public /search/, the admin's page,
image and document listings, the page chooser, the admin API): Wagtail's database backend
with each query's words made safe first.

Why: the admin hands the typed string to the backend as it is, and SQLite's FTS5 reads its
own syntax inside a term: one unbalanced 「"」 ("睡眠) answered 500 (`unterminated string`) in
every admin search box (eighth verification of issue 17); 「OR」, 「NEAR(」, 「*」 and 「^」 are
operators there too. The public search already cut its query into words (`cms.search`); this
applies the same rule to every query object: a term keeps its word characters only (letters,
digits, CJK, lower-cased, so FTS5's upper-case operators are plain words), a query left with
no word finds nothing. Wagtail's backend picks SQLite FTS5 or PostgreSQL per connection
(`modelsearch.backends.database.SearchBackend`, a factory); the class it picks is extended."""

from __future__ import annotations

from functools import cache

from modelsearch.backends import database
from modelsearch.backends.base import EmptySearchResults
from modelsearch.query import And, Boost, Fuzzy, MatchAll, Not, Or, Phrase, PlainText

from cms.search import query_characters, query_terms, safe_words


def safe_query(query):
    """`query` (a string or a modelsearch query object) with every term reduced to its words
    (`cms.search.safe_words`); None when nothing searchable is left. MatchAll is kept."""
    if query is None or isinstance(query, MatchAll):
        return query
    if isinstance(query, str):
        return " ".join(safe_words(query)) or None
    if isinstance(query, PlainText):
        words = " ".join(safe_words(query.query_string))
        return PlainText(words, operator=query.operator, boost=query.boost) if words else None
    if isinstance(query, Phrase):
        words = " ".join(safe_words(query.query_string))
        return Phrase(words) if words else None
    if isinstance(query, Fuzzy):
        words = " ".join(safe_words(query.query_string))
        return Fuzzy(words, operator=query.operator, unaccent=query.unaccent) if words else None
    if isinstance(query, Boost):
        inner = safe_query(query.subquery)
        return Boost(inner, query.boost) if inner is not None else None
    if isinstance(query, Not):
        inner = safe_query(query.subquery)
        return Not(inner) if inner is not None else None
    if isinstance(query, (And, Or)):
        parts = [part for part in map(safe_query, query.subqueries) if part is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else type(query)(parts)
    return query


def segmented_autocomplete(query: str, operator: str | None):
    """An admin search string for `autocomplete()`: the words as typed (Wagtail's title
    run: images, documents, landing pages) or, for the content pages' segmented titles
    (`cms.search.SegmentedAutocompleteField`), the index's single tokens: the query's
    Chinese characters one by one, other words whole (`query_characters` of `query_terms`:
    毛囊镜 → 毛 囊 镜), all required. Every title containing the query holds them however
    jieba cut it (「看懂」 typed alone is one word, inside 「三分钟看懂毛囊镜检查」 it is
    看 / 懂), and a title is short enough for all of its characters to mean the word. The
    backend reads the last token of each as a prefix (as-you-type). Every word is required
    unless the caller asks for "or" (a second word narrows, as in the public search). None
    when no word is left; a PlainText when both readings are one."""
    words = safe_words(query)
    if not words:
        return None
    typed = PlainText(" ".join(words), operator=operator or "and")
    tokens = query_characters(query_terms(" ".join(words)))
    if not tokens or tokens == words:
        return typed
    return Or([typed, PlainText(" ".join(tokens), operator="and")])


class SafeQueryMixin:
    def _search(self, query_compiler_class, query, model_or_queryset, **kwargs):
        if query_compiler_class is self.autocomplete_query_compiler_class:
            # the page chooser passes the typed string, the page search a PlainText
            # (Wagtail's `parse_query_string`, operator "and")
            if isinstance(query, str):
                query = segmented_autocomplete(query, kwargs.pop("operator", None))
            elif type(query) is PlainText:
                query = segmented_autocomplete(query.query_string, query.operator)
        query = safe_query(query)
        if query is None:
            return EmptySearchResults()
        return super()._search(query_compiler_class, query, model_or_queryset, **kwargs)


@cache
def _safe_class(base: type) -> type:
    return type(f"Safe{base.__name__}", (SafeQueryMixin, base), {})


def SearchBackend(params):  # noqa: N802  (Wagtail's backend loader calls this name)
    """Wagtail's database backend for this connection, its queries made safe."""
    backend = database.SearchBackend(params)
    backend.__class__ = _safe_class(type(backend))
    return backend
