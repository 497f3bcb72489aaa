"""Text checking: every rule's patterns against every sentence of every line, minus
context exceptions. A match never spans two sentences (。！？ end one). A line that does not
end a sentence runs on into the next one (「保证<br>治愈」, a heading without a full stop over
its paragraph): the rules also read line i's last sentence joined to line i+1's first, and
a match across the join is reported on each line it spans (`_join_findings`), unless it joins
the end of a word of one line to the start of a word of the next (「病根」 over 「治疗」 is no
根治; `_join_edges`).

Lines are read through `cms.textnorm` first (traditional → simplified, invisible characters and
spaces inside Chinese words dropped, full-width folded): spelling a claim oddly does not hide it.
Findings give offsets and text in the line as written."""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from cms.compliance import classifier
from cms.compliance.rules import Rule, RuleSet, load_rules
from cms.compliance.spelling import read_spellings
from cms.textnorm import normalize_map

# A sentence ends after these (the mark belongs to the sentence it ends); 。 and ！？ in both
# widths. Commas and semicolons do not end one: a claim often spans clauses. A mark followed
# by a closing quote ends the quote, not the sentence: 「“……就稳了。”——糖友老周」 and
# 「“我现在天天睡到自然醒！”一位老患者这样告诉我们」 are each one sentence, a quote and who said it.
# A question mark answered or denied at once (「脱发能根治吗？能！」「头发再也不掉了？别信这种
# 说法」) does not end the sentence either: the answer is what the question claims (round 9).
# (round 10) an answer in other words: 答案是肯定的, 没错, 可以的, 当然
_AFFIRM = (
    r"(?:(?:当然|肯定|绝对|我们|本院|我院)?(?:就|都)?(?:能|可以|行|会|没问题|是的)(?=[！!。，,.\s]|$)"
    r"|我们就能|答案是肯定的|答案是(?:能|可以|会|肯定)|没错|可以的|能的|放心|没问题"
    r"|当然(?=[！!。，,.\s]|$)|包的|包好|保证(?!不)|肯定的"
    # (verification) we have it here, we refund: 在这里有 / 我们退款
    r"|(?:在这里|在我们这里?|我们这里|这里|我们|本院|我院)(?:就|都)?有(?=[！!。，,.\s]|$)"
    r"|(?:我们|本院|我院)?(?:就|会)?(?:全额|全部)?(?:退款|退钱|退费|包退|免费重做|免费再治|不收费|不要钱)(?![的地])"
    r"|不需要|不用|不必|无需"
    # (2026.12.6) a denial asked, then reclaimed in the answer: 都说脱发不能根治？我们做到了 /
    # 张主任用十年证明了相反的结论 / 在我们这里不一样 (`ad16-denial-reclaimed` reads the whole)
    r"|[^。！？!?，,；;]{0,14}?(?:做到了|证明了相反|相反的结论|是例外|偏不信|不信这个邪|不一样|打破了|改写了)"
    # (2026.12.6) …？在我们这里可以 / 那是你还没遇到张主任 / 这种说法早就过时了
    r"|(?:在这里|在我们这里?|我们这里|这里)(?:就|都|也)?(?:可以|能|行)(?=[！!。，,.\s]|$)"
    # (round 13) …？在我们这里可以做到 / 我们能做到
    r"|(?:在这里|在我们这里?|我们这里|这里|我们|本院|我院)(?:就|都|也)?(?:可以|能)做(?:得)?到"
    # (issue 17, round 28) …？本院已经做到
    r"|(?:在这里|在我们这里?|我们这里|这里|我们|本院|我院)(?:已经|早已|早就|都)做到"
    # (round 13) …？在我们这里不难 / 我们做得到 / 我们可以
    r"|(?:在这里|在我们这里?|我们这里|这里|我们|在?本院|在?我院)(?:就|都|也)?"
    r"(?:不难|很容易|容易|简单|没问题|做得到|可以|能|行)(?=[！!。，,.\s]|$)"
    r"|(?:那|这)?(?:只?是|不过是|是因为)(?:你|您|他们|患者|大家)?(?:还)?没"
    r"|(?:这种|这个|这句)?(?:说法|话)?[^。！？!?，,]{0,4}(?:过时|落伍|不成立|站不住脚)"
    # (round 17) a dare answered: 他们敢承诺吗？我们敢 (`ad16-comparison` reads the rival dared
    # with our answer)
    r"|(?:我们|本院|我院|咱们)(?:就|都|也|当然)?敢(?=[！!。，,.\s]|$)"
    # (issue 17 re-verification) our answer: 我们的答案：能 / 在我们这里，答案是否定的
    # (round-2 tester) 我们的回答：可以 / 我们说：能
    r"|(?:在?(?:我们这里|这里|本院|我院|我们)[，,]\s*)?(?:(?:(?:我们|本院|我院)的)?(?:答案|回答)(?:是)?"
    r"|(?:我们|本院|我院)(?:要)?说)\s*[:：]?\s*"
    r"(?:能|可以|行|肯定的|否定的|当然))"
)
# an answer's label: 「Q：…？」「A：不会。」, 「问：…？答：无。」
_LABEL = r"(?:(?:a|答|回答|医生答?|专家答?|医生回复)\s*[:：]\s*)?"
# (round 10) a bad outcome asked about and denied: 会复发吗？不会 / 有没有副作用？没有 (the claim
# is 永不复发 / 无副作用; `ad16-question-claim` reads which questions make it one)
_DENY_OUTCOME = (
    r"(?:绝对|永远|肯定|一定|完全|一点也?|根本|保证|从来)?"
    r"(?:不会|不可能|没有|没|无|零|不存在|不伤|不疼|不痛|从没)"
)
_DENY = (
    r"(?:别信|不要信|不要相信|不可信|别轻信|不要轻信|这是谣言|是谣言|谣言|错了|其实不然"
    r"|并非如此|事实并非如此|没那么简单|当然不(?:能|是|会|可能))"
)
# (2026.12.6, fourth verification) an answer that is itself the claim's figure, cohort, refund or
# price (成功率高吗？接近百分之百 / 能停胰岛素吗？大部分患者三个月后就停了 / 没效果怎么办？全额退 /
# 费用多少？三千左右): read with its question. Not every short answer: a question read joined to
# a lawful answer (成功率高吗？因人而异) would lose the exception a question has
_FIGURE_ANSWER = (
    r"(?:(?:接近|几乎|差不多|将近|高达|超过)?(?:百分之百|百分百|\d+(?:\.\d+)?\s*[%％]|[九八七]成)"
    r"|(?:大部分|大多数|绝大多数|多数|很多|不少|一半以上)(?:的)?(?:患者|病人|糖友|病友|人|顾客)"
    r"[^。！？!?，,]{0,10}(?:就|都|已经)"
    # (round 21) with who refunds said first: 疗效不好？我们退！
    r"|(?:我们|本院|我院|我们就|就|都)?(?:全额|全部|全)?(?:退款|退钱|退费|退|包退|赔)(?=[。！!，,\s]|$)"
    # (round 12) the refund in other words: 万一没用呢？钱一分不少还给你 / 不满意怎么办？无条件退 /
    # 治不好怎么办？一分钱不收 (`ad16-refund` reads the failure asked and the money answered)
    r"|(?:我们|本院|我院)?(?:就|会|都|也|照样)?(?:把)?(?:钱|费用|全款|治疗费|疗程费|医药费|所有费用)?"
    r"(?:就|会|都|也|照样)?(?:一分(?:钱)?(?:都|也)?不(?:少|收|要)|分文不(?:取|收|少)|无条件(?:全额)?(?:退|包退)"
    r"|(?:如数|原封不动|原路|全部|全额|全数)(?:奉还|退还|返还|退回|退给|还(?:给|回))|不收(?:你|您)(?:一分)?钱)"
    # (2026.12.7, round 12, seventh verification) 没效果呢？费用全退 / 万一不见效？退还所有治疗费 /
    # 不长头发？退全款 /
    # 睡不着怎么办？我们包退 / 做了没用怎么办？一分钱都不用花 (not 不用花钱买…: the rule reads
    # what follows)
    r"|(?:钱|费用|全款|治疗费|疗程费|医药费|所有费用|全部费用|挂号费|诊金|治疗费用|疗程费用|医疗费用)"
    r"(?:就|会|都|也|照样|可以)?(?:全额|全部|全数|全|如数)(?:退|返|赔|奉还)"
    # (round 23, twentieth re-verification D-7) 血糖降不下来？全部费用退还
    r"|(?:全部|全额|所有)(?:的)?(?:钱|费用|治疗费用?|疗程费用?|医药费)(?:都|就|会|可以)?(?:退还|退回|返还|退)"
    # (round 23, twentieth verification A) 效果不好？钱退给你
    r"|(?:钱|费用|全款|治疗费|治疗费用)(?:就|会|都|也|照样|可以)?(?:退|返|还)(?:给|回给?)(?:你|您)"
    r"|(?:退还|返还|退回|退给|退)(?:你|您)?(?:所有|全部|全额)?(?:的)?(?:费用|治疗费|疗程费|钱|款|全款|医药费)"
    r"|(?:我们|本院|我院)?(?:包退|保退|包赔)"
    r"|一分(?:钱)?(?:都|也)?不(?:用|需要?|必)(?:花|掏|付|出)|(?:不用|不需要|无需|不必)(?:花|掏|付|出)(?:一分)?钱"
    r"|(?:大概|大约|约|差不多|一般)?[一二三四五六七八九十两几百千万\d]+(?:\.\d+)?\s*"
    r"(?:(?:千|百|万|w|k)(?:元|块钱?)?|元|块钱?)(?:多|出头|左右|上下|以内|起)?(?=[。！!，,\s]|$))"
)
# (issue 17 re-verification) a word of denial before the answer: 根治是不可能的？错，我院可以
# (round-2 tester) also the past set aside: 那是过去，现在我院可以
_INTERJECTION = (
    r"(?:(?:大错特错|错误|才不是|当然不是|错|不|不对|非也|未必|那是过去|那是以前|那是从前|过去是这样"
    # (issue 17, round 28) the impossible set on others: 那是别人，我院可以
    r"|以前是这样|过时|那是别人|那是别家|那是他们|那是其他医院|那是别的医院)(?:了|的)?[！!，,.。]+\s*"
    r"(?:现在|如今|今天)?)?"
)
_ANSWER = rf"\s*{_LABEL}{_INTERJECTION}(?:{_AFFIRM}|{_DENY}|{_DENY_OUTCOME}|{_FIGURE_ANSWER})"
# A line that is a question, and the next line that answers it yes (「脱发能根治吗？」 then
# 「能！」): read joined like a line that ends no sentence (round 10)
# (round-2 tester) also with a word of denial after the question (「根治脱发是不可能的？错！」
# over 「我院可以。」)
_ASKS = re.compile(r"[？?]+[”’」』\"]*\s*(?:(?:错|不|不对|非也|未必)[！!，,]?\s*)?$")
_ANSWERS = re.compile(
    rf"\s*{_LABEL}{_INTERJECTION}(?:{_AFFIRM}|{_DENY_OUTCOME}|{_FIGURE_ANSWER})", re.IGNORECASE
)
# A claim asked and denied in the next breath (「头发再也不掉了？别信这种说法」): the rules'
# common exception reads the question as the denial's; the second reader reads only from the
# denial on, so the debunked claim is not read as the page's (round 10)
_DEBUNK = re.compile(rf"[？?]+\s*(?={_DENY})")
# (round 13) the way to us asked, and the answer pointing at a place on the page
# (「想找我？答案在图里」「怎么联系我？看简介」): one sentence, so `ad19-contact` reads the
# question with its answer. Only after 我/我们/医生/作者/博主/小编: a quiz's answer
# (「你睡得好吗？答案在文末」) ends its sentence as before
_PLACES = (
    r"(?:图|简介|主页|评论区|置顶|文末|头像|签名|首页|资料|海报|封面|视频|片尾|水印|标题|角落"
    r"|下方|上方)"
)
# (round 13) also the place first (「如何找到我？图里有」「想联系我？头像有」), and after
# the way asked
# by name (「联系方式？见图」「咨询渠道？看主页」: 式/道/径)
_POINTED = (
    r"\s*(?:(?:答案|方法|办法|方式|入口|途径|联系方式|渠道)?(?:就|都)?"
    rf"(?:在|见|看|藏在|写在|放在|请看|详见)[^。！？!?，,]{{0,6}}?{_PLACES}"
    rf"|{_PLACES}[^。！？!?，,]{{0,3}}?(?:就|都|也)?(?:有|可见|能看到|写着|写了)"
    rf"|{_PLACES}(?:里|中|上)?(?=[。！!~～]|$))"
)
# (round 16) another hospital or doctor asked about, and the answer running it down
# (「别家医院？都是老一套」「外面的医生？根本不懂脱发」): one sentence, so `ad16-comparison` reads
# the rival with what is said of it (its lexicon `rival_answer` decides; this only joins). Only
# after the last character of a hospital, clinic or doctor word (院 所 构 诊 心 生 夫 家) and
# before the first words of a disparagement; 「别家医院？也可以」 ends its sentence as before
_RIVAL_ANSWER = (
    r"\s*(?:都|全|也|就|根本|压根|完全|早就|早已|还)?(?:是)?"
    r"(?:用|开|做|采用|使用|还在用|还用|不懂|不会|看不懂|看不明白|外行|不专业|乱开|瞎|误诊|庸医"
    r"|半吊子|二把刀|蒙人|糊弄|骗|坑|宰人|黑心|没本事|没水平|水平|医术|技术|设备|方法|疗法|理念"
    r"|只会|就会|只知道|就知道|过时|老掉牙|落后|老一套|陈旧"
    # (round 18) a name lent, a show, a career switch (其他医院的专家？不过是挂个名)
    r"|不过是|只不过是|无非是|挂个名|挂名|摆设|半路出家|莆田系)"
)
# (round 17) a question answered with an invitation to come and try us
# (「别的医院说你没救了？来这里试试」): one sentence, so `ad16-comparison` reads the rival's
# verdict with the invitation
_TRY_HERE = (
    r"\s*(?:那就|就|不妨|可以)?(?:来|到)(?:这里|这儿|我们这里?|我们这儿|我院|本院|本中心)"
    r"(?:试试|看看|瞧瞧|试一试|看一看)"
    # (round 18) or to come to us (「别的医院说没办法？来找我们」)
    r"|\s*(?:那就|就|不妨|可以)?(?:来|到)?找(?:我们|本院|我院|本中心)(?=[。！!，,\s]|$)"
)
# (round 18) a question about what a rival did, answered with a verdict on it
# (「你之前去的医院是不是只给你开药？那是治标不治本」): one sentence, so `ad16-comparison` reads
# the rival with the verdict (the rule, not this join, decides: with no rival in the question,
# the verdict claims nothing of us)
_RIVAL_VERDICT = (
    r"\s*(?:那|这)(?:是|叫|就是|只是|不过是|纯属|都是)?"
    r"(?:治标不治本|瞎治|乱治|骗人|坑人|忽悠|浪费钱|白花钱)"
)
# (round-2 tester) the mark after a word of denial that answers a question and goes on to our
# answer (「根治脱发是不可能的？错！我院可以」) ends no sentence
_DENIED_MARK = (
    r"(?:(?<=[？?]错)|(?<=[？?]不)|(?<=[？?]不对)|(?<=[？?]非也)|(?<=[？?]未必)|(?<=错了)|(?<=错误)"
    r"|(?<=特错)|(?<=才不是)|(?<=当然不是))"
    rf"[！!]++(?=\s*(?:{_AFFIRM}))"
    # (issue 17, round 28) the past or others set aside, a full stop, then ours:
    # 那是过去。现在我院可以
    r"|(?:(?<=那是过去)|(?<=那是以前)|(?<=那是从前)|(?<=那是别人)|(?<=那是别家))"
    rf"[。.！!]++(?=\s*(?:现在|如今|今天)?\s*(?:{_AFFIRM}))"
    # the word of denial ending the line, our answer on the next (read joined by `check_report`)
    r"|[？?]++(?=\s*(?:错|不|不对|非也|未必)[！!，,]?\s*$)"
)
# Each run of marks is taken whole (possessive ++): a run that is no quote's end or
# question answered is never re-read shorter, character by character, which made a line of
# thousands of ？ quadratic (issue 17 verification: a paragraph of 100,000 ？ held a server
# worker, and every thread with it, for minutes); a run of marks that starts no sentence is
# a sentence of its own, read once, not tried again from each of its characters.
_SENTENCE = re.compile(
    rf"(?:(?:[^。！？!?]|[。！？!?]++[”’」』\"]|[？?]++(?={_ANSWER})|{_DENIED_MARK}|(?<=[我们生者主编式道径])[？?]++(?={_POINTED})"
    rf"|(?<=[院所构诊心生夫家])[？?]++(?={_RIVAL_ANSWER})|[？?]++(?={_TRY_HERE})|[？?]++(?={_RIVAL_VERDICT}))+"
    rf"[。！？!?]*+|[。！？!?]++)[”’」』\"]*",
    re.IGNORECASE,  # the answer's label: A：
)

