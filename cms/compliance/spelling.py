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
        # 副作用 misspelt 负作用 (a common error and a dodge alike)
        (r"负作用", "副作用"),
        # 最 in pinyin before the words an absolute claim is built from (zui好, zui有效)
        (r"(?<![a-z])zui(?=[好佳强大优有快先专权])", "最"),
    )
)


def read_spellings(text: str, origin: list[int]) -> tuple[str, list[int]]:
    """(text, origin) with every spelling in `_SPELLINGS` read as its word. `origin` maps each
    character of `text` to the character of the line as written (`cms.textnorm.normalize_map`,
    with its end sentinel); the returned map does the same for the new text, each word's
    characters pointing into the spelling it replaced, so a finding still highlights what the
    editor typed."""
    for pattern, word in _SPELLINGS:
        if not pattern.search(text):
            continue
        out: list[str] = []
        mapped: list[int] = []
        at = 0
        for match in pattern.finditer(text):
            start, end = match.span()
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
