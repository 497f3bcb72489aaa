"""One reading of Chinese text for the compliance checker and the site search.

An advertiser who knows the rules writes 「根　治」, 「根\u200b治」, 「根·治」 or the traditional
「根治脫髮」 and a rule written for 根治脱发 no longer matches; a reader who pastes 「熬 夜」 or
ＨｂＡ１ｃ into the search box finds nothing. Both sides therefore read text the same way:

- traditional characters as simplified (OpenCC's `t2s`, the reference converter: a character
  table is not enough, 乾燥/乾隆 differ);
- invisible format characters (Unicode category Cf: zero-width space and joiners, BOM, soft
  hyphen, bidi marks), enclosing marks (Unicode Me: the keycap of 1️⃣, a circle round a
  character; round 10) and variation selectors dropped (the checker reports bidi embeddings,
  overrides and isolates as a finding of their own: `checker._BIDI_CONTROLS`);
- full-width letters, digits and ％ folded to ASCII (one character for one), and the decimal
  digits of every other script (Arabic-Indic ١٣٨ …) read as 0–9, and Latin letters with
  tone marks or accents read as the letter (pinyin 彻dǐ, chè底);
- spaces of every width (Unicode Zs), Hangul fillers and decorative separators (·・•*＊_~～,
  dot-like ･⋅∙‧․‥⸱, + and =, slashes and vertical bars of any width,
  hyphens and dashes, emoji and other symbols (Unicode So/Sk), combining marks (Mn, e.g.
  U+034F)) between two Chinese characters dropped: Chinese puts no spaces between words, so
  a separator there only splits a word (「根-治」「根😊治」). A 破折号 (——) is a clause
  break and stays; separators next to a digit or a Latin letter stay (「2型/1型」).

Before any of that, look-alikes of a character are read as the character (round 8, M2):

- Kangxi radicals (U+2F00–U+2FDF: ⾒ is 見, ⽆ is 无) and CJK compatibility ideographs
  (U+F900–U+FAFF, U+2F800–U+2FA1F) by their Unicode normalisation (NFKC), which names the
  unified ideograph each stands for;
- the CJK radicals supplement (U+2E80–U+2EFF), which NFKC leaves alone but two, by
  `_RADICAL_SUPPLEMENT`: the forms that print as a whole character (⻅ 见, ⻢ 马), after the
  Unicode Character Database's EquivalentUnifiedIdeograph.txt;
- variant characters OpenCC's `t2s` leaves as they are, by `_VARIANTS` (瘉 → 愈, 効 → 效).
  The radicals must be folded *before* `t2s`: ⾒ folds to the traditional 見, which `t2s` then
  reads as 见.

Chinese punctuation (，；！？：) is never folded: the rules' gaps stop at clauses. But a word
spelled one character at a time with the same mark between (「彻.底.治.好」「根,治」「根、治」
「【根】【治】」「(根)(治)」) is not punctuated, it is hidden: a mark that stands between a lone
Chinese character and the next one is dropped (`_spelled`). A mark between two words
(「头皮、毛囊、发根」, 「好的,我们明天见」) is punctuation and stays.

`normalize_map` also returns where each character came from, so a finding on the normalised
text highlights the original characters the editor typed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Characters that only decorate or split a run of Chinese characters: spaces, dots, stars,
# slashes and vertical bars of any width (hyphens and dashes are their Unicode category).
_SEPARATORS = frozenset(
    " \t\u00a0\u3000·・•*＊_~～/／\\＼∕⁄|｜¦￤│∣\u2212"
    # round 9: dot-like marks (halfwidth katakana middle dot, dot operator, bullet operator,
    # hyphenation point, one and two dot leaders, stenographic full stop), plus and equals
    # of both widths, and the Hangul fillers, which are letters (Lo) that print as nothing
    "･⋅∙‧․‥⸱+=＋＝\u3164\u115f\u1160\uffa0"
    # (round 13) vertical bars that are not symbols (So) or dashes (Pd): the CJK stroke 丨 (and the
    # Kangxi radical ⼁, read as 丨), Hangzhou numeral 〡, vertical low line ︳, integral
    # extension ⎮, the click letter ǀ and Hangul ㅣ; between two Chinese characters each is a bar
    "丨〡︳⎮ǀㅣ"
)
# Categories that split nothing Chinese readers read: dashes (Pd), symbols and emoji (So),
# modifier symbols such as ^ and emoji skin tones (Sk), combining marks (Mn: U+034F
# combining grapheme joiner, accents) — between two Han characters they only hide a word.
_SEPARATOR_CATEGORIES = frozenset({"Pd", "So", "Sk", "Mn", "Zs"})
# Marks that spell a word out one character at a time (「彻.底」「根,治」「【根】【治】」):
# ASCII punctuation but the sentence ends ! and ?, the 顿号 and brackets and quotes of both
# widths. The Chinese clause marks ，；：！？。 are never among them.
_SPELLING_MARKS = frozenset(".,;:'\"()[]{}<>`、【】〔〕〖〗「」『』（）《》〈〉“”‘’［］｛｝＜＞．")
_SPACES = frozenset(" \t\u00a0\u3000\u3164\u115f\u1160\uffa0")
# CJK radicals supplement forms that print as a whole character, and the unified ideograph
# each is equivalent to (Unicode Character Database, EquivalentUnifiedIdeograph.txt; NFKC
# already folds ⺟ and ⻳). Component-only forms (⺅ person, ⺡ water) are left out: they
# do not stand for a character in running text.
_RADICAL_SUPPLEMENT = {
    "⺌": "小", "⺝": "月", "⺠": "民", "⻄": "西", "⻅": "见", "⻆": "角", "⻉": "贝",
    "⻋": "车", "⻑": "長", "⻓": "长", "⻔": "门", "⻗": "雨", "⻘": "青", "⻚": "页",
    "⻛": "风", "⻜": "飞", "⻝": "食", "⻢": "马", "⻣": "骨", "⻤": "鬼", "⻥": "鱼",
    "⻦": "鸟", "⻧": "卤", "⻨": "麦", "⻩": "黄", "⻬": "齐", "⻮": "齿", "⻰": "龙",
}  # fmt: skip
# Variant characters OpenCC's t2s does not convert (checked: t2s leaves each as it is).
# 瘉 and 傚 are the variants of 愈 and 效 the 1955《第一批异体字整理表》 retired; the rest
# are Japanese shinjitai, mapped as OpenCC's own JPShinjitaiCharacters (jp2t) then t2s map
# them (tests/cms/test_textnorm.py checks each against OpenCC). Only characters a medical
# claim is written with: the table is not a general Japanese converter.
_VARIANTS = {
    "瘉": "愈", "傚": "效", "効": "效", "薬": "药", "髪": "发", "対": "对", "黒": "黑",
    "剤": "剂", "験": "验", "顕": "显", "増": "增", "軽": "轻", "歳": "岁", "圧": "压",
    "険": "险", "脳": "脑", "楽": "乐", "様": "样", "専": "专", "総": "总",
}  # fmt: skip
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


# A control character (category Cc: C0 U+0001–001F, DEL, C1 U+0080–009F) other than the tab and
# the line ends displays as nothing, or as a box, and Chinese text has no use for one: it reads
# as invisible, so 「治\x01愈率百分百」 is read as 治愈率百分百 (round 33; the checker also makes
# its presence a blocking finding, like a bidi control).
_KEPT_CONTROLS = frozenset("\t\n\r")


def _invisible(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Cf", "Me")
        or (unicodedata.category(ch) == "Cc" and ch not in _KEPT_CONTROLS)
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
    )


def _look_alike(ch: str) -> str:
    """The character `ch` stands for, when it is a radical, a compatibility ideograph or a
    variant (see the module's docstring); otherwise `ch`. Always one character."""
    code = ord(ch)
    if 0x2F00 <= code <= 0x2FDF or 0xF900 <= code <= 0xFAFF or 0x2F800 <= code <= 0x2FA1F:
        folded = unicodedata.normalize("NFKC", ch)
        return folded if len(folded) == 1 else ch
    if 0x2E80 <= code <= 0x2EFF:
        folded = _RADICAL_SUPPLEMENT.get(ch) or unicodedata.normalize("NFKC", ch)
        return folded if len(folded) == 1 else ch
    return _VARIANTS.get(ch, ch)


# A lone surrogate (U+D800–U+DFFF) is no character: JSON can carry one escaped (「\\udcff」 in a
# rich-text block a browser posts after a bad paste), OpenCC cannot encode it (a 500, seventh
# verification), and neither database can store it. It reads as U+FFFD, one for one.
_SURROGATES = re.compile("[\ud800-\udfff]")


def _simplified(text: str) -> str:
    """`text` in simplified characters, one character for one (a phrase conversion that
    changes the length is done character by character instead); a lone surrogate is U+FFFD."""
    text = _SURROGATES.sub("\ufffd", text)
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    out = []
    for ch in text:
        one = _converter().convert(ch)
        out.append(one if len(one) == 1 else ch)
    return "".join(out)


# (round 33) Symbols that stand for a word (☎ 📞 📱: 电话): never a separator, so 「打个📞给我们」
# keeps its word for the checker (`cms.compliance.spelling` reads it as 电话).
WORD_SYMBOLS = frozenset("☎☏📞📱")


def _is_separator(ch: str) -> bool:
    if ch in WORD_SYMBOLS:
        return False
    # every space (Zs: em, thin, narrow no-break, medium mathematical spaces…) is one, so a
    # line reads the same in plain text as on a page (round 9: 「根\u2009治」 passed the CLI)
    return ch in _SEPARATORS or unicodedata.category(ch) in _SEPARATOR_CATEGORIES


def _in_spaces(ch: str) -> bool:
    return ch in _SPACES or unicodedata.category(ch) == "Zs"


def _fold(ch: str) -> str:
    if ch == "\u066a":  # (round 33) the Arabic percent sign ٪, which NFKC leaves as it is
        return "%"
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded.isdigit() and not folded.isascii():
        # a decimal digit of another script (Arabic-Indic ١٣٨, Devanagari …; round 10)
        digit = unicodedata.digit(folded, None)
        return str(digit) if digit is not None else ch
    if len(folded) == 1 and folded.isalpha() and not folded.isascii():
        base = _latin_base(folded)
        if base:  # a Latin letter with a tone mark or an accent (pinyin dǐ, chè; round 10)
            return base if folded.islower() else base.upper()
    return folded if len(folded) == 1 and (folded.isalnum() or folded == "%") else ch


def _latin_base(ch: str) -> str:
    """The ASCII letter under a Latin letter with diacritics (ǐ → i, È → e); "" for any other
    letter (Chinese, Greek …)."""
    base = unicodedata.normalize("NFD", ch.lower())[0]
    return base if "a" <= base <= "z" else ""


def normalize_map(text: str) -> tuple[str, list[int]]:
    """(normalised text, origin): `origin[i]` is the index in `text` of normalised
    character i, and `origin[len(normalised)] == len(text)` (a sentinel for end offsets)."""
    simplified = _simplified("".join(_look_alike(ch) for ch in text))
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
    out = _spelled(out)
    return "".join(ch for ch, _ in out), [origin for _, origin in out] + [len(text)]


def _spelled(chars: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """`chars` without the marks that spell a word out (「彻.底.治.好」→「彻底治好」).

    A run of `_SPELLING_MARKS` between two Chinese characters is dropped when one of the two
    stands alone, i.e. has no Chinese character on its other side (「根,治」: 根 starts the
    text), and, for the left one, the mark on its other side is the same run (「彻.底.治」:
    底 has 「.」 on both sides). The closing and opening brackets of 「【根】【治】」 are one run
    (「】【」); the outer ones stay. Between two words (「头皮、毛囊」) no character stands
    alone, so the mark stays."""
    n = len(chars)
    drop: set[int] = set()
    # where each mark last occurs: whether a quote closes later is one lookup, not a scan of
    # the rest of the text per opening mark (a field of thousands of 「王（」 took 20 s for
    # 32,000 characters; issue 17 re-verification)
    last = {c: k for k, (c, _) in enumerate(chars)}
    i = 0
    while i < n:
        if not _in_spelling(chars[i][0]) or i == 0 or not _is_cjk(chars[i - 1][0]):
            i += 1
            continue
        j = i
        while j < n and _in_spelling(chars[j][0]):
            j += 1
        run = [c for c, _ in chars[i:j]]
        if _opens_a_quote(last, j, run):
            i = j  # 「说“零风险”的手术」: a quotation opens, nothing is spelled (round 10)
            continue
        if j < n and _is_cjk(chars[j][0]) and any(c in _SPELLING_MARKS for c in run):
            left_alone = i < 2 or not _is_cjk(chars[i - 2][0])
            right_alone = j + 1 >= n or not _is_cjk(chars[j + 1][0])
            if left_alone and i >= 2 and _spelling_run_before(chars, i - 1) not in (None, run):
                left_alone = False  # 「好，是,治」: 是 follows a clause mark, not a spelling
            if left_alone or right_alone:
                drop.update(range(i, j))
        i = j
    return [c for k, c in enumerate(chars) if k not in drop]


# Opening quotes and brackets, and the mark that closes each.
_CLOSING = {
    "“": "”", "‘": "’", "「": "」", "『": "』", "（": "）", "(": ")", "《": "》", "〈": "〉",
    "【": "】", "〔": "〕", "〖": "〗", "［": "］", "[": "]", "｛": "｝", "{": "}", '"': '"',
    "'": "'",
}  # fmt: skip


def _opens_a_quote(last: dict[str, int], j: int, run: list[str]) -> bool:
    """The run ending before index `j` is one opening quote or bracket (spaces aside) whose
    closing mark comes later in the text (`last`: each character's last index): a quotation,
    not a character spelled out (「说“零风险”」). An opening mark nothing closes
    (「根“治脱发」), or one that closes round a single character (「根（治）」), is still read
    as a spelling."""
    marks = [c for c in run if not _in_spaces(c)]
    if len(marks) != 1 or marks[0] not in _CLOSING:
        return False
    # one character in quotes (「根（治）」) is a character set off, i.e. spelled
    return last.get(_CLOSING[marks[0]], -1) >= j + 2


def _in_spelling(ch: str) -> bool:
    # spaces around a spelling mark belong to it: 「根 , 治」
    return ch in _SPELLING_MARKS or _in_spaces(ch)


def _spelling_run_before(chars: list[tuple[str, int]], k: int) -> list[str] | None:
    """The run of spelling marks that ends just before index `k` (`[]` when the character
    before `k` is none of them, None at the start of the text)."""
    if k == 0:
        return None
    j = k
    while j > 0 and _in_spelling(chars[j - 1][0]):
        j -= 1
    run = [c for c, _ in chars[j:k]]
    return run if run else []


def normalize(text: str) -> str:
    """`text` read as the checker and the search read it (see the module's docstring)."""
    return normalize_map(text)[0]