# (round 13) marks that split a name from what follows it, written in body text
# (「引流健康｜微信咨询」「引流健康·在线问」): the folding drops them between two Chinese
# characters (they also hide a word: 「根｜治」), so a line with one is also read by the 科普
# rules with each mark as a comma, as a site name is read (`cms.site_forms._NAME_PARTS`)
# (round 13) a vertical bar's look-alikes split a name the same way (「引流健康丨微信咨询」 with the
# CJK stroke 丨 U+4E28, 〡 U+3021, ∣ U+2223, │┃ box drawing, ︱︳ vertical forms, ¦, ǀ U+01C0,
# ⎮, ❘❙, ⼁ U+2F01, ▏, ⏐, Hangul ㅣ): the 丨 stroke is a character, but one set between two
# words is only ever a bar (measured on the lawful corpus: no sentence has one)
_BARS = "｜|¦￤│┃∣丨〡︱︳⎮❘❙❚ǀ⼁▏▕⏐ㅣᅵ┆┇┊┋╎╏׀"
_NAME_MARKS = re.compile(rf"(?<=[\u4e00-\u9fff])[\s{_BARS}·•/／\-—–~～_]+(?=[\u4e00-\u9fff])")


def _parted_findings(
    rules: list[Rule], line: str, found: list[Finding], *, field: str, line_no: int
) -> list[Finding]:
    """The 科普 rules' findings in `line` read with its name marks as commas, less those a rule
    already found where they lie. Offsets are the line's: each mark becomes one comma."""
    science = [r for r in rules if r.scope == "science"]
    if not science or not _NAME_MARKS.search(line):
        return []
    parted = _NAME_MARKS.sub(lambda m: "，" * len(m.group(0)), line)
    folded, origin = read_spellings(*normalize_map(parted))
    sentences = _sentences(folded)
    more = []
    for rule in science:
        known = _Spans((g.start, g.end) for g in found if g.rule == rule.id)
        more.extend(
            f
            for f in _rule_findings(
                rule, folded, line, origin, field=field, line_no=line_no, sentences=sentences
            )
            if not known.overlaps(f.start, f.end)
        )
    return more


