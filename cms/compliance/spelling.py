"""Claim words spelled to slip past a reader: homophones, look-alike characters and pinyin.

An advertiser who knows 根治 is blocked writes 根冶 (a look-alike), 跟治 or 艮治 (a homophone),
根zhi or genzhi (pinyin), and a reader still reads 根治. `cms.textnorm` cannot fold these for
everyone: 冶 and 跟 are ordinary characters (陶冶, 跟治疗有关), and the site search must find what
was written. So the checker alone reads each spelling below as the claim word it stands for,
and only where the spelling makes no other word (跟治 before 疗 or 愈 is 跟 + 治疗/治愈).

The table is the words a claim rule is built from (根治, 治愈, 痊愈, 治好, 治疗, 最): a
spelling of another word is not read, so a rule's wording is what the law names. Each entry's
siblings are in tests/cms/test_compliance_round10.py with the lawful text they must leave alone.
"""

from __future__ import annotations

import re
import unicodedata

from cms.textnorm import WORD_SYMBOLS

# (pattern, the word it spells). Patterns read the text `cms.textnorm` produced (simplified,
# full-width folded, spaces inside Chinese words gone) and are matched case-insensitively.
_SPELLINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), word)
    for pattern, word in (
        # 根治: a look-alike second character, a homophone first one, or pinyin for either
        (r"根\s*(?:冶|zhi|zh1)(?![a-z])", "根治"),
        (r"(?<![a-z])gen\s*(?:治|冶|zhi)(?![a-z])", "根治"),
        # 跟治疗 / 跟治愈率 / 跟治理 / 跟治病 are 跟 + a word; 艮 亘 茛 make none
        (r"跟(?:治|冶)(?![疗愈理病安水国学])", "根治"),
        (r"[艮亘茛](?:治|冶)(?![疗理])", "根治"),
        # 治愈 / 治好 / 治疗 with the look-alike 冶 (陶冶 is a word) or in pinyin
        (r"(?<![陶])冶(?=[愈好疗])", "治"),
        (r"(?<=[包专])冶", "治"),
        (r"(?<![a-z])zhi\s*yu(?![a-z])", "治愈"),
        (r"(?<![a-z])gen(?=除)", "根"),
        (r"(?<=断)gen(?![a-z])", "根"),
        (r"(?<![a-z])zhi(?=[愈好疗])", "治"),
        (r"(?<=[治痊])yu(?![a-z])", "愈"),
        # 痊愈: pinyin and the common misspelling 全愈
        (r"(?<![a-z])quan(?=愈)", "痊"),
        # (完全愈合, 安全愈后 hold 全愈 across two words)
        (r"(?<![完安健])全愈(?!合)", "痊愈"),
        # 彻底 and 百分百 half in pinyin or with a homophone
        (r"(?<=彻)\s*di(?![a-z])", "底"),
        (r"(?<![a-z])che\s*(?=底)", "彻"),
        (r"(?<![a-z])che\s*di(?![a-z])", "彻底"),
        (r"百(?:份|fen)百", "百分百"),
        # 信 written as its two parts (微亻言 = 微信)
        (r"亻言", "信"),
        # (round 33) a telephone drawn (给我们打个📞, ☎预约)
        (r"[☎☏📞📱]", "电话"),
        # 副作用 misspelt 负作用 (a common error and a dodge alike)
        (r"负作用", "副作用"),
        # a rank written with the digit 1 (全国第1; 第1名患者 and 第10天 are counts)
        (
            r"(?<=全国|全省|全市|行业|排名|全网|销量|口碑|业内|国内|世界|全球)第1(?![\d名个次天周年月期步条例位])",
            "第一",
        ),
        # 最 in pinyin before the words an absolute claim is built from (zui好, zui有效)
        (r"(?<![a-z])zui(?=[好佳强大优有快先专权])", "最"),
    )
)


