"""Loads the versioned rules data file (`rules.toml`) into compiled rules.

The rules are data so that legal reviewers can read and extend them without touching the
checker; see docs/compliance.md for the format. Each rule carries its legal basis, the
category of claim it describes and its own examples (sentences it must find, look-alikes it
must not), which the test suite checks rule by rule.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RULES_FILE = Path(__file__).with_name("rules.toml")
SEVERITIES = ("block", "warn")
SCOPES = ("", "science")


class RulesFileError(ValueError):
    """The rules file is malformed; raised at load time so a bad edit never ships silently."""


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    reference: str
    message: str
    patterns: tuple[re.Pattern[str], ...]
    exceptions: tuple[re.Pattern[str], ...]
    scope: str = ""
    category: str = ""
    # sentences the rule must find / look-alikes it must not (tests read them)
    examples: tuple[str, ...] = ()
    clean: tuple[str, ...] = ()
    # (round 34) what the rule finds whatever its exceptions say (a phone number or a WeChat id
    # on a 科普 page, in a warning or not), unless one of `firm_exceptions` matches it (the
    # public help lines): `firm_patterns` in rules.toml
    firm: tuple[re.Pattern[str], ...] = ()
    firm_exceptions: tuple[re.Pattern[str], ...] = ()
    # (round 34, third tester F1.2) firm patterns read across two sentences in a row of a line
    # (a claim denied, then made ours: 「按时吃药不等于药到病除。但在本院可以。」); a match
    # ends in the second: `firm_joined_patterns` in rules.toml
    firm_joined: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]
    # Lawful framings the second reader does not read (`second_reader_skips`: 「目前没有任何方法
    # 能彻底治愈…」 denies a cure): the rules read them through their exceptions; the model,
    # which knows no exceptions, reads the sentence without their spans (round 10).
    skips: tuple[re.Pattern[str], ...] = ()


# `{name}` in a pattern or exception stands for the lexicon entry `name`: a regex
# quantifier is `{2}` / `{0,6}` (digits), so a lower-case name never collides with one.
_LEXICON_REF = re.compile(r"\{([a-z][a-z_]*)\}")


def _lexicon(data: dict) -> dict[str, str]:
    """The `[lexicon]` table as name -> non-capturing alternation. An entry is a list of
    words or regex fragments and may itself use entries defined before it."""
    raw = data.get("lexicon", {})
    if not isinstance(raw, dict):
        raise RulesFileError("lexicon must be a table of word lists")
    lexicon: dict[str, str] = {}
    for name, words in raw.items():
        if not re.fullmatch(r"[a-z][a-z_]*", name) or not isinstance(words, list) or not words:
            raise RulesFileError(f"lexicon {name!r}: a lower-case name and a list of words")
        lexicon[name] = (
            "(?:" + "|".join(_expand(f"lexicon {name}", w, lexicon) for w in words) + ")"
        )
    return lexicon


def _expand(owner: str, source: str, lexicon: dict[str, str]) -> str:
    def entry(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in lexicon:
            raise RulesFileError(f"{owner}: unknown lexicon entry {{{name}}} in {source!r}")
        return lexicon[name]

    return _LEXICON_REF.sub(entry, source)


# A run of numerals (`\d+`, `[0-9一二三…]+`) read from any of its characters makes a pattern
# quadratic on a long run: 「1」×20,000 tried the run 20,000 times, each to its end (round 9,
# L7 sibling: 141 s). `_numeral_runs_from_start` makes every such run start where the text's
# run starts, so a run is read once. The matches are the same: a gap before the run
# (`[^，。]{0,4}`) that used to end inside it now ends before it, the run takes the rest.
_DIGIT_CLASS = re.compile(r"(?<!\\)(\[(?!\^)(?:\\.|[^\]\\])*\]|\\d)\+")
_NUMERALS = frozenset("0123456789零一二三四五六七八九十百千两几半")


def _numeral_runs_from_start(source: str) -> str:
    """`source` with `(?<!X)` before each `X+` whose class X holds a numeral (not a negated
    class): the run can only start at the first numeral of the text's run."""

    def anchor(match: re.Match[str]) -> str:
        cls = match.group(1)
        if cls != r"\d" and not (set(cls) & _NUMERALS) and r"\d" not in cls:
            return match.group(0)
        return f"(?<!{cls}){match.group(0)}"

    return _DIGIT_CLASS.sub(anchor, source)


def _compile(
    rule_id: str, sources: list[str], lexicon: dict[str, str] | None = None
) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for source in sources:
        try:
            expanded = _numeral_runs_from_start(_expand(f"rule {rule_id}", source, lexicon or {}))
            compiled.append(re.compile(expanded, re.IGNORECASE))
        except re.error as exc:
            raise RulesFileError(f"rule {rule_id}: bad regex {source!r}: {exc}") from exc
    return tuple(compiled)


def parse_rules(data: dict) -> RuleSet:
    version = str(data.get("version", "")).strip()
    if not version:
        raise RulesFileError("rules file has no version")
    lexicon = _lexicon(data)
    # exceptions every rule shares (a claim quoted to warn against it), unless a rule opts
    # out with `common_exceptions = false` (a quoted keyword to send is itself a call to act)
    common = list(data.get("common_exceptions", []))
    seen: set[str] = set()
    rules = []
    for raw in data.get("rules", []):
        rule_id = raw.get("id", "")
        if not rule_id or rule_id in seen:
            raise RulesFileError(f"rule id missing or duplicated: {rule_id!r}")
        seen.add(rule_id)
        if raw.get("severity") not in SEVERITIES:
            raise RulesFileError(f"rule {rule_id}: severity must be one of {SEVERITIES}")
        if raw.get("scope", "") not in SCOPES:
            raise RulesFileError(f"rule {rule_id}: scope must be one of {SCOPES}")
        for key in ("reference", "message"):
            if not str(raw.get(key, "")).strip():
                raise RulesFileError(f"rule {rule_id}: {key} is required")
        if not raw.get("patterns"):
            raise RulesFileError(f"rule {rule_id}: at least one pattern is required")
        if not str(raw.get("category", "")).strip():
            raise RulesFileError(f"rule {rule_id}: category is required")
        if not raw.get("examples") or not raw.get("clean"):
            raise RulesFileError(f"rule {rule_id}: needs examples and clean look-alikes")
        rules.append(
            Rule(
                id=rule_id,
                severity=raw["severity"],
                reference=raw["reference"],
                message=raw["message"],
                patterns=_compile(rule_id, raw["patterns"], lexicon),
                exceptions=_compile(
                    rule_id,
                    raw.get("exceptions", [])
                    + (common if raw.get("common_exceptions", True) else []),
                    lexicon,
                ),
                scope=raw.get("scope", ""),
                category=raw["category"],
                examples=tuple(raw["examples"]),
                clean=tuple(raw["clean"]),
                firm=_compile(rule_id, raw.get("firm_patterns", []), lexicon),
                firm_exceptions=_compile(rule_id, raw.get("firm_exceptions", []), lexicon),
                firm_joined=_compile(rule_id, raw.get("firm_joined_patterns", []), lexicon),
            )
        )
    skips = _compile("second_reader_skips", list(data.get("second_reader_skips", [])), lexicon)
    return RuleSet(version=version, rules=tuple(rules), skips=skips)


@lru_cache(maxsize=1)
def load_rules() -> RuleSet:
    with RULES_FILE.open("rb") as handle:
        return parse_rules(tomllib.load(handle))