# Findings keep the context they were found in (clipped) so the editor can highlight them.
CONTEXT_CHARS = 40


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    reference: str
    message: str
    field: str
    line: int  # 1-based line within the field (or file)
    start: int  # 0-based character offset within the line
    end: int  # exclusive
    text: str

    @property
    def blocking(self) -> bool:
        return self.severity == "block"

    def scope_key(self) -> str:
        """What a review certificate covers: this rule on this wording, wherever it sits."""
        return f"{self.rule}:{self.text}"


@dataclass
class ComplianceReport:
    findings: list[Finding] = field(default_factory=list)
    rules_version: str = ""
    # (field, line) -> the line's text, for highlighting in the editor
    lines: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def has_blocking(self) -> bool:
        return any(f.blocking for f in self.findings)

    def context(self, finding: Finding) -> tuple[str, str, str]:
        """(before, match, after), clipped around the match; plain text, never HTML."""
        line = self.lines.get((finding.field, finding.line), finding.text)
        before = line[max(0, finding.start - CONTEXT_CHARS) : finding.start]
        after = line[finding.end : finding.end + CONTEXT_CHARS]
        if finding.start > CONTEXT_CHARS:
            before = "…" + before
        if finding.end + CONTEXT_CHARS < len(line):
            after += "…"
        return before, line[finding.start : finding.end], after

    def as_dicts(self) -> list[dict]:
        rows = []
        for finding in self.findings:
            row = asdict(finding)
            before, _, after = self.context(finding)
            row["before"], row["after"] = before, after
            rows.append(row)
        return rows

    def extend(self, other: ComplianceReport) -> None:
        self.findings.extend(other.findings)
        self.lines.update(other.lines)


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether [start, end) overlaps any span: the plain O(len(spans)) reading, kept for
    the few spans of a sentence; `_Taken` and `_Spans` answer the same in O(log n)."""
    return any(s < end and start < e for s, e in spans)


class _Spans:
    """Fixed spans that may overlap one another (a rule's exception matches), asked many
    times whether [start, end) overlaps one: sorted by start with the running maximum end,
    so a question costs a bisection (a line of 16,000 characters of 「保证治愈」 made the
    linear scan quadratic: round 8, L7)."""

    def __init__(self, spans: Iterable[tuple[int, int]]):
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []
        best = -1
        for _, e in ordered:
            best = max(best, e)
            self._max_end.append(best)

    def overlaps(self, start: int, end: int) -> bool:
        # the spans starting before `end`; one of them overlaps iff the furthest end > start
        k = bisect_left(self._starts, end)
        return k > 0 and self._max_end[k - 1] > start


class _Taken:
    """Spans kept so far, pairwise disjoint (a match overlapping one is dropped), so sorted
    by start their ends are sorted too and only the span before `end` can overlap."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []

    def overlaps(self, start: int, end: int) -> bool:
        k = bisect_left(self._spans, (end, -1))
        return k > 0 and self._spans[k - 1][1] > start

    def add(self, start: int, end: int) -> None:
        insort(self._spans, (start, end))


# An exception that reads a figure as someone else's (a study, a statistic, the country's
# patients: `cite` and the rules' study exceptions, marked `(?#cite)` in rules.toml) does not
# hold in a sentence that names us: 「本院研究表明有效率95%」, 「在本院，研究报告有效率95%」 and
# 「张主任团队的研究报告有效率95%」 tell our own result (issue 17 re-verification, point 2).
# Not a bare 我们 (「研究表明，我们每个人…」 is everyone).
_CITING = "(?#cite)"
OURS_INSTITUTION = re.compile(
    r"本院|我院|院内|院方|本中心|本诊所|本门诊|本科室|我科|本机构|本团队|我们(?:的)?(?:医院|中心|诊所"
    r"|门诊|团队|科室|研究|数据|统计|患者|病人)|咱们(?:医院|这里)|在我们这里?"
    r"|(?:主任|医生|教授|院长|大夫|专家)(?:的)?团队"
    # (round 30) our own treatment: 「约95%的患者用本方案后两周内痊愈」 is our result
    r"|本方案|本疗法|本疗程|我们的(?:方案|疗法)|我院(?:的)?(?:方案|疗法)"
)


# (issue 17, round-2 tester) who signs or says a text is no result of ours: a byline before its
# colon (「本院皮肤科李医生提醒：研究表明…有效率约为40%至60%」) or a label's value
# (「作者：本院睡眠医学中心 李主任医师」 over 「研究表明…」) names us without telling our result.
# Not a source (「来源：本院数据」: no signature), nor ours that researched or found
# (「本院专家团队研究发现：…」), nor ours after the colon (「李医生提醒：本院数据显示…」)
_BYLINE_LABELS = (
    r"作者|单位|审核|审稿|审校|医学审核|审核专家|指导专家|供稿|撰稿|撰文|文|图|编辑|责任编辑"
    r"|责编|主讲|讲者|嘉宾|专家|医生|医师|主任|专家简介|医生简介|简介|讲师|口述|整理"
)
# what a byline never holds: our data or findings, read over the whole byline (bounded)
_NOT_A_SIGNATURE = (
    r"(?![^。！？!?：:，,；;]{0,30}?(?:数据|统计|研究|病例|资料|临床|团队|发现|显示|表明|报告))"
)
_BYLINE = re.compile(
    rf"(?<![^。！？!?\s])(?:{_BYLINE_LABELS})\s*[:：]{_NOT_A_SIGNATURE}[^。！？!?，,；;:：]{{0,30}}"
    rf"|(?:{OURS_INSTITUTION.pattern}|我们|咱们|本科){_NOT_A_SIGNATURE}[^。！？!?：:，,；;]{{0,16}}?"
    r"(?:医生|医师|大夫|主任|教授|专家|护士|药师|营养师|治疗师|编辑|小编)"
    r"[^。！？!?：:，,；;]{0,6}?\s*[:：]"
    # (issue 17, round 28) her words reported, a comma after: 本院李医生说，研究发现…
    rf"|(?:{OURS_INSTITUTION.pattern}){_NOT_A_SIGNATURE}[^。！？!?：:，,；;]{{0,16}}?"
    r"(?:医生|医师|大夫|主任|教授|专家)[^。！？!?：:，,；;]{0,4}?(?:说|讲|提醒|指出|介绍|表示)\s*[，,]"
    # (round 37, helper-211) who put the text together: 本文由仁和健康整理 (the brand read 本院)
    rf"|(?:本文|本篇|文章|内容|本期)由(?:{OURS_INSTITUTION.pattern}){_NOT_A_SIGNATURE}"
    r"[^。！？!?：:，,；;]{0,16}?(?:整理|撰写|编写|撰稿|审核|审校|编辑|发布|出品|制作)"
)


def names_us(pattern: re.Pattern[str], text: str, lo: int = 0, hi: int | None = None) -> bool:
    """Whether `pattern` (`OURS_INSTITUTION` or `_OURS`) finds us in `text[lo:hi]` outside a
    byline or a label's value (`_BYLINE`)."""
    hi = len(text) if hi is None else hi
    found = [m.span() for m in pattern.finditer(text, lo, hi)]
    if not found:
        return False
    signed = [m.span() for m in _BYLINE.finditer(text, lo, hi)]
    return any(not any(s <= a and b <= e for s, e in signed) for a, b in found)


def _sentences(folded: str) -> list[tuple[int, int]]:
    return [m.span() for m in _SENTENCE.finditer(folded)]


# The sentence before, presenting a treatment of ours: 「本院开展该疗法。研究表明有效率95%。」
# tells our result; a byline (「本院皮肤科李医生提醒：…。研究表明…」) presents nothing
_OURS_OFFER = re.compile(
    r"(?:本院|我院|本中心|本诊所|本门诊|本科室|我科|我们)[^。！？!?]{0,8}?"
    r"(?:开展|引进|采用|推出|提供|独家|自主研发|率先|首创)"
    # (issue 17, round 28) invited to be treated here: 欢迎来本院用米诺地尔治疗
    r"|(?:欢迎|请|可)(?:来|到)(?:本院|我院|本中心|本诊所|我们这里)[^。！？!?]{0,10}?(?:治疗|就诊|面诊|调理)"
    # (round 35, F4.2) the study named ours in the sentence beside it: 该试验在本院完成
    r"|(?:该|此|这项|这个|这一|上述|以上)(?:研究|试验|调查|数据|统计|分析)[^。！？!?]{0,6}?"
    r"(?:在|由|来自|出自|于)(?:本院|我院|院方|本中心|本诊所|本科室|我科|我们)"
    # (round 36) the figures' source told as ours:
    # 「…从8.1%降到7.2%。（数据来源：本院2023年治疗患者）」
    r"|(?:数据|资料|病例|样本|案例)(?:来源|来自|出自|取自)[:：]?\s*(?:本院|我院|院方|本中心|本诊所|本科室|我科|我们)"
    # (round 36, fourth tester) a clinic by its kind presenting a treatment:
    # 「仁和睡眠门诊开展CBT-I。」
    r"|(?:医院|门诊|中心|诊所)[^。！？!?]{0,6}?(?:开展|引进|推出|独家提供)(?!了?一项)"
)


def _opens_with_offer(folded: str) -> bool:
    """Whether the line `folded` opens with a sentence presenting a treatment of ours."""
    sentences = _sentences(folded)
    return bool(sentences) and bool(_OURS_OFFER.search(folded, *sentences[0]))


def _ours(folded: str, sentences: list[tuple[int, int]], lo: int, hi: int) -> bool:
    """Whether the sentence `folded[lo:hi]` names us, or the sentence before or after it on the
    line presents a treatment of ours (`_OURS_OFFER`)."""
    if names_us(OURS_INSTITUTION, folded, lo, hi):
        return True
    k = bisect_left(sentences, (lo, -1))
    if k > 0 and _OURS_OFFER.search(folded, sentences[k - 1][0], lo):
        return True
    # (round-2 tester) or the sentence after it: 「研究表明有效率95%。本院开展该疗法。」
    return k + 1 < len(sentences) and bool(_OURS_OFFER.search(folded, *sentences[k + 1]))


# (round 33) Quotation marks set off a word (给我们打个“电话”, 来「我们这里」, 我们“根治”脱发):
# the patterns also read each sentence with its quotation marks taken out, and a match there is
# the rule's finding unless an exception matches the sentence as written, quotes and all (所谓
# “根治”是骗人的, 宣传“加微信领取”的都不可信: a quoted wording warned against stays lawful).
_QUOTE_MARKS = frozenset('“”‘’「」『』"')


def _unquoted_matches(
    rule: Rule, folded: str, sentences: list[tuple[int, int]]
) -> list[tuple[tuple[int, int], int, int]]:
    """Matches of `rule`'s patterns in `folded` read without its quotation marks, as spans of
    `folded` with the sentence (lo, hi) of `folded` each lies in. [] when `folded` has none."""
    if not any(ch in _QUOTE_MARKS for ch in folded):
        return []
    found = []
    for lo, hi in sentences:
        kept = [i for i in range(lo, hi) if folded[i] not in _QUOTE_MARKS]
        if len(kept) == hi - lo:
            continue
        bare = "".join(folded[i] for i in kept)
        for pattern in rule.patterns:
            for m in pattern.finditer(bare):
                if m.start() < m.end():
                    found.append(((kept[m.start()], kept[m.end() - 1] + 1), lo, hi))
    return found


def _rule_spans(
    rule: Rule,
    folded: str,
    sentences: list[tuple[int, int]],
    *,
    ours_first: bool = False,
    ours_last: bool = False,
) -> list[tuple[int, int]]:
    """The spans of `folded` (start, end; end exclusive) the rule finds: its patterns'
    matches, in pattern order, minus empty ones, those overlapping an exception's match and
    those overlapping a match already kept. `ours_first`: the line above ran on into this
    one and named us (「本院引进该疗法」 over 「研究表明有效率95%。」), so the first sentence
    is ours for the citing exceptions. `ours_last`: the next line of the paragraph opens by
    presenting a treatment of ours (「研究表明有效率约60%。」 over 「本院提供米诺地尔治疗。」),
    so the last sentence is ours for them (issue 17, round 28)."""
    # pos/endpos bound each search to one sentence without copying it: an exception or a
    # pattern cannot reach into the neighbouring sentence
    matches = [
        (m.span(), lo, hi)
        for pattern in rule.patterns
        for lo, hi in sentences
        for m in pattern.finditer(folded, lo, hi)
    ]
    matches.extend(_unquoted_matches(rule, folded, sentences))
    firm = _firm_spans(rule, folded, sentences)
    matches.extend((span, lo, hi) for span, lo, hi in firm)
    if not matches:
        return []
    # exceptions are only read in the sentences a pattern matched: most rules match nothing,
    # and the checker runs on every save
    hit = sorted({(lo, hi) for _, lo, hi in matches})
    ours = {
        (lo, hi)
        for lo, hi in hit
        if (ours_first and (lo, hi) == sentences[0])
        or (ours_last and (lo, hi) == sentences[-1])
        or _ours(folded, sentences, lo, hi)
    }
    excepted = _Spans(
        m.span()
        for pattern in rule.exceptions
        for lo, hi in hit
        if not ((lo, hi) in ours and _CITING in pattern.pattern)
        for m in pattern.finditer(folded, lo, hi)
    )
    unexcused = _Spans(span for span, _, _ in firm)
    taken = _Taken()
    kept = []
    for (start, end), _, _ in matches:
        if start == end or taken.overlaps(start, end):
            continue
        if excepted.overlaps(start, end) and not unexcused.overlaps(start, end):
            continue
        taken.add(start, end)
        kept.append((start, end))
    return kept


def _firm_spans(rule: Rule, folded: str, sentences: list[tuple[int, int]]):
    """((start, end), lo, hi) of the rule's firm patterns (`Rule.firm`) in each sentence
    (lo, hi), but those a firm exception matches over: what no other exception excuses."""
    if not rule.firm and not rule.firm_joined:
        return []
    found = [
        (m.span(), lo, hi)
        for pattern in rule.firm
        for lo, hi in sentences
        for m in pattern.finditer(folded, lo, hi)
        if m.start() < m.end()
    ]
    # up to four sentences in a row read as one (`Rule.firm_joined`): what the first denies, a
    # later one claims (two may stand between: round 35, F1.2 and the second tester's F1.5); a
    # match reaching past the first only
    found += [
        (m.span(), first[0], last[1])
        for pattern in rule.firm_joined
        for k, first in enumerate(sentences[:-1])
        for last in [sentences[min(k + 3, len(sentences) - 1)]]
        for m in pattern.finditer(folded, first[0], last[1])
        if m.start() < first[1] < m.end()
    ]
    if not found or not rule.firm_exceptions:
        return found
    public = _Spans(
        m.span()
        for pattern in rule.firm_exceptions
        for lo, hi in {(lo, hi) for _, lo, hi in found}
        for m in pattern.finditer(folded, lo, hi)
    )
    return [(span, lo, hi) for span, lo, hi in found if not public.overlaps(*span)]


def _finding(rule: Rule, *, field: str, line_no: int, start: int, end: int, text: str):
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        reference=rule.reference,
        message=rule.message,
        field=field,
        line=line_no,
        start=start,
        end=end,
        text=text,
    )


