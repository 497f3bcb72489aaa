"""One reading of Chinese text for the compliance checker and the site search.

An advertiser who knows the rules writes 「根　治」, 「根\u200b治」, 「根·治」 or the traditional
「根治脫髮」 and a rule written for 根治脱发 no longer matches; a reader who pastes 「熬 夜」 or
ＨｂＡ１ｃ into the search box finds nothing. Both sides therefore read text the same way:

- traditional characters as simplified (OpenCC's `t2s`, the reference converter: a character
  table is not enough, 乾燥/乾隆 differ);
- invisible format characters (Unicode category Cf: zero-width space and joiners, BOM, soft
  hyphen, bidi marks) and variation selectors dropped;
- full-width letters, digits and ％ folded to ASCII (one character for one);
- spaces and decorative separators (·・•*＊_~～, slashes and vertical bars of any width,
  hyphens and dashes, emoji and other symbols (Unicode So/Sk), combining marks (Mn, e.g.
  U+034F)) between two Chinese characters dropped: Chinese puts no spaces between words, so
  a separator there only splits a word (「根-治」「根😊治」). A 破折号 (——) is a clause
  break and stays; separators next to a digit or a Latin letter stay (「2型/1型」).

Chinese punctuation (，；！？：) is never folded: the rules' gaps stop at clauses.

`normalize_map` also returns where each character came from, so a finding on the normalised
text highlights the original characters the editor typed.
"""

from __future__ import annotations

import unicodedata
from functools import cache

# Characters that only decorate or split a run of Chinese characters: spaces, dots, stars,
# slashes and vertical bars of any width (hyphens and dashes are their Unicode category).
_SEPARATORS = frozenset(" \t\u00a0\u3000·・•*＊_~～/／\\＼∕⁄|｜¦￤│∣\u2212")
# Categories that split nothing Chinese readers read: dashes (Pd), symbols and emoji (So),
# modifier symbols such as ^ and emoji skin tones (Sk), combining marks (Mn: U+034F
# combining grapheme joiner, accents) — between two Han characters they only hide a word.
_SEPARATOR_CATEGORIES = frozenset({"Pd", "So", "Sk", "Mn"})
# A 破折号 is two em dashes (or two-em dash U+2E3A): a clause break, kept like ，and ；.
_CLAUSE_DASHES = ("——", "――", "\u2e3a", "\u2e3b")


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2FA1F
    )


def _invisible(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) == "Cf"
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
    )


def _simplified(text: str) -> str:
    """`text` in simplified characters, one character for one (a phrase conversion that
    changes the length is done character by character instead)."""
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    out = []
    for ch in text:
        one = _converter().convert(ch)
        out.append(one if len(one) == 1 else ch)
    return "".join(out)


def _is_separator(ch: str) -> bool:
    return ch in _SEPARATORS or unicodedata.category(ch) in _SEPARATOR_CATEGORIES


def _fold(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 and (folded.isalnum() or folded == "%") else ch


def normalize_map(text: str) -> tuple[str, list[int]]:
    """(normalised text, origin): `origin[i]` is the index in `text` of normalised
    character i, and `origin[len(normalised)] == len(text)` (a sentinel for end offsets)."""
    simplified = _simplified(text)
    kept: list[tuple[str, int]] = [
        (_fold(ch), i) for i, ch in enumerate(simplified) if not _invisible(ch)
    ]
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(kept):
        ch, origin = kept[i]
        if _is_separator(ch) and out and _is_cjk(out[-1][0]):
            j = i
            while j < len(kept) and _is_separator(kept[j][0]):
                j += 1
            run = "".join(c for c, _ in kept[i:j])
            if j < len(kept) and _is_cjk(kept[j][0]) and not any(d in run for d in _CLAUSE_DASHES):
                i = j  # a run of separators inside a Chinese word: gone
                continue
        out.append((ch, origin))
        i += 1
    return "".join(ch for ch, _ in out), [origin for _, origin in out] + [len(text)]


def normalize(text: str) -> str:
    """`text` read as the checker and the search read it (see the module's docstring)."""
    return normalize_map(text)[0]