# (round 10, review) Claim words with any of their characters in pinyin or a homophone /
# look-alike that makes no other word inside the claim word (立杆见影, 永不复法, 无付作用, 宝治百病,
# 根chu, bao治, 药到病chu, bai分百, 全国di一, 最hao): each character's other spellings. A
# spelling is read only inside one of `CLAIM_WORDS`, never alone (法 is a word, 发 too).
_OTHER_SPELLINGS = {
    "根": ("gen", "艮", "亘", "茛"), "治": ("zhi", "冶"), "除": ("chu",), "愈": ("yu",),
    "痊": ("quan",), "包": ("bao", "(?<!宝)宝(?!宝)", "苞"),
    "保": ("bao", "饱", "(?<![面钱书背荷])包(?![括含装子袋裹扎容])"),
    "证": ("zheng", "正", "症", "怔"),
    "复": ("fu", "覆", "腹"), "发": ("fa", "法"), "副": ("fu", "付", "负"), "作": ("zuo", "做"),
    "用": ("yong",), "药": ("yao",), "到": ("dao", "倒", "道"), "病": ("bing",),
    "百": ("bai", "佰"),
    "分": ("fen", "份"), "之": ("zhi",), "第": ("di",), "一": ("yi", "壹"),
    "最": ("zui", "醉", "嘴"),
    "好": ("hao",), "佳": ("jia",), "彻": ("che", "澈"), "底": ("di",), "立": ("li", "力"),
    "竿": ("gan", "杆", "干"), "见": ("jian",), "影": ("ying",), "效": ("xiao", "笑", "校"),
    "永": ("yong",), "不": ("bu",), "无": ("wu",), "针": ("zhen",), "断": ("duan",),
    "退": ("tui",), "款": ("kuan",), "率": ("lv", "lu", "lü"),
}  # fmt: skip
# 出 spells 除 only in 药到病除 (根出 is in 发根出现)
_IN_WORD = {
    "药到病除": {"除": ("chu", "出", "徐")},
    "立竿见影": {"影": ("ying", "yin")},
    # 根至 is 根治 only before an ailment (从发根至发梢 is a span)
    "根治": {"治": ("zhi", "冶", "至(?=脱|失|糖|白|秃|斑|高|银|痘)")},
    # (round 21) 有效 and 退款 half in pinyin (百分百有xiao, 无效tui款); 有笑 is 有 + 笑容
    "有效": {"有": ("you",), "效": ("xiao",)},
    "有效率": {"有": ("you",), "效": ("xiao",)},
}
CLAIM_WORDS = (
    "根治", "根除", "治愈", "痊愈", "包治", "百病", "保证", "永不复发", "副作用", "药到病除",
    "百分百", "百分之百", "第一", "最好", "最佳", "彻底", "立竿见影", "一针见效", "断根",
    "无副作用", "有效", "退款",
    # (round 34, tester F3) the rate words in pinyin (zhiyulv 98%, youxiaolv): 治愈 and 有效
    # alone do not match there (a pinyin syllable ends at a Latin letter)
    "治愈率", "有效率",
)  # fmt: skip


def _word_pattern(word: str) -> re.Pattern[str]:
    parts = []
    for i, ch in enumerate(word):
        spellings = _IN_WORD.get(word, {}).get(ch) or _OTHER_SPELLINGS.get(ch, ())
        options = [re.escape(ch)]
        for other in spellings:
            raw = "(?" in other  # a spelling with its context, written as a regex
            option = other if raw else re.escape(other)
            if other.isascii() and not raw:  # pinyin: not the middle of a Latin word
                option = ("(?<![a-z])" if i == 0 else "") + option
                option += "(?![a-z])" if i == len(word) - 1 else ""
            options.append(option)
        parts.append("(?:" + "|".join(options) + ")")
    # 治 before 疗/理 is 治疗/治理 (宝宝治疗, 根治疗程 are not the claim word)
    tail = "(?![疗理])" if word.endswith("治") else ""
    return re.compile(r"\s*".join(parts) + tail, re.IGNORECASE)