def _rule_findings(
    rule: Rule,
    folded: str,
    original: str,
    origin: list[int],
    *,
    field: str,
    line_no: int,
    sentences: list[tuple[int, int]],
    ours_first: bool = False,
    ours_last: bool = False,
):
    for start, end in _rule_spans(
        rule, folded, sentences, ours_first=ours_first, ours_last=ours_last
    ):
        # report the characters the editor typed, separators and all
        first, last = origin[start], origin[end - 1] + 1
        yield _finding(
            rule, field=field, line_no=line_no, start=first, end=last, text=original[first:last]
        )


# A line ending in one of these (closing quotes after it allowed) ends its sentence; any other
# line runs on into the next one. A semicolon or an ellipsis ends none, as inside a line
# (「我们保证；」 over 「治愈脱发」 is 我们保证；治愈脱发: issue 17 re-verification).
_ENDS_SENTENCE = re.compile(r"[。！？!?]+[”’」』\"]*\s*$")


# A share that ends a line after the measure it is the value of (完整率100%, 覆盖率达到百分之百,
# 服药依从性100%, 随访完成情况：100%) is that measure's, whole: the join never reads it as the
# start of a claim on the next line. Not a count (接诊例数3000例 over 治愈 reads 3000例治愈), nor a
# measure of ours (本院合格率100% over 治愈各类失眠: issue 17 re-verification); whether the
# measure itself is a claim (治愈率100%) is read in its line.
_RATE_VALUE = re.compile(
    r"(?:率|性|度|比例|占比|比率|比重|情况|完成|达标|合格|(?<!治愈)(?<!康复)占)"
    r"\s*(?:[:：]|为|是|约|约为|达|达到|高达|已达|超过|接近|近|在|保持在|维持在|占)?\s*$"
)
_OURS = re.compile(rf"我们|咱们|本科|{OURS_INSTITUTION.pattern}")
_VALUE = re.compile(
    r"\s*(?:\d+(?:\.\d+)?\s*(?:%|‰)|百分之[零一二三四五六七八九十百\d.]+|百分百|"
    r"[一二三四五六七八九十]+成)\s*"
)


# (round 29) a block left hanging on our promise or an outcome's rate label (「我们保证」,
# 「本院承诺：」, 「治愈率」, 「有效率：」): the blank line after it ends no paragraph, as the
# block ended no thought. A lone word (「保证」 over a blank line over 「治愈」: round 8), a
# heading or a sentence over a blank line is still read apart
_DANGLES = re.compile(
    r"(?:(?:我们|本院|我院|本中心|本诊所|咱们|我)[^。！？!?，,；;]{0,6}?"
    r"(?:保证|承诺|担保|确保|包管|保准|打包票|敢说)"
    r"|(?:治愈|治好|痊愈|根治|有效|好转|康复|显效|成功|生发|成活|存活|达标|满意|改善|缓解)"
    r"(?:率|比例|占比|人数|例数)"
    # (round 33) a verb that sends the reader to us with nothing after it (「给我们」 over
    # 「打个电话」 in two list items): the act is in the next block
    r"|(?<![^\s。！？!?，,；;：:])(?:给|来|到|去|加)(?:我们|咱们|本院|我院))"
    r"\s*[:：，,、—\-…~～]*\s*$"
)


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    folded: str
    origin: list[int]
    sentences: list[tuple[int, int]]


def _join_findings(
    rules: list[Rule],
    above: _Line,
    below: _Line,
    *,
    field: str,
    found: list[Finding],
    ours_before: bool = False,
) -> list[Finding]:
    """Findings in `above`'s last sentence joined to `below`'s first that cross the join:
    one finding per line spanned, each giving its line's part of the wording and `text` the
    whole wording, so the editor sees both halves and a certificate names the claim. A rule
    that already found something where the join's match lies, on either line, says nothing
    more (one finding for one wording)."""
    seam = _Seam.of(above, below)
    head, tail, joined, join = seam.head, seam.tail, seam.joined, seam.join
    findings = []
    edges: tuple[frozenset[int], frozenset[int]] | None = None
    for rule in rules:
        whole = [(0, len(joined))]
        spans = [(s, e) for s, e in _rule_spans(rule, joined, whole) if s < join < e]
        # a firm match across the join that a kept match inside one line shadowed (「…不等于
        # 药到病除，」 over 「但在本院可以。」: 药到病除, excused alone, is kept first): the claim
        # is the firm wording (round 35)
        spans += [
            span
            for span, _, _ in _firm_spans(rule, joined, whole)
            if span[0] < join < span[1] and not any(s < span[1] and span[0] < e for s, e in spans)
        ]
        for start, end in spans:
            edges = edges or _join_edges(head, tail)
            if start not in edges[0] and end - join not in edges[1]:
                # the match takes the end of a word of one line and the start of a word of
                # the next: 「先找准病根」 over 「治疗要从…」 says no 根治 (twentieth
                # verification C: a heading over its paragraph, a clean article refused)
                continue
            if (
                _RATE_VALUE.search(head[:start])
                and _VALUE.fullmatch(head[start:join])
                and not ours_before
                and not names_us(_OURS, head, 0, start)
            ):
                # the line ends on a rate's value: 「血糖记录完整率100%」 over 「治愈糖尿病目前
                # …」 lends its 100% to no cure (issue 17 verification, point 2); a value with
                # no rate before it (「我们100%」 over 「治愈脱发」) still reads on
                continue
            findings.extend(_split_findings(rule, seam, start, end, field=field, found=found))
    return findings


@dataclass(frozen=True)
class _Seam:
    """`above`'s last sentence (trailing space cut) joined to `below`'s first (leading space
    cut): `joined`, with the join at `join`; `last_lo` and `first_lo + lead` place each part
    back in its line's folded text."""

    above: _Line
    below: _Line
    head: str
    tail: str
    last_lo: int
    first_lo: int
    lead: int

    @classmethod
    def of(cls, above: _Line, below: _Line) -> _Seam:
        last_lo, last_hi = above.sentences[-1]
        first_lo, first_hi = below.sentences[0]
        tail = below.folded[first_lo:first_hi]
        lead = len(tail) - len(tail.lstrip())
        head = above.folded[last_lo:last_hi].rstrip()
        return cls(above, below, head, tail.lstrip(), last_lo, first_lo, lead)

    @property
    def joined(self) -> str:
        return self.head + self.tail

    @property
    def join(self) -> int:
        return len(self.head)


def _split_findings(
    rule: Rule, seam: _Seam, start: int, end: int, *, field: str, found: list[Finding]
) -> list[Finding]:
    """One finding per line of a match (start, end) of `seam.joined` across the join: each
    finding gives its line's part of the wording as typed and `text` the whole. A line whose
    part the rule already found says nothing more; the other line's part is still told
    (「我们保证」 over a slogan 「治愈脱发」 found on its own: the promise on line 1 is part of
    the claim)."""
    above, below, join = seam.above, seam.below, seam.join
    at = seam.first_lo + seam.lead
    a_first, a_last = above.origin[seam.last_lo + start], above.origin[seam.last_lo + join - 1] + 1
    b_first, b_last = below.origin[at], below.origin[at + end - join - 1] + 1
    untold = [
        (line, s, e)
        for line, s, e in ((above, a_first, a_last), (below, b_first, b_last))
        if not any(
            f.rule == rule.id and f.line == line.number and f.start < e and s < f.end for f in found
        )
    ]
    text = above.text[a_first:a_last] + below.text[b_first:b_last]
    return [
        _finding(rule, field=field, line_no=line.number, start=s, end=e, text=text)
        for line, s, e in untold
    ]


def _short_between(line: _Line, *, answered_by_us: bool = False) -> bool:
    """A line short enough to stand between a denial and its reclaim (at most two sentences of
    24 characters or fewer: a question, a remark, a list item), not a paragraph of its own."""
    if len(line.sentences) > 2 or len(line.folded.strip()) > 24:
        return False
    # a question of its own ends the reading (「哪里能做多导睡眠监测？」 over
    # 「在三甲医院的睡眠门诊可以。」: the answer is to it; round 35, third tester F0), one
    # about us does not (「本院呢？」)
    if answered_by_us:
        return True
    return not line.folded.rstrip().endswith(("？", "?")) or names_us(OURS_INSTITUTION, line.folded)


def _firm_join_findings(
    rules: list[Rule], above: _Line, below: _Line, *, field: str, found: list[Finding]
) -> list[Finding]:
    """Findings of the rules' joined firm patterns (`Rule.firm_joined`) in `above`'s last
    sentence followed by `below`'s first: a claim denied at the end of one line (or block) and
    made ours at the start of the next (「按时吃药不等于药到病除。」 over 「在本院可以。」:
    issue 17, round 35), blank lines between or not. One finding per line spanned, as
    `_join_findings`; nothing more where the rule already found that part."""
    joined_rules = [rule for rule in rules if rule.firm_joined]
    if not joined_rules:
        return []
    seam = _Seam.of(above, below)
    joined, join = seam.joined, seam.join
    if not seam.head or not seam.tail:
        return []
    findings = []
    for rule in joined_rules:
        # its firm patterns too: list items stand apart (a blank line between, html_text's
        # `blocks_text`) and end no sentence, 「• 按时吃药不等于药到病除」「• 但在本院可以」
        spans = [
            m.span()
            for pattern in (*rule.firm, *rule.firm_joined)
            for m in pattern.finditer(joined)
            if m.start() < join < m.end()
        ]
        public = _Spans(
            m.span() for pattern in rule.firm_exceptions for m in pattern.finditer(joined)
        )
        for start, end in spans:
            if public.overlaps(start, end):
                continue
            findings.extend(
                _split_findings(rule, seam, start, end, field=field, found=found + findings)
            )
    return findings


def _join_edges(head: str, tail: str) -> tuple[frozenset[int], frozenset[int]]:
    """Where words start in `head` and end in `tail`, each line cut alone (`search.word_edges`):
    a match read across the join that starts inside a word of the line above and ends inside
    a word of the line below joins two fragments, no wording anyone reads. A claim split
    between whole words (「保证」 over 「治愈脱发」, 「100%保证根」 over 「治」) is still one."""
    from cms.search import word_edges  # jieba loads only when a match crosses a join

    return word_edges(head)[0], word_edges(tail)[1]


# What the second reader's finding says: it names the kinds it reads for, not a wording.
MODEL_RULE = "model-claim"
MODEL_REFERENCE = "广告法第十六条、第二十八条；医疗广告管理办法第七条"
MODEL_MESSAGE = (
    "整句读起来像医疗广告禁止的内容（疗效或治愈保证、治愈率、与他院比较、代言或患者证言、"
    "立竿见影、无副作用等；模型判读 {probability:.0%}，规则未命中具体措辞）。"
    "请改写为中性的科普表述；确属事实陈述的，请交医疗广告审查人员复核"
)