_WORD_SPELLINGS = tuple((_word_pattern(word), word) for word in CLAIM_WORDS)


# (round 29) a number spelled with the letter O for the digit 0 (4OO-123-4567, 4oo-123-4567,
# 4OO8OO1234): inside a run of digits, letters O and separators of 7 to 31 characters with at
# least three digits, each O is read as 0 (one character for one, so offsets hold). A formula
# or a name (H2O, CO2, ISO 9001, COVID-19) is no such run: an O next to a Latin letter ends it.
_DIGIT_RUN = re.compile(
    r"(?<![a-z\d])[\do](?:[\do]|[-\s.](?=[\do])){6,30}(?![a-z\d])", re.IGNORECASE
)


def _read_letter_o(text: str) -> str:
    def digits(match: re.Match[str]) -> str:
        run = match.group(0)
        if sum(ch.isdigit() for ch in run) < 3 or not any(ch in "oO" for ch in run):
            return run
        return run.replace("o", "0").replace("O", "0")

    return _DIGIT_RUN.sub(digits, text) if ("o" in text or "O" in text) else text


# (round 30) a number split by marks the phone rules do not read (400–123–4567, 400~123~4567,
# 400_123_4567, 400一123一4567, 4OO—123—4567) or spelled digit by digit (4 0 0 1 2 3 4 5 6 7):
# inside a run of 7 to 13 digits (or letters O) with at least three digits, each such mark is
# read as a hyphen, and the spaces of a run of single digits as nothing. Dates and ranges keep
# their reading (2024–2025 is read as 2024-2025, which no phone rule takes); 2-4周 and 1～2次
# hold too few digits to be a run.
_DASHED_RUN = re.compile(
    r"(?<![a-z\d])[\do](?:[\do]|[\s\-–—~～_一－·.](?=[\do])){6,40}(?![a-z\d])", re.IGNORECASE
)
_ODD_MARKS = frozenset("–—~～_一－·")
_RUN_MARKS = re.compile(r"[\s\-–—~～_一－·.]")


# (round 33) Numbers in the capital numerals of receipts and cheques (大写数字: 有效率玖拾玖,
# 一个疗程叁仟捌, 拾分钟起效): inside a run of numerals with at least one capital, or a capital
# alone before a unit, each capital is read as its everyday numeral (one character for one).
# 拾 after 收 (收拾), 伍 in 队伍 / 入伍 / 落伍 / 退伍, 陆 in 大陆 / 着陆 / 登陆 are words.
_CAPITALS = {
    "壹": "一", "贰": "二", "叁": "三", "肆": "四", "伍": "五", "陆": "六", "柒": "七",
    "捌": "八", "玖": "九", "拾": "十", "佰": "百", "仟": "千",
}  # fmt: skip
_CAPITAL = "(?:(?<!收)拾|(?<![队入落退行])伍|(?<![大着登内水])陆|[壹贰叁肆柒捌玖佰仟])"
_NUMERAL = f"(?:[零〇一二两三四五六七八九十百千万亿]|{_CAPITAL})"
_CAPITAL_RUN = re.compile(
    f"{_NUMERAL}*{_CAPITAL}{_NUMERAL}*(?<=..)|{_CAPITAL}(?=[分秒小天日周个元块次成年月%点倍])"
)


def _read_capitals(text: str) -> str:
    if not any(ch in _CAPITALS for ch in text):
        return text

    def numerals(match: re.Match[str]) -> str:
        return "".join(_CAPITALS.get(ch, ch) for ch in match.group(0))

    return _CAPITAL_RUN.sub(numerals, text)