# Bidi embeddings, overrides and isolates (LRE RLE PDF LRO RLO U+202A–202E, LRI RLI FSI PDI
# U+2066–2069) make a line display in another order than it is stored: 「本方案\u202e发脱治根
# \u202c」 displays 本方案根治脱发. Reading the run in display order would need the whole
# Unicode bidi algorithm (UAX #9) and a guess at the reader's base direction; Chinese
# content has no use for these controls at all, so their presence is itself the finding
# (round 9). The marks LRM/RLM (U+200E/200F) reorder nothing on their own and are dropped by
# `cms.textnorm` like any invisible character.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]+")
BIDI_RULE = "bidi-control"
BIDI_REFERENCE = "《广告法》第四条、第二十八条（以隐藏方式发布虚假或误导内容）"
BIDI_MESSAGE = (
    "内容含有双向文字控制符（如 U+202E），页面显示的文字顺序与保存的文字不同，"
    "可能借此隐藏违规表述。中文内容不需要这类字符，请删除后重新保存"
)


def _hidden_findings(
    rule: str, message: str, runs: list[tuple[int, int, str]], *, field: str, line_no: int
) -> list[Finding]:
    """One blocking finding per (start, end, text) run of characters that hide or reorder a
    line's text (bidi or control characters; offsets in the line)."""
    return [
        Finding(
            rule=rule,
            severity="block",
            reference=BIDI_REFERENCE,
            message=message,
            field=field,
            line=line_no,
            start=start,
            end=end,
            text=text,
        )
        for start, end, text in runs
    ]


def _bidi_findings(line: str, *, field: str, line_no: int) -> list[Finding]:
    """One blocking finding per run of bidi controls in `line` (offsets in the line)."""
    runs = [(m.start(), m.end(), m.group(0)) for m in _BIDI_CONTROLS.finditer(line)]
    return _hidden_findings(BIDI_RULE, BIDI_MESSAGE, runs, field=field, line_no=line_no)


# A control character (C0, DEL, C1) other than the tab and the line ends shows as nothing or a
# box; typed between two characters of a claim (「治\x01愈率百分百」) it kept the words apart
# until round 33. `cms.textnorm` now reads through it, and, as with a bidi control, its presence
# is itself a blocking finding: Chinese content has no use for one, and what a browser shows
# of it differs from browser to browser. `str.splitlines` also ends a line at VT, FF, FS, GS, RS
# and NEL (U+000B, 000C, 001C–001E, 0085), which no editor types as a line end: those are
# found where they end a line.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]+")
_LINE_ENDS_BY_CONTROL = frozenset("\x0b\x0c\x1c\x1d\x1e\x85")
CONTROL_RULE = "control-character"
CONTROL_MESSAGE = (
    "内容含有不可见的控制字符（如 U+0001、U+007F、U+0085），页面上显示为空白或方框，"
    "可能借此拆开违规表述；中文内容不需要这类字符，请删除后重新保存"
)


def _control_findings(line: str, ending: str, *, field: str, line_no: int) -> list[Finding]:
    """One blocking finding per run of control characters in `line`, and one for a control
    character that ends it (`ending`, the line's terminator as `str.splitlines` cut it);
    `text` names the characters (U+0001), which show as nothing."""
    runs = [(m.start(), m.end(), m.group(0)) for m in _CONTROLS.finditer(line)]
    if ending and ending[0] in _LINE_ENDS_BY_CONTROL:
        runs.append((len(line), len(line), ending[0]))
    named = [
        (start, end, " ".join(f"U+{ord(ch):04X}" for ch in chars)) for start, end, chars in runs
    ]
    return _hidden_findings(CONTROL_RULE, CONTROL_MESSAGE, named, field=field, line_no=line_no)


@dataclass(frozen=True)
class _Unread:
    """A sentence no blocking rule found anything in, for the second reader."""

    line_no: int
    folded: str
    start: int  # in the line as written
    end: int
    text: str

    def finding(self, *, field: str, probability: float) -> Finding:
        return Finding(
            rule=MODEL_RULE,
            severity="block",
            reference=MODEL_REFERENCE,
            message=MODEL_MESSAGE.format(probability=probability),
            field=field,
            line=self.line_no,
            start=self.start,
            end=self.end,
            text=self.text,
        )


def _unread_sentences(
    line: str,
    folded: str,
    origin: list[int],
    sentences: list[tuple[int, int]],
    line_no: int,
    blocked: _Spans,
    skips: tuple[re.Pattern[str], ...] = (),
) -> list[_Unread]:
    unread = []
    for lo, hi in sentences:
        sentence = folded[lo:hi]
        if not classifier.readable(sentence):
            continue
        # trim the sentence's outer spaces so the highlight is the sentence
        lo += len(sentence) - len(sentence.lstrip())
        hi -= len(sentence) - len(sentence.rstrip())
        first, last = origin[lo], origin[hi - 1] + 1
        if blocked.overlaps(first, last):
            continue  # the rules already said what is wrong with it
        debunk = _DEBUNK.search(folded, lo, hi)
        if debunk:
            lo = debunk.end()
            if not classifier.readable(folded[lo:hi]):
                continue
            first = origin[lo]
        read = _without_framings(folded, lo, hi, skips)
        if read is None:
            continue
        unread.append(_Unread(line_no, read, first, last, line[first:last]))
    return unread


# A block cut after a comma, a colon or a dash (「我们保证，」 over 「治愈脱发」) ends a
# clause, not a thought: the second reader reads it with the next block's first sentence as
# one, as the rules do for every block that ends no sentence. Only then: a heading over its
# paragraph (「失眠的治疗」 over 「认知行为治疗是首选」) reads as two for the model, which has
# seen no such joins.
_CUT_CLAUSE = re.compile(r"[，,、：:—\-；;…~～]\s*$")


def _unread_join(
    above: _Line, below: _Line, found: list[Finding], per_line: dict[int, list[Finding]]
) -> list[_Unread]:
    """`above`'s last sentence joined to `below`'s first, for the second reader, reported on
    `below`'s sentence with the whole wording; nothing when a blocking finding already lies in
    either part or the join is too short to read."""
    last_lo, last_hi = above.sentences[-1]
    first_lo, first_hi = below.sentences[0]
    head = above.folded[last_lo:last_hi].strip()
    tail = below.folded[first_lo:first_hi].strip()
    joined = head + tail
    if not tail or not classifier.readable(joined):
        return []
    a_first, a_last = above.origin[last_lo], above.origin[last_hi - 1] + 1
    lead = len(below.folded[first_lo:first_hi]) - len(below.folded[first_lo:first_hi].lstrip())
    b_first = below.origin[first_lo + lead]
    b_last = below.origin[first_lo + lead + len(tail) - 1] + 1
    blocked = [
        (f.line, f.start, f.end) for f in found + per_line.get(above.number, []) if f.blocking
    ]
    if any(
        (line == above.number and s < a_last and a_first < e)
        or (line == below.number and s < b_last and b_first < e)
        for line, s, e in blocked
    ):
        return []
    text = above.text[a_first:a_last].strip() + below.text[b_first:b_last]
    return [_Unread(below.number, joined, b_first, b_last, text)]


def _without_framings(
    folded: str, lo: int, hi: int, skips: tuple[re.Pattern[str], ...]
) -> str | None:
    """The sentence `folded[lo:hi]` as the second reader reads it: without the spans of the
    lawful framings (`RuleSet.skips`: 「目前没有任何方法能彻底治愈…」), the rest joined by a
    comma; None when what is left is too short to read (the framing was the sentence)."""
    spans = sorted(m.span() for pattern in skips for m in pattern.finditer(folded, lo, hi))
    if not spans:
        return folded[lo:hi]
    parts, at = [], lo
    for start, end in spans:
        if start > at:
            parts.append(folded[at:start])
        at = max(at, end)
    parts.append(folded[at:hi])
    read = "，".join(p.strip("，,、；; ") for p in parts if p.strip("，,、；; "))
    return read if classifier.readable(read) else None


def _probabilities(unread: list[_Unread]) -> list[float]:
    if not unread:
        return []
    return classifier.model().probabilities([u.folded for u in unread])


# (issue 17, round 37) The clinic's own names are ours: its site name (the brand), its
# institutions' names and its doctors' names. The rules knew us only as 本院/我院/我们…, so a
# study, a price or a rate told under the brand or a doctor's name read as someone else's
# (「一项在引流健康完成的研究显示，有效率达95%」「张主任牵头的研究显示…」).
# - The brand and the institutions: each line is read with them written 本院 (the characters
#   still point at the name as typed, so a finding highlights what the editor wrote).
# - A doctor makes her sentence ours only as the owner of its result (张主任牵头的研究 /
#   张建国的研究显示 / 李医生团队的临床数据), not when she explains or advises (张主任解释，国外
#   研究显示… / …，李医生提醒要坚持用药: a doctor of ours cites as anyone does). She is her
#   full name, or her surname and a title at the start of its clause or after us or a word of
#   relation (由张主任牵头, 本院的张主任); 斯坦福的张教授 / 协和医院皮肤科张主任 are someone else.
_DOCTOR_TITLES = (
    "主任医师|副主任医师|主治医师|副主任|主任|医生|医师|教授|副教授|大夫|院长|专家|博士"
)
# Characters that are surnames and also words before 医生 (请向医生咨询, 提高医生的…): with
# them only the titles no word runs into (向主任, 高教授)
_SURNAMES_IN_WORDS = frozenset("向于和与及跟高全常时从由给对为经关")
_RANK_TITLES = "主任|副主任|教授|副教授|院长|大夫"
# what may stand between the clause's start and her surname
_BEFORE_OUR_DOCTOR = re.compile(
    r'\s*[“"「『‘]?\s*(?:本院|我院|我们|咱们|院内)?(?:医院|门诊|科室|团队)?的?\s*'
    r"(?:一项|这项|该项?|此项|这个|这些|那项)?(?:这|那)?(?:也|正|就)?"
    r"(?:由|经|是|和|与|跟|在|据|请|让|为|跟随|带领)?\s*"
)
# or a quoted wording said to be hers: “无效退款”是张主任的承诺 / “…”——这是张主任对患者的承诺
_QUOTED_THEN_HERS = re.compile(
    r'[^。！？!?；;，,]*[”"」』’]\s*(?:——|—|-|－)?\s*(?:这|那)?(?:也|正|就|乃|一直|向来|始终)?是\s*$'
)
# what makes her the owner of the sentence's result, in her clause
# Between her and the owning word, no word of passing a study on (刘医生引用的研究 / 王主任提到的
# 研究 / 王主任分享的研究 are others' studies she cites) and no aside (王教授（北京大学）的研究)
_PASSED_ON = (
    "引用|引述|提到|提及|分享|介绍|推荐|转述|转发|解读|翻译|讲|说|看到|读到|关注|解释|告诉|认为"
    "|指出|表示|的话|读|看|查阅|整理|摘录|综述|参考"
)
_OWNED_AFTER = re.compile(
    rf"(?:{_DOCTOR_TITLES})*(?:(?!{_PASSED_ON})[^。！？!?，,；;：:（）()【】\[\]]){{0,6}}?"
    r"(?:牵头|主导|领衔|带领|主持|负责|团队|课题组|研究组|的研究|研究(?:显示|发现|表明|证实|证明|报告)"
    r"|的?数据|的?临床(?:数据|观察|研究|经验|统计)?|的?病例|的?统计|完成的|开展的|的患者|接诊的?"
    r"|诊治的?|治疗的|经手|亲自|手术的?|操刀"
    # her and her co-authors' paper: 李文静等发表于《中华皮肤科杂志》的研究
    r"|等人?(?:发表|完成|开展|报告|报道)"
    # her promise or her slogan: “无效退款”是张主任的承诺
    r"|承诺|口号|口头禅|广告语|宣传语|标语|卖点|保证"
    # a line that ends on her team (a heading 「张主任团队」 over 「研究显示…」): its clause runs
    # on; not her name alone (a heading 「王海燕主任」 over a cited figure names the expert)
    r"|(?:的)?团队\s*$)"
)
# A brand of two characters (仁和) is a name only beside what an institution is called or does:
# 「仁和医院」「仁和的医生」; alone it may be a word (健康, 睡眠) and every line would be ours.
# (a treatment under it: 仁和CBT-I; its results: 仁和的研究)
# Not after a place (深圳市康宁医院 is another hospital of the name). A brand that is an everyday
# word (a site named 健康 or 睡眠: jieba's corpus uses it `_EVERYDAY_WORD` times or more) only
# beside what an institution is called (健康医院): 「关于健康的研究显示…」 is no study of ours.
_SHORT_NAME_KIND = (
    r"(?=[A-Za-z]|的?(?:医院|医疗|门诊|诊所|中心|集团|团队|医生|专家|皮肤|睡眠|健康|专科"
    r"|研究|数据|统计|方案|疗法|疗程|患者|病例|承诺|口号|广告语)|(?:完成|开展|进行|牵头|主导|联合|合作))"
)
_SHORT_NAME_INSTITUTION = r"(?=(?:医院|医疗|门诊|诊所|集团|专科|皮肤科|睡眠中心))"
_EVERYDAY_WORD = 500
_NOT_AFTER_A_PLACE = r"(?<![市省县区州镇乡村])"
# A person's name (`_PERSON_NAME`, below): two to four Chinese characters, or a minority name
# with its dot (阿依·买买提); a doctor page titled 「国家级专家王医生」 is no name.
_CLAUSE_MARKS = "。！？!?；;，,：:"
_COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 独孤 南宫 西门"
    " 百里 呼延 澹台 申屠 太史 闻人 公冶 濮阳 淳于 钟离 万俟 赫连 拓跋 鲜于 闾丘 司空 亓官".split()
)
# (a compound surname takes up to three more: 欧阳文静华)
_PERSON_NAME = re.compile(
    rf"[\u4e00-\u9fff]{{2,4}}|(?:{'|'.join(sorted(_COMPOUND_SURNAMES))})[\u4e00-\u9fff]{{1,3}}"
    r"|[\u4e00-\u9fff]{1,6}[·•・][\u4e00-\u9fff]{1,6}"
)


@dataclass(frozen=True)
class Ours:
    """The clinic's own names (`cms.compliance.ours.own_names` reads them from the Sites and the
    doctor pages): `names` are brands and institutions (引流健康, 上海徐汇皮肤病专科门诊部),
    `doctors` are people (李文静). Ignored: names shorter than two characters, doctors' names
    that are no person's name (`_PERSON_NAME`), and any name a blocking rule finds something
    in (`_plain_name`)."""

    names: tuple[str, ...] = ()
    doctors: tuple[str, ...] = ()

    def patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        """(brands and institutions, doctors), compiled once per set of names."""
        return _own_names_pattern(self.names), _own_doctors_pattern(self.doctors)


def _fold(name: str) -> str:
    return read_spellings(*normalize_map(name.strip()))[0]


def _plain_name(name: str) -> bool:
    """Whether `name` says nothing the rules block (science scope, rules alone): a brand
    「根治脱发医院」 read as 本院 would hide its own claim wherever it is written."""
    return not check_report(name, scopes={"science"}, second_reader=False).has_blocking


@lru_cache(maxsize=64)
def _own_names_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    folded = {_fold(n) for n in names if len(n.strip()) >= 2 and _plain_name(n)}
    parts = [re.escape(n) for n in sorted(folded, key=len, reverse=True) if len(n) >= 3]
    from cms.compliance.doctors import word_frequency  # doctors imports this module

    parts += [
        _NOT_AFTER_A_PLACE
        + re.escape(n)
        + (_SHORT_NAME_INSTITUTION if word_frequency(n) >= _EVERYDAY_WORD else _SHORT_NAME_KIND)
        for n in sorted(folded)
        if len(n) == 2
    ]
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _person_name(title: str) -> str:
    """The person's name of a doctor page's title: 「李文静 主任医师」 and 「李文静主任」 are
    李文静; "" when what is left is no person's name (`_PERSON_NAME`)."""
    name = re.split(r"[\s,，(（]", title.strip(), maxsplit=1)[0]
    name = re.sub(f"(?:{_DOCTOR_TITLES})+$", "", name)
    return name if _PERSON_NAME.fullmatch(name) else ""


@lru_cache(maxsize=64)
def _own_doctors_pattern(doctors: tuple[str, ...]) -> re.Pattern[str] | None:
    folded = {_fold(n) for n in map(_person_name, doctors) if n and _plain_name(n)}
    if not folded:
        return None
    # her surname: a compound one (司马云 is 司马), 欧阳 of a four-character name, else the
    # first character
    surnames = {
        f[:2] if f[:2] in _COMPOUND_SURNAMES or len(f) >= 4 else f[:1] for f in folded
    }
    titled = [
        f"(?:{'|'.join(map(re.escape, sorted(group)))})(?=(?:{titles}))"
        for group, titles in (
            (surnames - _SURNAMES_IN_WORDS, _DOCTOR_TITLES),
            (surnames & _SURNAMES_IN_WORDS, _RANK_TITLES),
        )
        if group
    ]
    whole = "|".join(map(re.escape, sorted(folded, key=len, reverse=True)))
    return re.compile(f"(?P<name>{whole})|(?P<surname>{'|'.join(titled)})")


def read_own_names(
    folded: str, origin: list[int], pattern: re.Pattern[str] | None
) -> tuple[str, list[int]]:
    """(folded, origin) with each brand or institution of ours (`Ours.patterns`) read as 本院;
    the two characters point at the first and the last character of the name as typed."""
    if pattern is None:
        return folded, origin
    return _written_ours(folded, origin, [m.span() for m in pattern.finditer(folded)])


def _written_ours(
    folded: str, origin: list[int], spans: list[tuple[int, int]]
) -> tuple[str, list[int]]:
    """(folded, origin) with each of `spans` (in order, apart) written 本院, its two characters
    pointing at the first and the last character of the span as typed."""
    if not spans:
        return folded, origin
    out: list[str] = []
    mapped: list[int] = []
    at = 0
    for start, end in spans:
        out.append(folded[at:start])
        mapped.extend(origin[at:start])
        out.append("本院")
        mapped.extend((origin[start], origin[end - 1]))
        at = end
    out.append(folded[at:])
    mapped.extend(origin[at:])  # the end sentinel included
    return "".join(out), mapped