# (round 33) Decorations after the last word of a clause (中华医学会推荐✅, 来我们这里😊,
# 推荐👍👍): symbols and emoji (So, Sk) between a Chinese character and the clause's end
# carry no word, and a rule that reads to a clause's end reads through them. The symbols a
# rule reads as a word are kept (☎ 📞 📱, read as 电话 below; ✓ ☑ after a badge are read by
# the badge rule too).
_CLAUSE_END = frozenset('。！？!?，,；;：:…~～)）」』】”’"\n')


def _drop_trailing_symbols(text: str, origin: list[int]) -> tuple[str, list[int]]:
    out: list[str] = []
    mapped: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _decoration(ch) and out and "\u4e00" <= out[-1] <= "\u9fff":
            j = i
            while j < n and (_decoration(text[j]) or text[j] == " "):
                j += 1
            if j == n or text[j] in _CLAUSE_END:
                i = j  # the decorations (and spaces among them) end the clause: gone
                continue
        out.append(ch)
        mapped.append(origin[i])
        i += 1
    if len(out) == n:
        return text, origin
    mapped.append(origin[n])
    return "".join(out), mapped


def _decoration(ch: str) -> bool:
    # √ (a maths symbol, Sm) is the ticked box of a badge as ✓ is
    return (unicodedata.category(ch) in ("So", "Sk") or ch == "√") and ch not in WORD_SYMBOLS


def _read_dashes(text: str, origin: list[int]) -> tuple[str, list[int]]:
    """(text, origin) with `_DASHED_RUN`s read as a phone rule reads a number; `origin` as in
    `read_spellings` (a dropped space drops its entry)."""
    if not any(ch in _ODD_MARKS or ch == " " for ch in text):
        return text, origin
    out: list[str] = []
    mapped: list[int] = []
    at = 0
    for match in _DASHED_RUN.finditer(text):
        run = match.group(0)
        figures = sum(ch.isdigit() or ch in "oO" for ch in run)
        groups = [g for g in _RUN_MARKS.split(run) if g]
        spelled = len(groups) >= 7 and all(len(g) == 1 for g in groups)
        odd = any(ch in _ODD_MARKS for ch in run)
        if not 7 <= figures <= 13 or sum(ch.isdigit() for ch in run) < 3 or not (odd or spelled):
            continue
        start = match.start()
        out.append(text[at:start])
        mapped.extend(origin[at:start])
        for i, ch in enumerate(run, start):
            if ch.isdigit() or ch in "oO":
                out.append(ch)
            elif spelled:
                continue
            else:
                out.append("-")
            mapped.append(origin[i])
        at = match.end()
    if not out:
        return text, origin
    out.append(text[at:])
    mapped.extend(origin[at:])
    return "".join(out), mapped


def read_spellings(text: str, origin: list[int]) -> tuple[str, list[int]]:
    """(text, origin) with every spelling in `_SPELLINGS` read as its word. `origin` maps each
    character of `text` to the character of the line as written (`cms.textnorm.normalize_map`,
    with its end sentinel); the returned map does the same for the new text, each word's
    characters pointing into the spelling it replaced, so a finding still highlights what the
    editor typed."""
    text, origin = _read_dashes(text, origin)
    text, origin = _drop_trailing_symbols(text, origin)
    text = _read_letter_o(text)
    text = _read_capitals(text)
    for pattern, word in _SPELLINGS + _WORD_SPELLINGS:
        if not pattern.search(text):
            continue
        out: list[str] = []
        mapped: list[int] = []
        at = 0
        for match in pattern.finditer(text):
            start, end = match.span()
            if match.group(0) == word:
                continue  # written as the word itself: nothing to read
            out.append(text[at:start])
            mapped.extend(origin[at:start])
            out.append(word)
            span = end - start
            last = len(word) - 1
            mapped.extend(
                origin[start + (i * (span - 1) // last if last else 0)] for i in range(len(word))
            )
            at = end
        out.append(text[at:])
        mapped.extend(origin[at:])  # includes the end sentinel
        text = "".join(out)
        origin = mapped
    return text, origin