def read_our_doctors(
    folded: str, origin: list[int], pattern: re.Pattern[str] | None
) -> tuple[str, list[int]]:
    """(folded, origin) with the name of each doctor of ours who owns what her clause tells
    (`_OWNED_AFTER`) read as 本院, her title kept (张主任牵头的研究 → 本院主任牵头的研究). Her
    surname and a title count only where `_BEFORE_OUR_DOCTOR` leads to her from the clause's
    start."""
    if pattern is None or not pattern.search(folded):
        return folded, origin
    spans = []
    for match in pattern.finditer(folded):
        start, end = match.span()
        if match.lastgroup == "surname":
            clause = max(folded.rfind(mark, 0, start) for mark in _CLAUSE_MARKS) + 1
            if not (
                _BEFORE_OUR_DOCTOR.fullmatch(folded, clause, start)
                or _QUOTED_THEN_HERS.fullmatch(folded, clause, start)
            ):
                continue  # someone else's: 斯坦福的张教授, 协和医院皮肤科张主任
        if _OWNED_AFTER.match(folded, end):
            spans.append((start, end))
    return _written_ours(folded, origin, spans)


def _read_ours(
    plain: tuple[str, list[int]],
    names: re.Pattern[str] | None,
    doctors: re.Pattern[str] | None,
) -> tuple[str, list[int]]:
    return read_our_doctors(*read_own_names(*plain, names), doctors)


def check_report(
    text: str,
    *,
    field: str = "",
    scopes: Collection[str] = (),
    ruleset: RuleSet | None = None,
    second_reader: bool = True,
    ours: Ours | None = None,
) -> ComplianceReport:
    """Findings of the rules, then of the second reader (`cms.compliance.classifier`) on each
    sentence of at least `MIN_CHARS` Chinese characters that no blocking rule found anything
    in. `second_reader=False` reads with the rules alone (measurements of the rules). `ours`:
    the clinic's own names: brands and institutions read as 本院, a doctor as the owner of her
    sentence's result (a study or a rate under them is our result: `Ours`)."""
    own, doctors = ours.patterns() if ours is not None else (None, None)
    ruleset = ruleset or load_rules()
    report = ComplianceReport(rules_version=ruleset.version)
    if second_reader:
        report.rules_version = f"{ruleset.version}+{classifier.MODEL_VERSION}"
    rules = [r for r in ruleset.rules if not r.scope or r.scope in scopes]
    per_line: dict[int, list[Finding]] = {}
    unread: list[_Unread] = []  # sentences for the second reader
    previous: _Line | None = None
    previous_asks = False
    # whether a line before `previous` in the same run of blocks that end no sentence names
    # us: 「本院数据」 over 「合格率100%」 over 「治愈各类失眠」 is our share read on
    ours_before = False
    every_line = (text or "").splitlines()
    endings = [
        whole[len(line) :]
        for whole, line in zip((text or "").splitlines(keepends=True), every_line, strict=True)
    ]
    upcoming = None  # the next line, read ahead (`_opens_with_offer`)
    # the last line with text, blank lines or not: a claim denied there and made ours in the
    # next line is one claim (`_firm_join_findings`)
    above: _Line | None = None
    above_before: _Line | None = None  # the line with text before `above`
    for line_no, line in enumerate(every_line, start=1):
        if not line.strip():
            upcoming = None
            if previous is not None and _DANGLES.search(previous.folded):
                # (round 29) a block that is a promise or a rate's label with nothing after it
                # (「我们保证」 or 「治愈率」, a blank line, 「您的脱发能治愈」 or 「95%」) says
                # nothing until what follows: it runs on over the blank line
                continue
            previous = None  # a blank line ends a paragraph
            ours_before = False
            continue
        # the line as typed (folded), and as the rules read it: our names written 本院
        plain = upcoming[0] if upcoming else read_spellings(*normalize_map(line))
        folded, origin = upcoming[1] if upcoming else _read_ours(plain, own, doctors)
        sentences = _sentences(folded)
        following = every_line[line_no] if line_no < len(every_line) else ""
        upcoming = None
        if following.strip():
            upcoming_plain = read_spellings(*normalize_map(following))
            upcoming = (upcoming_plain, _read_ours(upcoming_plain, own, doctors))
        # the next line of the paragraph presents our treatment: this line's last sentence is
        # ours (「研究表明有效率约60%。」 over 「本院提供米诺地尔治疗。」: issue 17, round 28)
        ours_last = upcoming is not None and _opens_with_offer(upcoming[1][0])
        if previous is not None and previous_asks and not _ANSWERS.match(folded):
            previous = None  # a question, and this line does not answer it
            ours_before = False
        # the line above runs on into this one and names us: its first sentence is ours
        ours_first = previous is not None and (
            ours_before or names_us(OURS_INSTITUTION, previous.folded)
        )
        found = [
            f
            for rule in rules
            for f in _rule_findings(
                rule,
                folded,
                line,
                origin,
                field=field,
                line_no=line_no,
                sentences=sentences,
                ours_first=ours_first,
                ours_last=ours_last,
            )
        ]
        found.extend(_bidi_findings(line, field=field, line_no=line_no))
        found.extend(_control_findings(line, endings[line_no - 1], field=field, line_no=line_no))
        found.extend(_parted_findings(rules, line, found, field=field, line_no=line_no))
        current = _Line(line_no, line, folded, origin, sentences)
        # the line above, and the one before it over a short line between (a question, a remark:
        # 「吃药不等于根治。」「本院呢？」「但在本院可以。」, FAQ items or list items: round 35,
        # second tester F1.5, F7.2, F7.3)
        reaches = [above] if above is not None else []
        if (
            above_before is not None
            and above is not None
            # a question of its own between ends the reading, unless this line names us
            # (「怎么办？」 over 「在本院可以。」: round 35, fourth tester F1)
            and _short_between(above, answered_by_us=names_us(_OURS, folded))
        ):
            reaches.append(above_before)
        for earlier in reaches:
            if not (sentences and earlier.sentences):
                continue
            known = per_line.get(earlier.number, []) + found
            for finding in _firm_join_findings(rules, earlier, current, field=field, found=known):
                if finding.line == line_no:
                    found.append(finding)
                else:
                    per_line.setdefault(finding.line, []).append(finding)
        above_before, above = above, current
        if previous is not None and sentences and previous.sentences:
            known = per_line.get(previous.number, []) + found
            for finding in _join_findings(
                rules, previous, current, field=field, found=known, ours_before=ours_before
            ):
                if finding.line == line_no:
                    found.append(finding)
                else:
                    per_line.setdefault(finding.line, []).append(finding)
            if second_reader and _CUT_CLAUSE.search(previous.folded):
                unread.extend(_unread_join(previous, current, found, per_line))
        previous_asks = bool(_ASKS.search(folded))
        ours_before = previous is not None and (ours_before or names_us(_OURS, previous.folded))
        previous = current if previous_asks or not _ENDS_SENTENCE.search(folded) else None
        if previous is None:
            ours_before = False
        if found:
            per_line[line_no] = found
        if second_reader:
            blocked = _Spans((f.start, f.end) for f in found if f.blocking)
            # the second reader reads our names as typed: it learnt sentences, not our names
            # (「张主任说，很多患者一听到激素就害怕。」 is no claim for being ours)
            plain_folded, plain_origin = plain
            unread.extend(
                _unread_sentences(
                    line,
                    plain_folded,
                    plain_origin,
                    _sentences(plain_folded) if plain_folded != folded else sentences,
                    line_no,
                    blocked,
                    ruleset.skips,
                )
            )
    told: set[tuple[int, int, int]] = set()  # a sentence read alone and joined: told once
    for sentence, probability in zip(unread, _probabilities(unread), strict=True):
        where = (sentence.line_no, sentence.start, sentence.end)
        if probability >= classifier.THRESHOLD and where not in told:
            told.add(where)
            per_line.setdefault(sentence.line_no, []).append(
                sentence.finding(field=field, probability=probability)
            )
    lines = (text or "").splitlines()
    for line_no in sorted(per_line):
        report.lines[(field, line_no)] = lines[line_no - 1]
        report.findings.extend(sorted(per_line[line_no], key=lambda f: (f.start, f.rule)))
    return report


def check_text(
    text: str, *, field: str = "", scopes: Collection[str] = (), ours: Ours | None = None
) -> list[Finding]:
    """Findings for `text`, line by line. `scopes={"science"}` adds the 科普-only rules
    (广告法第十九条: contact details and calls to action); `ours` as `check_report`."""
    return check_report(text, field=field, scopes=scopes, ours=ours).findings


def blocking_problems(text: str) -> list[str]:
    """The blocking findings for `text` as readable lines (rule「wording」：message), for text
    the clinic sends outside the CMS; registered with `funnel.public_text` by `CmsConfig`. Such
    text carries no review certificate, so every blocking finding stops it."""
    return [f"{f.rule}「{f.text}」：{f.message}" for f in check_text(text) if f.blocking]
