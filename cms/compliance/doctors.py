"""One doctor, one set of credentials (issue 17 point 6): a doctor named in a page's text
with a 职称 or a 医师执业证书编码 is a doctor of the doctor pages (`cms.models.DoctorPage`),
introduced with the 职称 and the licence number that page registers.

A landing page's doctor block reads its credentials from the doctor page already; free text
can still state others (「李文静主任医师为您面诊，执业证号110310000099999」 while her page
says 副主任医师 and another number), or present a doctor who has no page at all
(「王医生（主任医师，医师执业证书编码110101199001011）亲诊」). Every page is read, 科普 or ad:
《医疗广告管理办法》第六条 lets an ad state only the registered facts (the registered
doctors' 专业技术职称 among them), and a credential the doctor does not hold is false or
misleading (《广告法》第四条、第二十八条) wherever it is printed.

What is read (`page_texts`, the texts the checker reads, through `cms.textnorm` first):
- a person named with a 职称, in either order or in brackets: 「李文静主任医师」
  「主治医师李文静」「李文静（主任医师）」「王医生（主任医师，…）」「王建华老师（主任医师）」
  (老师 / 专家 / 博士 / 教授 before the bracket); a 职称 said with 医生 / 大夫 is the 医师 rank
  (「主任大夫王建华」 states 主任医师);
- a name and a 职称 apart: across a comma or a colon, the name starting its clause
  (「李文静，主任医师，…」「主任医师：李文静」), or linked by 是 / 为 / 系 / 现为 / 现任 / 担任
  with at most a short department or hospital word between (「王建华为我院主任医师」
  「李文静现任皮肤科主任医师」), an adverb before the verb (「李文静也是主任医师」), the 职称
  ending its clause; the 职称 first, then a comma or colon and a name ending its clause
  (「主任医师，李文静」); a praise word before the 职称 (「李文静，资深主任医师」); a second
  职称 after 、/和/及/兼 is the same doctor's; 作为 before a 职称 that need not end its clause
  (「王建华作为主任医师亲自面诊」, 身为, 以…身份, 「作为主任医师的王建华」); more titles between the
  职称 and the name after it (「主任医师、博士生导师王建华」); 是一位, 任, a comma before 现任;
  【】 as brackets; 「姓名：… 职称：…」; several names after one 职称 (「主任医师赵建国、孙晓梅」);
  bio items a card lists between the name and the 职称 (「赵明远，男，主任医师」
  「李文静，医学博士，主任医师」「李文静，从医16年，主任医师」; a title and 、:
  「李文静博士、主任医师亲诊」, the last item's verb: 「李文静，女，1980年生，现任主任医师」;
  `_BIO_ITEM`); a longer place with praise between the verb and the 职称
  (「李文静是我院资深的皮肤科主任医师」);
- a licence number: 执业证号 / 执业证书编码 / 医师执业证书 / 执业医师证 … then 9–27 digits,
  in one run or in groups split by spaces or hyphens (「1103 1000 0099 999」), in Arabic or
  Chinese digits (「一一〇三…」, 壹贰 capitals, 幺 and 洞 as said), compared by its digits and tied
  to the doctor named nearest to it in the same sentence.
- (round-2 tester) a doctor with no 职称 who serves or is booked (`_serving_names`,
  `_booked_names`): a full name heading its clause (「刘建国为您面诊」「本周日刘建国坐诊」), a
  surname and 博士 / 专家 / 老师 (「刘博士本周六坐诊」), 「预约刘医生」; 帮您看, 专家号,
  预约 / 挂…号 as serving; joining us (「刘主任加盟我院」「刘主任是我院特聘专家」) as
  serving here; every serving phrase of a sentence (「…在协和医院坐诊，每周六在我院坐诊」).
A name is 2–4 Chinese characters starting with a common surname (`SURNAMES`), or a surname
alone before 医生 / 大夫 (「王医生」). Not read: a 职称 with no name
(「建议找主任医师复诊」), 「医生」 with no name, a name in mid-clause before a comma
(「我挂了号，主任医师看得很仔细」), and a name in a clause about a study
(「某某教授发表的研究」: 研究 / 论文 / 发表 / 提出 / 报道 / 期刊)."""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from dataclasses import dataclass, field

from cms.compliance.checker import Finding
from cms.compliance.extract import page_texts
from cms.textnorm import normalize_map

RULE = "doctor-credentials"
SEVERITY = "block"
REFERENCE = (
    "《医疗广告管理办法》第六条（医疗广告仅限于登记的事项，含医生的专业技术职称）；"
    "《广告法》第四条、第二十八条（虚假或者引人误解的内容）"
)
# (round-3 tester) said of a doctor named with no 职称 too: what the page may not do is
# present her as a doctor at all
UNREGISTERED = (
    "医生未在医生团队页面登记，不得在页面中作为医生介绍（职称、执业证号、坐诊、预约或咨询）"
)
UNKNOWN_LICENCE = "医师执业证书编码不属于任何医生团队页面登记的医生"

# The ~130 commonest surnames, then compound ones (issue 17 point 6).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史"
    "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟"
    "殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游"
    "辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳"
    # (round-2 doctor tester) the next commonest, but those that are also herbs or common
    # words a sentence is made of (桂枝, 桑叶, 抑郁, 子宫, 清楚 …)
    "洪赖卓戚蔺巫岑邬窦闵薄娄郎佟晏甄项仇苟卞褚虞栾鞠邰廉刁寇隋迟奚郜匡阎禹缪蒯冼荆"
)
COMPOUND_SURNAMES = frozenset(
    (
        "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 令狐 夏侯 司徒 轩辕 端木 长孙 宇文 南宫 西门"
    ).split()
)
# Characters that end or join words and never sit in a given name here: a candidate with
# one of them after its surname is no name (「主任医师周三坐诊」「高年资主任医师」).
_NOT_GIVEN = frozenset(
    "的了是在和与及等为会对从把被给向让将就都也还又再很最更已们这那其之以于而但或如若所可"
    "能要有无不没着过来去上下中内外前后里做看说用到得地门诊出团队级年资深一二三四五六七八"
    "九十百千万日月周期时分秒号次位名个多少每各该本我你您他她它请找由经约帮议科室院部医"
    "师治任教授副主复查病患者专级籍讲指导提醒表示认称介绍出坐接问答度重"
)
# Words that start with a surname and are not names (「康复医师」「高级医师」「全科医师」).
_NOT_NAMES = frozenset(
    {"康复", "高级", "毛发", "方面", "江湖", "程度", "石膏", "金牌", "卓越", "项目", "管床", "华山"}
)

# 职称 as patients say them, 医生 / 大夫 for 医师 (「主治医生李文静」「主任大夫王建华」): read
# as the 医师 rank, so a 副主任医师 called 主任大夫 states more than the register.
_SPOKEN_RANKS = {
    f"{level}{word}": f"{level}医师"
    for level in ("副主任", "主任", "主治", "住院")
    for word in ("医生", "大夫")
}
# 职称 and the like a doctor is introduced with; longest first, so the alternation reads
# 副主任医师 before 主任医师 and 主任医生 before 主任.
RANKS = tuple(
    sorted(
        (
            *"副主任医师 主任医师 主治医师 住院医师 副主任中医师 主任中医师 主治中医师 副主任药师 "
            "主任药师 副主任技师 主任技师 副主任护师 主任护师 副教授 教授 副院长 院长 副主任 主任 "
            "中医师 医师".split(),
            *_SPOKEN_RANKS,
        ),
        key=len,
        reverse=True,
    )
)
# (round 7) The levels a 职称 is graded by, written instead of it: 正高 is the 主任医师 level,
# 副高 the 副主任医师 one, 中级 (only as 中级职称: 中级 alone is a common word) the 主治医师
# one; read as those ranks, so 「李文静（正高）」 states 主任医师. 正高 after 压 / 温 / 糖 … is
# a reading "just high" (「血压正高时」), no level.
_LEVEL_RANKS = {
    "正高级职称": "主任医师",
    "正高职称": "主任医师",
    "正高级": "主任医师",
    "正高": "主任医师",
    "副高级职称": "副主任医师",
    "副高职称": "副主任医师",
    "副高级": "副主任医师",
    "副高": "副主任医师",
    "中级职称": "主治医师",
}
_LEVEL = r"(?<![压温糖度脂值])(?:" + "|".join(_LEVEL_RANKS) + ")"
# (round 7) 职称 in English, as bilingual cards print them (「李文静 Chief Physician」);
# matched in any case, read as the Chinese rank.
_ENGLISH_RANKS = {
    "associate chief physician": "副主任医师",
    "deputy chief physician": "副主任医师",
    "vice chief physician": "副主任医师",
    "chief physician": "主任医师",
    "attending physician": "主治医师",
    "attending doctor": "主治医师",
    "resident physician": "住院医师",
    "associate professor": "副教授",
    "professor": "教授",
}
_ENGLISH = (
    r"(?<![A-Za-z])(?i:"
    + "|".join(w.replace(" ", r"\s") for w in sorted(_ENGLISH_RANKS, key=len, reverse=True))
    + r")(?![A-Za-z])"
)
_RANK = re.compile("|".join((_LEVEL, *RANKS, _ENGLISH)))


def _rank_read(word: str) -> str:
    """The 职称 a rank word found by `_RANK` states: 主任大夫 → 主任医师, 正高 → 主任医师,
    Chief Physician → 主任医师, 主任医师 as written."""
    if word in _SPOKEN_RANKS:
        return _SPOKEN_RANKS[word]
    if word in _LEVEL_RANKS:
        return _LEVEL_RANKS[word]
    return _ENGLISH_RANKS.get(" ".join(word.lower().split()), word)


# A doctor page's 职称 field holds one of each kind: a clinical title (主任医师 …), an
# academic one (教授 / 副教授) and a post (院长 / 主任); 「主任医师、副主任医师、主治医师」 in
# the field would let any 职称 written about her pass (twenty-first verification B).
_RANK_KINDS = (
    ("临床职称", re.compile(r"(?:医师|药师|技师|护师)$")),
    ("教学职称", re.compile(r"教授$")),
    ("职务", re.compile(r"(?:院长|主任)$")),
)


def rank_problem(rank: str) -> str:
    """Why a doctor page's 职称 field `rank` cannot be saved ("" when it can): more than one
    职称 of one kind (clinical, academic, post), or none recognised (`RANKS`)."""
    found = [_rank_read(m.group()) for m in _RANK.finditer(rank or "")]
    if not found:
        return "请填写医师执业证书上的职称，如 主任医师、副主任医师、主治医师"
    for kind, pattern in _RANK_KINDS:
        of_kind = {r for r in found if pattern.search(r)}
        if len(of_kind) > 1:
            return f"职称只能填写一个{kind}（填写了：{'、'.join(sorted(of_kind))}）"
    return ""


# Before these a surname alone names the person (「王医生」); not a 职称 themselves.
_ADDRESSES = ("医生", "大夫")
# Between a name and the bracket holding its 职称 (「王建华老师（主任医师）」
# 「李主任（主任医师）」), besides 医生 / 大夫; 医师: 「李文静医师（主任）」
_BRACKET_TITLES = ("老师", "专家", "博士", "教授", "医师", "主任", "院长")
# A licence number: one run of 9–27 digits, or digits in groups split by one kind of space or
# hyphen (「1103 1000 0099 999」「110-310-000-099-999」), read as its digits.
# The labels: the certificate's own name and the shorter ones ads use (执业注册号, 执业编号,
# 医师证号, 医师编码, 证书编码: eighteenth verification A-F4); the groups may be split by dots
# or slashes too (「110.310.000.099.999」「110/310/…」).
# A digit is Arabic or written in Chinese (「一一〇三一〇…」, ○ for 〇: nineteenth session, the
# eighteenth's known leftover); `_licence_digits` reads both as Arabic digits.
_D = "0-9〇○零一二三四五六七八九壹贰叁肆伍陆柒捌玖幺洞两"
_LICENCE = re.compile(
    r"(?:医师执业证书|执业医师证书?|执业证书|执业证|医师资格证书?|执业注册证?|执业编|医师证书?"
    r"|医师编|证书编)"
    rf"(?:编码|编号|号码|号|码)?[^{_D}，,。；;！？!?]{{0,6}}?"
    rf"([{_D}]{{9,27}}"
    rf"|[{_D}]{{1,6}}([ \u00a0\u3000\-－‐‑–./．／·])[{_D}]{{1,6}}(?:\2[{_D}]{{1,6}})*)"
    rf"(?![{_D}])(?!\2[{_D}])"
)
# (nineteenth re-verification E-F2: the capitals of receipts, 幺 and 洞 as digits are said)
_CHINESE_DIGITS = str.maketrans(
    "〇○零一二三四五六七八九壹贰叁肆伍陆柒捌玖幺洞两", "000123456789123456789102"
)
_NOT_DIGIT = re.compile(r"[^0-9]")


def _licence_digits(text: str) -> str:
    """The digits of a licence number as written, Chinese digits read as Arabic ones."""
    return _NOT_DIGIT.sub("", text.translate(_CHINESE_DIGITS))


_SENTENCE_END = re.compile(r"[。！？!?\n]")
_CLAUSE_END = re.compile(r"[，,；;。！？!?\n]")
# A clause about a study names a scientist, not a doctor introduced to patients.
_STUDY = re.compile(r"研究(?!生)|论文|发表|提出|报道|期刊|学说")  # 研究生 is a degree
# 【】 and the other brackets too: 「李文静【主任医师】」「李文静〔主任医师〕」 (E-F2, F-F2)
_OPEN, _CLOSE = "（(【[〔［〖《〈", "）)】]〕］〗》〉"
# Before a surname alone: the start, a non-Chinese character, or a word that introduces a
# person (「由王医生」「请王医生」); 「对于医生而言」 is no 于 surname.
_INTRO = frozenset("由请找是向和与及同的为经让给被跟位名、，,：:（(「“ ")


@dataclass
class Doctor:
    name: str
    ranks: tuple[str, ...]
    licence: str


@dataclass
class _Mention:
    """A doctor named in a line: where, who, and the credentials written with the name."""

    start: int
    end: int
    name: str
    surname_only: bool
    rank: str = ""
    licences: list[tuple[int, int, str]] = field(default_factory=list)
    serves: bool = False  # she sees our patients: 「为您面诊」「我院特邀」 (`_serving_here`)
    # named next to a word for a doctor (`_presented_names`): an ad presents her as one
    presented: bool = False
    # a supervisor's title written with her name (「李文静博导亲诊」: `_supervisor_of`)
    supervisor: str = ""


def _rank_tokens(rank: str) -> tuple[str, ...]:
    return tuple(t for t in re.split(r"[、，,/／\s和及]+", rank or "") if t)


def _doctors(page, *, edited=None, removed: frozenset[int] = frozenset()) -> list[Doctor]:
    """The live doctor pages, once per check (issue 17 point 6); a doctor page being
    checked counts as itself as edited (its own title, rank and licence), and so does the
    doctor page `edited` (a revision about to go live, `pages_misstating`); the doctor pages
    `removed` (about to be taken down or deleted, `pages_naming_removed`) do not count."""
    from cms.models import DoctorPage

    rows = (
        DoctorPage.objects.live()
        .public()  # a doctor the public cannot read is not shown anywhere (C-F2)
        # nor one whose page is scheduled to go (定时下线): a page naming her would outlive
        # it (nineteenth re-verification F-F3)
        .filter(expire_at__isnull=True)
        .exclude(pk__in=removed)
        .values_list("pk", "title", "rank", "licence_number")
    )
    doctors = {pk: (title, rank, licence) for pk, title, rank, licence in rows}
    for doctor in (page, edited):
        if isinstance(doctor, DoctorPage):
            doctors[doctor.pk or 0] = (doctor.title, doctor.rank, doctor.licence_number)
    return [
        Doctor(
            normalize_map((title or "").strip())[0],
            _rank_tokens(normalize_map(rank or "")[0]),
            # digits only, as the text's numbers are read (a row stored in groups matches)
            _licence_digits(licence or ""),
        )
        for title, rank, licence in doctors.values()
    ]


def _surname(text: str) -> str:
    # a rarer compound (「濮阳明」「澹台明月」) in a full name only: 「百里」「南门」 are words
    if text[:2] in COMPOUND_SURNAMES or (len(text) > 2 and text[:2] in _RARE_COMPOUNDS):
        return text[:2]
    return text[:1] if text[:1] in SURNAMES else ""


def _is_surname(text: str) -> bool:
    """Whether `text` is a surname by itself: a common one (`SURNAMES`, `COMPOUND_SURNAMES`)
    or a rarer one that is no word of its own (`_ALONE_SURNAMES`: 「冀主任」「麦医生」
    「濮阳医生」; round-5 tester)."""
    return bool(text) and (_surname(text) == text or text in _ALONE_SURNAMES)


def _is_name(text: str) -> bool:
    """Whether `text` reads as a person's name: a surname and one or two given characters,
    read with jieba's dictionary (issue 17 verification, point 6; its tags are a guide, not a
    register: it tags 谢谢 and 华为 nr):
    - not a title (李医生, 王主任) and not a word doubled (谢谢);
    - not a word the dictionary tags other than as a name (申报 nz, 高血压 n, 任职 v);
    - of three characters, the first two no word other than a name (成员均, 文静作: the end
      of one word and the next) unless jieba keeps the three as one (王国强);
    - given characters that glue words (`_NOT_GIVEN`: 周三, 高年资) only when jieba keeps the
      whole as one unknown word or a name (王一鸣, 张三丰; `_cut_as_name`)."""
    surname = _surname(text)
    given = text[len(surname) :]
    if not surname or not 1 <= len(given) <= 2 or "某" in given or text[:2] in _NOT_NAMES:
        return False  # 某: an anonymised person (王某, 李某某) names no one
    if not all("\u4e00" <= ch <= "\u9fff" for ch in given) or text.endswith(_TITLE_WORDS):
        return False
    if given.endswith(_KIN_WORDS):
        return False
    if len(text) == 2 and text[0] == text[1]:
        return False
    if len(given) == 2 and given[0] == "家" and given[1] in _VILLAGE_ENDS:
        return False  # (round 7) a village (石家庄, 李家庄, 王家村), tagged a name by jieba
    if surname in _LEVEL_SURNAMES and len(given) == 2 and _common_noun(given):
        return False  # (round 7) 高水平, 高素质, 高学历: "high", before a common noun
    if _ADVERB_SURNAME.match(text):
        return False  # 「2015年曾晋升主治医师」: 曾 "once", not the surname
    tags = _word_tags()
    tag = tags.get(text)
    if tag is not None and not tag.startswith("nr"):
        return False
    if len(text) == 3 and len(surname) == 1 and not tags.get(text[:2], "nr").startswith("nr"):
        # what is left of a word and the next one (成员均, 文静作), unless jieba keeps the
        # three as one (王国强: 王国 is a word too)
        if not _cut_as_name(text):
            return False
    if all(ch not in _NOT_GIVEN for ch in given):
        return True
    # a rarer compound surname starts no word that glues (「澹台明月」: 月 is a month elsewhere)
    return len(text) >= 3 and (_cut_as_name(text) or surname in _RARE_COMPOUNDS)


_VILLAGE_ENDS = frozenset("庄村屯寨湾堡铺营沟坡岭店集桥坊")


def _common_noun(word: str) -> bool:
    """Whether `word` (two characters) is a noun jieba's corpus uses often (水平 13,880
    times, 学历 1,460, 资历 248; given names that are nouns are rarer: 文静 74, 彩霞 78)."""
    tag = _word_tags().get(word, "")
    return (
        tag[:1] in ("n", "m")
        and not tag.startswith("nr")
        and (_word_counts().get(word, 0) >= 2 * _COMMON_WORD)
    )


_ADVERB_SURNAME = re.compile(r"曾(?:经|任|晋|被|在|获|担|是|为|于|多|先|一|荣|两|几|受)")
# A name never ends in one of these: 李医生 is a surname and her title, 王主任 a post.
_TITLE_WORDS = ("医生", "大夫", "老师", "专家", "博士", "教授", "医师", "主任", "院长")
# Nor in how a patient or a neighbour is called (「刘阿姨」「张大爷」「王女士」: round-3 tester,
# 「刘阿姨每周六坐诊所的班车」 read as a doctor)
_KIN_WORDS = (
    "阿姨",
    "大爷",
    "爷爷",
    "奶奶",
    "大妈",
    "大姐",
    "大哥",
    "叔叔",
    "阿姨",
    "婶婶",
    "女士",
    "先生",
    "小姐",
    "同学",
    "师傅",
    "姐",
    "哥",
    "叔",
    "姨",
    "婶",
    "伯",
    "嫂",
    "爷",
    "奶",
)


@functools.cache
def _word_tags() -> dict[str, str]:
    """jieba's dictionary: word → part-of-speech tag (ICTCLAS tags: nr a person's name, v a
    verb, n a noun, d an adverb …) for every word of two characters and the words of three
    or four that start with a surname: about 166,000 words, read once per process from the
    file jieba ships (half a second, about 20 MB; `jieba.posseg` would hold all 349,000 and
    load a second tokenizer, 115 MB)."""
    import jieba

    tags = {}
    with jieba.get_dict_file() as dictionary:
        for raw in dictionary:
            word, *rest = raw.decode("utf-8").split()
            if len(rest) == 2 and (len(word) == 2 or (len(word) <= 4 and _surname(word))):
                tags[word] = rest[1]
    return tags


def _cut_as_name(text: str) -> bool:
    """Whether jieba, guessing unknown words (its HMM), keeps `text` as one word that is a
    name or no dictionary word: 「王一鸣」「张三丰」 are, 「于周三」 (于 / 周三) and 「高年资」
    (高 / 年资) are not (cms.search's tokenizer: one dictionary per process)."""
    from cms.search import _tokenizer

    words = _tokenizer().lcut(text, HMM=True)
    return words == [text] and _word_tags().get(text, "nr").startswith("nr")


def _inside_a_name(line: str, start: int, names: tuple[str, ...]) -> bool:
    """Whether `start` falls inside a doctor page's name written in the line: 「周安宁获聘」
    holds no 宁获聘, 「赵建国与李文静均为」 no 文静均 (issue 17 verification, point 6)."""
    for name in names:
        at = line.rfind(name, max(0, start - len(name) + 1), start + len(name) - 1)
        if at != -1 and at < start < at + len(name):
            return True
    return False


def _introduced(line: str, at: int) -> bool:
    return at == 0 or line[at - 1] in _INTRO or not "\u4e00" <= line[at - 1] <= "\u9fff"


def _name_before(line: str, end: int, names: tuple[str, ...], *, alone: bool):
    """(start, name, surname_only) of a name ending at `end`: a doctor page's name first
    (`names`, longest first),
    then a 4-, 3- or 2-character name, then (`alone`) a surname by itself."""
    for name in names:
        if line.endswith(name, 0, end):
            return end - len(name), name, False
    # longest first: four characters are a compound surname's name (「欧阳文静」, not 「阳文静」)
    for length in (4, 3, 2):
        start = end - length
        if (
            start >= 0
            and _is_name(line[start:end])
            and not _inside_a_name(line, start, names)
            and not _mid_word(line, start)  # 「主任和张医生」 holds no 任和张
        ):
            return start, line[start:end], False
    if alone:
        for length in (2, 1):
            start = end - length
            text = line[start:end] if start >= 0 else ""
            if not text or not _is_surname(text):
                continue
            if _introduced(line, start) or _opens_after_intro(line, start):
                return start, text, True  # 「北京协和医院张教授（主任医师）」「我院刘主任」
            if (
                start > 0
                and line[start - 1] in "老小"
                and (_introduced(line, start - 1) or _starts_clause(line, start - 1))
            ):
                return start - 1, text, True  # 「专家：老王（主任医师）」「老王（主任医师）」
    return None


def _name_after(line: str, start: int, names: tuple[str, ...]):
    for name in names:
        if line.startswith(name, start):
            return start + len(name), name
    if _inside_a_name(line, start, names):
        return None
    for length in (4, 3, 2):
        end = start + length
        if end <= len(line) and _is_name(line[start:end]):
            return end, line[start:end]
    return None


# Each look back from a 职称 is bounded (a bracket's text, a sentence): a line of thousands of
# 职称 took seconds per thousand, quadratically (issue 17 verification, point 6).
_BRACKET_SPAN = 60


def _bracket_open(line: str, at: int) -> int:
    """The index of the bracket `at` sits in (「王医生（主任医师，…）」), or -1."""
    for i in range(at - 1, max(-1, at - 1 - _BRACKET_SPAN), -1):  # a bracket's text is short
        if line[i] in _CLOSE or _SENTENCE_END.match(line[i]):
            return -1
        if line[i] in _OPEN:
            return i
    return -1


# After a 职称 the clause ends (or another 职称 or a bracket follows): 「李文静，主任医师，从事…」
# states her rank; 「李文静是主任医师吗」「王建华为主任医师团队成员」 do not.
# A 破折号 ends it too (「李主任——主任医师——为您面诊」: round-2 tester; `cms.textnorm` keeps
# ——, drops a single dash between Chinese characters).
_RANK_ENDS = re.compile(
    r"\s*(?:$|[，,；;。！？!?、：:（()）]|——|—|–|－－|--|\.(?![0-9a-zA-Z])|" + "|".join(RANKS) + ")"
)
# A name linked to the 职称 after it: by a comma or a colon (「李文静，主任医师」
# 「李文静：主任医师」) or a verb (「李文静是主任医师」「李文静现任皮肤科主任医师」).
# dashes and bars: 「李文静医生——主任医师」「李文静医生｜主任医师」「李文静医生 - 主任医师」
_LINK_MARK = re.compile(r"\s*(?:[，,：:|｜│]|——|—|–|－－|--|-|－)\s*$")
_LINK_VERBS = (
    *("晋升为", "升任为", "现职", "晋升", "升任", "出任", "现为", "现任", "担任", "是个"),
    *("是", "为", "系", "任"),
)
# Before the verb, an adverb of the same statement (「李文静也是主任医师」「赵明远同样为…」);
# 均 / 都 join several names (`_group_before`).
# Longest first: 「李文静现已是主任医师」 is not 文静现 (issue 17 verification, point 6).
_LINK_ADVERBS = (
    *("现在已经", "目前已经", "如今已", "现在已", "目前已"),
    *("同样", "同时", "目前", "现在", "如今", "一直", "早已", "早就", "已经", "现已"),
    *("也", "亦", "已", "现"),
)
# Before the 职称, a word that praises the rank and changes nothing of it
# (「李文静，资深主任医师」「王建华为我院知名主任医师」).
_RANK_PRAISE = ("高年资", "国家级", "资深", "知名", "著名", "首席", "特聘", "特邀")
# Between the link and the 职称, a department or hospital word (「我院」「皮肤科」
# 「内分泌科」「徐汇门诊部」「本院的」), praise words inside it (「我院资深的皮肤科」: the
# twenty-first session's leftover): at most ten characters, ending as such a word ends, with
# no verb, negation or preposition in it, so 「王建华为患者请来主任医师」 links nothing and a
# clause is never crossed.
_PLACE_GAP = 10
_PLACE = re.compile(
    r"(?:(?![不没非未请找挂看约来了给帮向让被把跟同对])[\u4e00-\u9fff])"
    rf"{{0,{_PLACE_GAP - 1}}}[院科部所心室组的]"
)
# A hospital's full name between the verb and the 职称, read by the doctor-as-subject form
# only (「现任上海市第一人民医院皮肤科主任医师」): as `_PLACE`, up to `_SUBJECT_GAP` characters.
_LONG_PLACE = re.compile(
    r"(?:(?![不没非未请找挂看约来了给帮向让被把跟同对])[\u4e00-\u9fff0-9])"
    r"{10,19}[院科部所心室组的]"
)
# Words after which a name starts its clause as a line's start or punctuation does
# (「专家简介李文静，主任医师」); a comma after a name in mid-clause (「我挂了号，主任医师看得很
# 仔细」, 「我找了王建华，主任医师说…」) ties nobody to the 职称.
_CLAUSE_OPENERS = tuple("由 简介 介绍 特邀 特聘 邀请 医生 专家 姓名 主诊 出诊 坐诊".split())
_LABEL_MARK = re.compile(r"\s*[：:]\s*")
_COMMA_MARK = re.compile(r"\s*[，,]\s*")
# Between two 职称 of one doctor.
_RANK_JOINS = frozenset({"、", "和", "及", "兼"})
_NAME_ENDS = re.compile(r"\s*(?:$|[，,；;。！？!?、（(])")


def _starts_clause(line: str, at: int) -> bool:
    before = line[:at].rstrip()
    return not before or not before[-1].isalnum() or before.endswith(_CLAUSE_OPENERS)


def _labelled_name(line: str, start: int, end: int, names: tuple[str, ...]):
    """(end, name) of a name after the 职称 at `start`–`end` and a colon, or a comma when the
    职称 starts its clause, the name ending its clause: 「主任医师：李文静」「主任医师，李文静」
    (a label and its value; 「主任医师：高血压患者…」 is no name, and 「我问了主任医师，王建华说…」
    ties nobody)."""
    mark = _LABEL_MARK.match(line, end) or (
        _COMMA_MARK.match(line, end) if _starts_clause(line, start) else None
    )
    if not mark:
        return None
    after = _name_after(line, mark.end(), names)
    if after and _NAME_ENDS.match(line, after[0]):
        return after
    return None


_RANK_LABEL = re.compile(r"职称\s*[:：]\s*$")
_NAME_LABEL = re.compile(r"(?:姓名|医生|专家|医师|坐诊医生|主诊医生)\s*[:：]\s*")


def _label_after(line: str, start: int, end: int, names: tuple[str, ...]):
    """(end, name) of a name labelled 姓名： right after a 职称 labelled 职称： (「职称：主任医师
    姓名：李文静」; F-F2)."""
    if not _RANK_LABEL.search(line, max(0, start - 16), start):
        return None
    label = _NAME_LABEL.match(line, end) or _NAME_LABEL.search(line, end, end + 8)
    return _name_after(line, label.end(), names) if label else None


def _name_by_label(line: str, start: int, names: tuple[str, ...]):
    """(end, name) of a name labelled 姓名： earlier in a line whose 职称 is labelled 职称：
    (「姓名：李文静 职称：主任医师」, a card's fields; E-F2)."""
    if not _RANK_LABEL.search(line, max(0, start - 16), start):
        return None
    labels = list(_NAME_LABEL.finditer(line, max(0, start - _LOOKBACK), start))
    if not labels:
        return None
    return _name_after(line, labels[-1].end(), names)


def _link_ends(line: str, start: int, gap: int = _PLACE_GAP):
    """Where the word or mark linking a name to the 职称 at `start` may end: right before the
    职称 or a praise word before it, or before a short place word between (「我院」「皮肤科」)."""
    for praise in _RANK_PRAISE:
        if line.endswith(praise, 0, start):
            start -= len(praise)
            break
    for count in _RANK_COUNTS:  # 「李文静是一位主任医师」 (E-F2)
        if line.endswith(count, 0, start):
            start -= len(count)
            break
    for width in range(0, gap + 1):
        at = start - width
        if at < 0:
            return
        if not width or (
            (
                (width <= _PLACE_GAP and _PLACE.fullmatch(line, at, start))
                or (width > _PLACE_GAP and _LONG_PLACE.fullmatch(line, at, start))
            )
            and not _someones(line, at, start)
        ):
            yield at
            for count in _RANK_COUNTS:  # 「是一位经验丰富的主任医师」 (F-F2)
                if width and line.endswith(count, 0, at):
                    yield at - len(count)
                    break


_RANK_COUNTS = ("一位", "一名", "一个", "位", "名")
# Whose: a 职称 after a person and 的 is her role for that person, no rank she holds:
# 「李文静是张建国的主治医师」「李文静是我的主治医师」 (issue 17 re-verification, point 6).
_PERSON_OF = re.compile(
    r"(?:她|他|我|你|您|我们|他们|患者|病人|孩子|母亲|父亲|妈妈|爸爸|家人|老人|丈夫|妻子"
    r"|女儿|儿子|爷爷|奶奶|外婆|外公|朋友|同事)$"
)


_ROLE_RANKS = ("主治医师", "主治中医师", "住院医师", "医师")


def _someones(line: str, at: int, start: int) -> bool:
    """Whether the words between a link and a 职称 (`line[at:start]`) are a person's: a
    pronoun, a kin word or a name before 的, before a 职称 that is also a role (主治医师 is
    her patient's attending doctor; 「…是我们的主任医师」 states a rank)."""
    if at >= start or line[start - 1] != "的" or not line.startswith(_ROLE_RANKS, start):
        return False
    head = line[at : start - 1]
    return bool(_PERSON_OF.search(head)) or any(
        len(head) >= k and _is_name(head[-k:]) for k in (4, 3, 2)
    )


def _linked_name(line: str, start: int, end: int, names: tuple[str, ...]):
    """(start, name, surname_only) of a name linked to the 职称 at `start`–`end` by a comma, a
    colon, a dash or a verb, a short place word allowed between (「王建华为我院主任医师」); the
    职称 must end its clause, and a name before a comma must start its own. A title after the
    name (医生, 博士 …) may stand before the link, and then a surname alone is a name
    (「李医生，主任医师」「张博士，主任医师」: eighteenth re-verification C-F4)."""
    if not _RANK_ENDS.match(line, end):
        return _serving_as(line, start, end, names)
    for at in _link_ends(line, start):
        mark = _LINK_MARK.search(line, max(0, at - 12), at)
        if mark:
            pos = _before_title(line, mark.start())
            found = _name_before(line, pos, names, alone=pos < mark.start())
            if found and _heads_clause(line, found):
                return found
            continue
        for verb in _LINK_VERBS:
            if line.endswith(verb, 0, at):
                before = at - len(verb)
                for adverb in _LINK_ADVERBS:
                    if line.endswith(adverb, 0, before):
                        before -= len(adverb)
                        break
                comma = before > 0 and line[before - 1] in "，,"  # 「李文静，现任主任医师」
                pos = _before_title(line, before - 1 if comma else before)
                found = _name_before(line, pos, names, alone=pos < before)
                if found and (not comma or _heads_clause(line, found)):
                    return found
    return None


def _heads_clause(line: str, found) -> bool:
    """Whether the name `found` ((start, name, surname_only)) heads its clause: it starts it,
    or a full name ends an attributive clause before it, 「曾在华山医院进修的刘文静，现任主任
    医师」 (round-2 tester: the past clause hid her; a surname alone after 的 is no name)."""
    at, _name, surname_only = found
    return _starts_clause(line, at) or (not surname_only and line[at - 1 : at] == "的")


# 作为 links a name to a 职称 that need not end the clause: 「王建华作为主任医师亲自面诊」 (the
# eighteenth session's known leftover); 「作为主任医师团队的一员」 names a team, not a rank.
_SERVING_AS = ("作为", "身为", "以")
_NOT_RANK_AFTER = re.compile(r"团队|组|的")
# 以 links only as 「以主任医师身份」
_IN_CAPACITY = re.compile(r"的?身份")


def _serving_as(line: str, start: int, end: int, names: tuple[str, ...]):
    """(start, name, surname_only) of a name before 作为 and the 职称 at `start`–`end`, a
    praise or place word allowed between (「李文静作为我院资深主任医师为您面诊」)."""
    if _NOT_RANK_AFTER.match(line, end):
        return None
    for at in _link_ends(line, start):
        for word in _SERVING_AS:
            if not line.endswith(word, 0, at):
                continue
            if word == "以" and not _IN_CAPACITY.match(line, end):
                continue
            before = at - len(word)
            pos = _before_title(line, before)
            found = _name_before(line, pos, names, alone=pos < before)
            if found:
                return found
    return None


def _serving_as_before(line: str, start: int, end: int, names: tuple[str, ...]):
    """(end, name) of the name after 「作为主任医师的」 or 「作为主任医师，」 (E-F2, F-F2:
    「作为主任医师的李文静为您面诊」「作为本院主任医师的李文静」「作为一名主任医师，李文静…」)."""
    if not any(
        line.endswith(word, 0, at) for at in _link_ends(line, start) for word in ("作为", "身为")
    ):
        return None
    if not line.startswith(("的", "，", ","), end):
        return None
    return _name_after(line, end + 1, names)


def _name_after_mark(line: str, start: int, end: int, names: tuple[str, ...]):
    """(end, name) of the name right after a 职称 in marks: 「【主任医师】李文静」 (F-F2)."""
    if start < 1 or end >= len(line):
        return None
    opening = _OPEN.find(line[start - 1])
    marks = {"「": "」", "『": "』", "“": "”", "‘": "’", "《": "》", "〈": "〉", "〔": "〕"}
    if opening >= 0 and line[end] == _CLOSE[opening]:
        return _name_after(line, end + 1, names)
    if marks.get(line[start - 1]) == line[end]:
        return _name_after(line, end + 1, names)
    return None


# (round 7) A 职称 as the level of the title before her name: 「主任医师级专家李文静」
# 「主任医师级别的专家李文静」「主任医师水平的李文静」「正高级专家李文静」 state it as hers.
_LEVEL_OF_TITLE = re.compile(
    r"(?:级别|级|水平|层次)的?\s{0,2}(?:专家|医生|大夫|名医|医师|教授|老师|博士)?\s{0,2}"
    r"|\s{0,2}(?:专家|名医)\s{0,2}"
)


def _name_after_level(line: str, start: int, end: int, names: tuple[str, ...]):
    """(end, name) of a name after the 职称 at `start`–`end` read as the level of her title
    (`_LEVEL_OF_TITLE`), the 职称 opening its clause or after a word that introduces her
    (「特邀主任医师级专家李文静」)."""
    level = _LEVEL_OF_TITLE.match(line, end)
    if not level or level.end() == end:
        return None
    return _name_after(line, level.end(), names)


# (round 7) A dash or a bar after a 职称 opening its clause labels the name after it:
# 「主任医师——李文静」「主任医师 —— 李文静」; the name ends its clause or serves
# (「主任医师——李文静的导师」 is her teacher's 职称).
_DASH_AFTER_RANK = re.compile(r"\s{0,2}(?:——|—|–|－－|--|[|｜│])\s{0,2}")


def _name_after_dash(line: str, start: int, end: int, names: tuple[str, ...]):
    """(end, name) of a name after a dash or a bar after the 职称 at `start`–`end`."""
    dash = _DASH_AFTER_RANK.match(line, end)
    if not dash or not _starts_clause(line, start):
        return None
    after = _name_after(line, dash.end(), names)
    if after is None:
        return None
    stop = after[0]
    for title in _TITLES:
        if line.startswith(title, stop):
            stop += len(title)
            break
    if _NAME_ENDS.match(line, stop) or _SERVES.match(line, stop) or stop > after[0]:
        return after
    return None


# (round 7) Her 职称 in marks right after her name (「李文静「主任医师」」「李文静“主任医师”」),
# or labelled in brackets (「李文静【职称】主任医师」「李文静［职称］主任医师」).
_RANK_MARKS = {"「": "」", "『": "』", "“": "”", "‘": "’", '"': '"', "【": "】", "〖": "〗"}
_BRACKETED_LABEL = re.compile(
    r"\s{0,2}[【\[［〖(（]\s{0,2}(?:专业技术职称|技术职称|职称|职务)\s{0,2}[】\]］〗)）]\s{0,2}[：:]?\s{0,2}$"
)


def _name_before_marked_rank(line: str, start: int, end: int, names: tuple[str, ...]):
    """(start, name, surname_only) of a name heading its clause right before the 职称 at
    `start`–`end` set in marks, or before a bracketed label of it."""
    pos = start
    if pos > 0 and _RANK_MARKS.get(line[pos - 1]) == line[end : end + 1]:
        pos -= 1
    else:
        label = _BRACKETED_LABEL.search(line, max(0, start - 16), start)
        if not label:
            return None
        pos = label.start()
    while pos > 0 and line[pos - 1] == " ":
        pos -= 1
    at = _before_title(line, pos)
    found = _name_before(line, at, names, alone=at < pos)
    if found and _starts_clause(line, found[0]):
        return found
    return None


# Titles that may follow a 职称 before the name they all belong to: 「主任医师、博士生导师王建华」
# (the eighteenth session's known leftover).
_TITLES_AFTER_RANK = re.compile(
    r"(?:\s*[、，,和兼及]?\s*(?:"
    + "|".join((*RANKS, *"博士生导师 硕士生导师 博导 硕导 博士后 医学博士 博士 专家".split()))
    + r"))+\s*"
)


def _name_after_titles(line: str, end: int, names: tuple[str, ...]):
    """(end, name) of a name after the 职称 ending at `end` and more titles joined to it."""
    more = _TITLES_AFTER_RANK.match(line, end, end + 60)
    if not more or more.end() == end:
        return None
    return _name_after(line, more.end(), names)


# What may stand between a name and the comma or verb that links it to a 职称: 「周安宁医生，
# 主任医师」「李文静博士，主任医师」「李文静医生是我院的主任医师」 (eighteenth verification A-F4).
_TITLES = (*_ADDRESSES, *_BRACKET_TITLES)


# (round 7) Latin degrees after her name, before the link to her 职称: 「李文静 MD, PhD,
# 主任医师」 (bounded counts: no unbounded quantifier inside another)
_LATIN_DEGREES_BEFORE = re.compile(
    r"(?:[\s,，、/]{0,3}(?:M\.?D\.?|Ph\.?D\.?|MBBS|MPH|MSc|M\.?S\.?)){1,4}[\s,，、/]{0,3}$"
)


def _before_title(line: str, end: int) -> int:
    """`end`, or where a title (医生, 大夫, 博士 …, Latin degrees: MD, PhD) ending at `end`
    starts."""
    for title in _TITLES:
        if line.endswith(title, 0, end):
            return end - len(title)
    degrees = _LATIN_DEGREES_BEFORE.search(line, max(0, end - 32), end)
    if degrees and degrees.start() > 0 and "\u4e00" <= line[degrees.start() - 1] <= "\u9fff":
        return degrees.start()
    return end


# A doctor's bio items a card lists between her name and her 职称 (「赵明远，男，主任医师」
# 「李文静，医学博士，主任医师」「李文静，毕业于复旦大学，主任医师」「李文静，从医16年，主任医师」
# 「李文静，硕士生导师、主任医师」「李文静，中华医学会会员、主任医师」; twentieth verification B1).
_BIO_ITEM = re.compile(
    r"(?:男|女|男性|女性|性别\s*[:：]?\s*[男女]|汉族|中共党员|党员"
    r"|(?:医学|临床医学|中医学|药学)?(?:博士|硕士|学士)(?:后|学位|研究生)?"
    r"|(?:博士|硕士)(?:研究)?生导师|博导|硕导|(?:副)?教授"
    r"|(?:19|20)?[0-9〇一二三四五六七八九]{2,4}年(?:出)?生(?:人)?|生于[^，,。；;、]{1,12}"
    r"|毕业于[^，,。；;、]{1,16}|(?:从医|行医|执业|临床工作)[0-9一二三四五六七八九十]{1,3}(?:余|多)?年"
    r"|[0-9一二三四五六七八九十]{1,3}(?:余|多)?年(?:临床|从医)?(?:工作)?经验"
    r"|[^，,。；;、]{1,14}(?:会员|委员|理事|常委|主任委员|专家组成员)"
    # (twentieth re-verification D-1) age, origin, degree from a university, department,
    # specialty, years in a field, Latin degrees
    r"|[0-9一二三四五六七八九十]{1,3}岁|籍贯[^，,。；;、]{1,10}|[\u4e00-\u9fff]{2,8}人"
    r"|[\u4e00-\u9fff]{0,10}(?:大学|学院)?(?:医学|临床医学|中医学)?(?:博士|硕士|学士)(?:研究生)?"
    r"|(?:博士|硕士)研究生|[\u4e00-\u9fff]{1,6}科|擅长[^，,。；;]{1,24}"
    r"|从事[^，,。；;]{1,20}?[0-9一二三四五六七八九十]{1,3}(?:余|多)?年"
    r"|MD|M\.D\.|Dr\.?|PhD|Ph\.D\.|MBBS)"
)
_DEGREE_BEFORE = re.compile(r"(?:医学|临床医学|中医学)?(?:博士|硕士)(?:后|研究生)?$")
# Between bio items: commas, colons, 、, bars, middle dots, semicolons, dashes
_BIO_SEPARATORS = "、，,：:｜|·•；;-—－/／"


# A gender glued between a name and what follows it: 「李文静 女 主任医师」 reads
# 李文静女主任医师 (`cms.textnorm` drops spaces between Chinese characters), which is not 文静女.
_GENDER_BEFORE = ("男性", "女性", "男", "女")


def _name_before_gender(line: str, end: int, names: tuple[str, ...]):
    """`_name_before` at `end`, or across a gender glued right before `end` when a name
    ends before the gender and starts its clause; a doctor page's name is read first (a
    doctor may be called 张秀女)."""
    direct = _name_before(line, end, names, alone=False)
    if direct and direct[1] in names:
        return direct
    for gender in _GENDER_BEFORE:
        if line.endswith(gender, 0, end):
            found = _name_before(line, end - len(gender), names, alone=False)
            if found and _starts_clause(line, found[0]):
                return found
    return direct


# A bio's last item may state the 职称 with a verb (`_name_across_bio`); longest first.
_BIO_LINK_VERBS = ("目前担任", "现担任", "现任", "现为", "现职", "担任", "现系")
_BIO_OPEN, _BIO_CLOSE = "（(【[［〔", "）)】]］〕"
# What a doctor's 职称 does next when it introduces her: serves the reader
_SERVES = re.compile(
    r"\s*(?:为您|为你|给您|给你|亲诊|亲自|坐诊|面诊|出诊|接诊|主诊|领衔|主刀|会诊|问诊|诊治|坐镇|坐堂)"
)


def _name_across_bio(line: str, start: int, end: int, names: tuple[str, ...]):
    """(start, name, surname_only) of a name separated from the 职称 at `start`–`end` by bio
    items (`_BIO_ITEM`, at most four, each set off by 、 ， or ：), or by a title and 、
    (「李文静博士、主任医师亲诊」). The name starts its clause; across a comma the 职称 ends
    its clause, as in `_linked_name`."""
    for praise in _RANK_PRAISE:  # 「李文静，医学博士，资深主任医师」
        if line.endswith(praise, 0, start):
            start -= len(praise)
            break
    # bio items in brackets between the name (or her 医生 / 大夫) and the 职称
    # (「李文静（女，医学博士）主任医师」「李文静医生【女，博士】主任医师为您面诊」): the 职称 ends
    # its clause or serves (为您面诊, 亲诊; twenty-first verification B), as a patient's
    # 「王芳（女，45岁）主任医师建议她复查」 does not
    if start > 0 and line[start - 1] in _BIO_CLOSE:
        pair = _BIO_OPEN[_BIO_CLOSE.index(line[start - 1])]
        # looked for within a bracket's span, not back to the line's start: a line of
        # 「甲）主任医师，」 with no opening (textnorm drops those between Chinese characters)
        # was quadratic (issue 17 re-verification)
        opening = line.rfind(pair, max(0, start - 1 - _BRACKET_SPAN), start - 1)
        items = (
            re.split(f"[{re.escape(_BIO_SEPARATORS)}]", line[opening + 1 : start - 1])
            if opening >= 0
            else []
        )
        bio = bool(items) and all(_BIO_ITEM.fullmatch(item.strip()) for item in items)
        if opening > 0 and bio and (_RANK_ENDS.match(line, end) or _SERVES.match(line, end)):
            before = _before_title(line, opening)
            found = _name_before(line, before, names, alone=before < opening)
            if found and _starts_clause(line, found[0]):
                return found
        if opening < 0 and (_RANK_ENDS.match(line, end) or _SERVES.match(line, end)):
            # 「李文静（女）主任医师」 reads 李文静女）主任医师: `cms.textnorm` drops an opening
            # bracket spelled between Chinese characters
            found = _name_before_gender(line, start - 1, names)
            if found and found[0] + len(found[1]) < start - 1 and _starts_clause(line, found[0]):
                return found
    # a degree right before the 职称, its separator dropped when the line was read
    # (「李文静·医学博士·主任医师」 reads 李文静医学博士主任医师: `cms.textnorm` drops marks
    # spelled between Chinese characters)
    degree = _DEGREE_BEFORE.search(line, max(0, start - 16), start)
    if degree and degree.end() == start:
        found = _name_before_gender(line, degree.start(), names)
        if found and _starts_clause(line, found[0]):
            return found
    pos, commas, skipped = start, False, 0
    # the last item's verb (「李文静医生，女，1980年生，毕业于…，现任主任医师」: the twenty-first
    # session's leftover): a bio's 现任 / 现为 / 担任 … after its separator links the same name
    for verb in _BIO_LINK_VERBS:
        if line.endswith(verb, 0, pos) and pos - len(verb) > 0:
            if line[pos - len(verb) - 1] in _BIO_SEPARATORS:
                pos -= len(verb)
            break
    while pos > 0 and line[pos - 1] == " ":
        pos -= 1
    # a bio that is a sentence of its own, the 职称 opening the next (「李文静，女。主任医师。」):
    # the full stop sets off the last item, as a comma would (twenty-first session)
    separators = _BIO_SEPARATORS + ("。" if pos > 0 and line[pos - 1] == "。" else "")
    while skipped <= 4 and pos > 0 and line[pos - 1] in separators:
        separators = _BIO_SEPARATORS
        commas = commas or line[pos - 1] != "、"
        item_end = pos - 1
        while item_end > 0 and line[item_end - 1] == " ":
            item_end -= 1
        item_start = item_end
        lowest = max(0, item_end - _LOOKBACK)
        while item_start > lowest and line[item_start - 1] not in f"{_BIO_SEPARATORS}。！？!?（(":
            item_start -= 1
        item = line[item_start:item_end].strip()
        title_at = _before_title(line, item_end)
        found = _name_before(line, title_at, names, alone=title_at < item_end)
        if found and line[item_start : found[0]].strip() == "" and (skipped or title_at < item_end):
            if _starts_clause(line, found[0]) and (not commas or _RANK_ENDS.match(line, end)):
                return found
            return None
        if not item or not _BIO_ITEM.fullmatch(item):
            return None
        pos, skipped = item_start, skipped + 1
        while pos > 0 and line[pos - 1] == " ":
            pos -= 1
    return None


# Between names sharing one 职称 and the 职称: a count of them or 均为 / 都是
# (「李文静、王建华两位主任医师」「李文静与赵明远都是主任医师」).
_GROUP_TAIL = re.compile(
    r"(?:[两二三四五六七八九十几0-9]{1,2}位)?(?:均为|都是|均是|同为|皆为|均系|都为|均任|都任)?$"
)
_GROUP_JOINS = frozenset("、和与及")


def _group_before(line: str, start: int, names: tuple[str, ...]) -> list[tuple[int, str]]:
    """(start, name) of two or more names joined by 、/和/与/及 right before the 职称 at
    `start` that they share (「李文静、王建华两位主任医师联合会诊」「李文静、赵明远均为主任医师」;
    sixteenth verification M4); [] for one name (read by the other forms) or none."""
    end = _GROUP_TAIL.search(line, max(0, start - 12), start).start()
    found: list[tuple[int, str]] = []
    while (name := _name_before(line, end, names, alone=False)) is not None:
        found.append((name[0], name[1]))
        if name[0] > 0 and line[name[0] - 1] in _GROUP_JOINS:
            end = name[0] - 1
            continue
        break
    return found if len(found) >= 2 else []


def _name_before_title(line: str, start: int, names: tuple[str, ...]):
    """(start, name, surname_only) of a name and her title right before the 职称 at `start`:
    「李文静医生主任医师」, as 「李文静医生｜主任医师」「李文静医生 - 主任医师」 read once
    `cms.textnorm` dropped the mark between (issue 17 verification, point 6)."""
    pos = _before_title(line, start)
    if pos == start:
        return None
    found = _name_before(line, pos, names, alone=True)
    if found and _starts_clause(line, found[0]):
        return found
    return None


# Surnames that are also words a sentence opens with (向主任医师咨询, 于…): never a surname
# alone here.
_FUNCTION_SURNAMES = frozenset("向于和与及同经由从在为将把对给让被跟")
_SERVING_FUNCTION_SURNAMES = frozenset("向于")


def _guessed_name_before(line: str, start: int, end: int, rank: str):
    """(start, name, surname_only) of a name opening its clause right before the 职称 at
    `start`–`end` that the character rules turn away: one jieba keeps as one word
    (「张三丰主任医师为您面诊」「王一鸣主任医师」), or a surname alone (after 老 or 小 too)
    introduced as a doctor: after a label (「特邀专家：张主任医师」「特邀专家：张教授亲诊」) or
    serving (「王主任亲自为您面诊」「老张主任医师为您面诊」). 「找王主任看过」 in a patient's
    story serves nobody, and 「找过一位张主任医师」 does not open its clause. Issue 17
    verification, point 6."""
    for length in (4, 3):
        at = start - length
        text = line[at:start] if at >= 0 else ""
        if (
            text
            and _surname(text)
            and text[:2] not in _NOT_NAMES
            and not _department(text)  # 「康复科主任医师会评估」 (round-6 tester)
            and _starts_clause(line, at)
            and _cut_as_name(text)
        ):
            return at, text, False
    stop = start
    while stop > 0 and line[stop - 1] == " ":
        stop -= 1
    if line[stop - 1 : stop] in ("，", ",") and _RANK_ENDS.match(line, end):
        stop -= 1  # 「专家：老王，主任医师」: the label's value, then the 职称 as a bio item
    else:
        stop = start
    labelled = _labelled_before(line, stop)
    if stop < start and not labelled:
        return None
    # serving, or joined us (「刘主任加盟我院」), or booked (「预约刘主任」: round-2 tester)
    joined = _JOINED_TITLED.match(line, end)
    serving = (
        labelled
        or _SERVES.match(line, end)
        or _SERVES_WHEN.match(line, end)
        or _JOINS_US.match(line, end)
        or (joined and _SERVES_WHEN.match(line, joined.end()))
    )
    if (
        not serving
        and not _BOOKING.search(line, max(0, stop - 7), stop)
        and not _INVITED_BY_US.search(line, max(0, stop - 32), stop - 1)
    ):
        return None
    for length in (2, 1):
        at = stop - length
        text = line[at:stop] if at >= 0 else ""
        if not text or not _is_surname(text):
            continue
        if text in _FUNCTION_SURNAMES and not (
            # 于 and 向 are surnames too: opening the line's clause with her 职称 and serving
            # (「于主任每周六坐诊」「向主任为您面诊」; round-2 doctor tester); 「向主任医师咨询」
            # serves nobody
            text in _SERVING_FUNCTION_SURNAMES
            and serving
            and not labelled
            and _starts_clause(line, at)
        ):
            continue
        if at > 0 and line[at - 1] in "老小":
            at -= 1
        if not labelled and _INVITED_BY_US.search(line, max(0, at - 30), at):
            return at, text, True  # 「我院特聘刘主任」 (round-2 doctor tester)
        if serving and (
            _starts_clause(line, at)
            or (labelled and line[at - 1 : at] in "：:")
            or _opens_after_intro(line, at)
        ):
            return at, text, True
        if _booked(line, at, end):
            return at, text, True
    return None


# A day a doctor serves on: 「每周三」「本周六」「3月5日」「明天上午」; (round-2 doctor tester)
# 「每月第一个周六」「本月15日」「逢周六」「周末」, hours (「9:00-12:00」「上午9点」)
_HOUR = r"\d{1,2}(?:[:：]\d{2}|[点时]半?)"
_DAY = (
    r"(?:(?:本|下|这|每|这个|下个|逢)?(?:周|星期|礼拜)[一二三四五六日天末]|每天|每日|今天|明天|后天"
    r"|今日|明日|\d{1,2}月\d{1,2}[日号]|[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}[日号]"
    r"|(?:每|本|下|这)(?:个)?月(?:第[一二三四1-4]个?(?:周|星期|礼拜)[一二三四五六日天末]|\d{1,2}[日号])"
    r"|节假日|双休日|周末"
    # the next day of a list said alone: 「本周六、日」
    r"|(?<=[、和及与/])[一二三四五六日天]"
    rf"|{_HOUR}(?:\s*[-~～—至到]\s*{_HOUR})?"
    r"|上午|下午|晚上|全天|逢[一二三四五六日天])"
)
# Between two days of a list: 「每周六、周日」「周二和周四」
# (round-6 tester) and a range: 「每周一至周五」「周一到周五」
_DAY_JOIN = r"(?:\s*(?:[、和及与/~～至到]|-|—)\s*)?"
# How she serves, before or after whom: 「一对一为您面诊」「为您在线面诊」 (round-2 doctor tester)
_MANNER = r"(?:亲自|一对一|免费|视频|线上|在线|远程|单独|专门|耐心|现场)"
# Days, each after 于 or 在 at most (「将于本周六为您面诊」)
_DAYS = rf"(?:(?:于|在)?{_DAY}{_DAY_JOIN}\s*)*"
# Her team or studio serving: 「刘建国团队每周六坐诊」「刘建国教授团队为您面诊」
_TEAM = r"(?:(?:医生|专家|教授|博士)?(?:团队|工作室|名医工作室))?"
# Serving, told after her name and title: at a time, at a place, for someone
# (「刘主任每周三坐诊」「刘主任本周六坐诊」「王一鸣主任医师每周三在我院坐诊」「…将为您面诊」
# 「…，为您面诊」「…为患者面诊」)
# (round-2 tester) 帮您看 / 给您看病 (看 only for someone, 看看 only with 帮: 「为您看懂化验单」
# 「给大家看看」 serve nobody), her 专家号 (「刘主任专家号限量」), and 则 (「…，周六则在我院坐诊」)
# (round-3 tester) 坐诊所 / 坐诊室 are no 坐诊 (「每周六坐诊所的班车」)
_SERVING_VERBS = (
    "亲诊|亲自|坐诊(?![所室])|面诊|出诊|接诊|主诊|领衔|主刀|会诊|问诊|诊治|看诊|义诊|诊疗|把脉"
    "|坐镇|坐堂|操刀"
)
# (round-2 doctor tester) her work said otherwise for someone: 「为您号脉」「为您开方」「给您看病」
_WORK_FOR_SOMEONE = "开方|治疗|调理|针灸|诊断|手术|复诊|看病|检查"
# her clinic: 「刘建国专家门诊」「刘主任门诊时间」 (a plain 门诊 is a patient's too: 「…门诊复查」)
_HER_CLINIC = r"(?:专家|特需|名医|名老中医)门诊(?:号|时间)?|门诊(?:号|时间)"
# marks between her name and her serving: 「刘建国：为您面诊」「刘建国——为您面诊」
# 「刘建国（每周六坐诊）」 (round-2 doctor tester)
# and an aside in brackets: 「刘医生（Dr. Liu）每周六坐诊」
_SERVING_MARK = r"\s*(?:[（(][^（()）\n]{1,24}[）)])?\s*(?:[，,：:]|——|—|--|～|~|[（(【「“])?\s*"
_SERVES_WHEN = re.compile(
    rf"{_TEAM}{_SERVING_MARK}(?:目前|现在|现|已|已经|长期|固定)?{_DAYS}(?:起)?"
    r"(?:将|会|可|可以|也|都|亲自|还|均|亲临|莅临|则|联合|共同|一起|轮流)?"
    rf"{_DAYS}{_MANNER}?"
    r"(?:(?:在|来|到|莅临|于|固定在|来到)(?P<place>[^，,。；;！？!?]{1,16}?))?"
    r"(?:(?:为|给|(?P<help>帮))(?P<who>您|你|大家|患者|病人|你们|各位|广大患者)|亲自)?"
    rf"{_MANNER}?(?:提供|进行|做|安排)?"
    rf"(?P<verb>{_SERVING_VERBS}|号脉"
    rf"|(?(who)(?:{_WORK_FOR_SOMEONE})|(?!))|(?(help)看看?(?![懂清完到见出过])|(?!))"
    rf"|的?(?:专家号|特需号|号源|{_HER_CLINIC}))"
)
# Where a serving phrase ends (`_SERVES_WHEN`'s last word), looked back from for the doctor
# named before it (`_serving_names`); 看 after the person served only.
_SERVING_WORD = re.compile(
    _SERVING_VERBS
    + r"|号脉|(?<=[您你家者人们位])看[病看]?|专家号|特需号|号源|门诊号|门诊时间|门诊"
    + f"|{_WORK_FOR_SOMEONE}"
)
# The serving words only a doctor's work is told with: a full name with no title (or with
# 老师) serves by the others only when they are for someone (「刘建国为您面诊」), as a patient's
# story (「刘建国来我院面诊后…」「来我院诊疗」) or a teacher's (「刘老师领衔」) uses them too
_DOCTORS_WORDS = frozenset(
    "坐诊 出诊 接诊 亲诊 主诊 坐堂 义诊 主刀 操刀 专家号 特需号 号源 号脉 门诊号 门诊时间 专家门诊 "
    "特需门诊 名医门诊 名老中医门诊 专家门诊号 特需门诊号 专家门诊时间".split()
)
_SERVING_SPAN = 28  # characters looked back from a serving word for her name, at most
# A doctor joined us: 「刘主任加盟我院」「刘主任受聘于我院」「刘主任是我院特聘专家」 (round-2
# tester): on a 科普 page she is ours, no outside expert quoted.
_OURS = r"(?:我院|本院|本中心|本诊所|本门诊部?|我们医院|我科|本科室)"
# (round-2 doctor tester) 「加盟我们」「是我们的特聘专家」「入职我院」「受聘我院」「被我院聘为…」
_OURS_JOINED = rf"(?:{_OURS}|我们(?:医院|诊所|中心|团队)?)"
_JOINS_US = re.compile(
    r"\s*[，,]?\s*(?:已经|已|现已|正式|即将|将|于(?:\d{2,4}年)?(?:\d{1,2}月)?){0,3}"
    r"(?:(?:加盟|加入|入驻|入职|受聘|应聘|签约|就职|任职|供职|落户|调入)(?:于|到)?了?"
    rf"{_OURS_JOINED}"
    rf"|被{_OURS_JOINED}(?:特聘|聘请|聘任|聘|返聘|特邀)(?:为)?"
    rf"|(?:是|为|系|现为|现任|成为|受聘为|被聘为|获聘为)了?{_OURS_JOINED}的?"
    r"(?:特聘|特邀|特约|坐诊|出诊|客座|签约|外聘|资深|知名|首席){0,2}(?:专家|医生|医师|名医|教授|顾问))"
)
# (round-3 testers) A person presented as a doctor, whatever the sentence says she does: a
# name next to a word for a doctor, in either order, with marks, a count or a team between
# (「资深专家刘建国」「刘建国、王建华两位医生」「专家团队：刘建国、王芳」「“张伟”医生」
# 「坐诊专家 刘建国」「Liu医生」「张伟 MD」). An ad presents every such person, so each is a
# doctor of the doctor pages there; on a 科普 page only one who sees our patients must be
# (`_serving_here`, `_reached_here`).
_PRESENTING = tuple(
    sorted(
        {
            *RANKS,
            *"医生 大夫 专家 名医 老中医 名老中医 名中医 中医 国医大师 院士 大师 "
            "博士 医学博士 医学专家 营养师 治疗师 康复师 心理咨询师 心理治疗师 "
            "学科带头人 带头人 博导 博士生导师 硕导 硕士生导师".split(),
        },
        key=len,
        reverse=True,
    )
)
_PRESENTING_WORD = re.compile("|".join(_PRESENTING))
# every word at every place, overlapping: 「著名医生」 holds 名医 and 医生
_PRESENTING_AT = re.compile("(?=(" + "|".join(_PRESENTING) + "))")
# A surname alone is a person only before these (「王医生」「张主任」; 「高中医学」 holds no 高中医)
_SURNAME_PRESENTING = frozenset({*RANKS, "医生", "大夫", "专家", "博士", "院士", "大师", "名医"})
# A label whose value is the doctor serving: 「主诊：刘建国」「坐诊：刘主任」
_PRESENTING_LABEL = re.compile(r"(?:主诊|坐诊|出诊|接诊|会诊|挂号|值班|门诊)\s*[：:]")
# Between a name and the word after it: marks, a count (「两位医生」), 等
_GAP_BEFORE_WORD = re.compile(
    r"[\s“”‘’\"'「」『』《》〈〉]{0,3}(?:等)?(?:[两二三四五六七八九十几多数\d]{1,2}[位名])?$"
)
# Between the word and a name after it: her team or list named, marks
_GAP_AFTER_WORD = re.compile(
    r"(?:团队|组|阵容|名单|库|们)?[\s：:—–\-－【】\[\]（(“”‘’\"'「」『』《》〈〉·]{0,4}"
)
# What may follow a name after the word: the clause's end, a list, a mark, a title, a
# serving or an offer (「专家刘建国坐诊」「名医张伟 周六门诊」), not the rest of a word
# (「医生向大家介绍」 names no 向大)
_AFTER_PRESENTED = re.compile(
    r"\s|$|[，,；;。！？!?、）)】\]”」』\"'：:—\-·]|[和与及]"
    r"|(?:为|给|帮|替)(?:您|你)|(?:亲诊|亲自|坐诊|出诊|面诊|接诊|主诊|门诊|领衔|坐镇|团队|工作室)"
    # (round-4 tester) how she serves, what she is good at (「心理咨询师刘建国一对一疏导」)
    rf"|{_MANNER}|擅长|从医|临床|毕业|现任|曾任|主攻|专注|操刀|主刀|提醒|表示|指出|建议|认为|说"
    r"|(?:" + "|".join(_PRESENTING) + ")"
    rf"|{_DAY}"  # 「名医张伟 周六门诊」 (spaces between Chinese are folded away)
)
# A name in Latin letters next to the word: 「Liu医生」「ZHANG医生」「Zhang Wei 主任医师」; a
# short capital word is an abbreviation unless a surname (「AI医生」「CT医生」 name no one)
_LATIN_BEFORE = re.compile(
    r"(?<![A-Za-z])(?P<name>[A-Z][a-z]{1,14}(?:\s[A-Z][a-z]{1,14})?|[A-Z]{4,15}"
    r"|LI|WU|XU|HU|MA|HE|LU|YU|YE|SU|FU|DU|LIU|SUN|GAO|LIN|GUO|ZHU|LUO|XIE|TAN|CAO|PAN|QIN|FAN|JIN"
    r"|YAN|SHI|JIA|XIA|BAI|ZOU|QIU|YIN|DAI|MAO|HAO|GONG|DENG)\s*$"
)
_LATIN_DEGREE_AFTER = re.compile(r"\s*(?:M\.?D\b\.?|Ph\.?D\b\.?|MD|PhD)")
_SURNAME_TITLE_LATIN = re.compile(r"\s*(?:Sir|sir|SIR)(?![A-Za-z])")
_DR_SURNAME = re.compile(r"(?<![A-Za-z])(?:Dr|DR|Doctor|Prof)\s?[.．]?\s?(?=[\u4e00-\u9fff])")
_PRESENTED_JOINS = "、和与及/"


# Sent to her before a surname: 「咨询刘医生」「加刘医生微信」「欢迎找张大夫」
_REACH_VERB_BEFORE = re.compile(r"(?:咨询|预约|联系|私信|(?<![参增更追添施])加|找|问问|请教|关注)$")


# (round-4 tester) the rest of the 百家姓, read only where a name is certain: heading its
# clause right before 医生 / 大夫 / a 职称 (「冀明医生为您面诊」「麦家豪医生每周六坐诊」), and no
# dictionary word (「全科医生」「明星医生」「国内医生」 are words)
_RARE_SURNAMES = frozenset(
    "冀麦桂阚车晁仲查柏蔚芮沃尉邝敖缑鄢鄂臧储贝伏茅昝裘贲郁杭钮嵇荀於羿汲邴糜隗宓蓬郗伊宫钭戎"
    "祖束韶蓟莘贡劳逄姬堵郦雍璩扈燕郏瞿禄阙殳厍訾竺权逯桓"
    # (round-6 tester) 「佘丽娟」「禤国维」「眭明」
    "佘禤眭亓邸仝谌琚鄞郇闾"
)
_RARE_COMPOUNDS = frozenset(
    "濮阳 澹台 淳于 单于 太叔 申屠 仲孙 钟离 宇文 闻人 呼延 百里 东郭 南门 羊舌".split()
)
# (round-6 tester) the rarer surnames that are no word nor verb of their own, read by
# themselves before a title as the common ones are (「冀主任每周三坐诊」「预约冀医生」「麦医生
# 坐诊」「濮阳医生为您面诊」); not 查 (请查医生的执业证), 车, 燕, 劳, 束, 权 … nor 百里, 南门
_ALONE_SURNAMES = frozenset(
    [
        *"冀麦郦佘禤眭阚晁邝鄢臧裘嵇荀缑芮瞿逯訾厍殳郏扈璩邴糜隗宓郗钭昝贲钮亓邸仝谌琚鄞郇闾",
        *"濮阳 澹台 淳于 申屠 钟离 闻人 呼延 羊舌".split(),
    ]
)


def _unlisted_name_before(line: str, end: int):
    """(start, name, False) of a name with a surname outside `SURNAMES` ending at `end`
    before a word for a doctor, heading its clause (`_RARE_SURNAMES`)."""
    tags = _word_tags()
    for length in (3, 2, 4):
        start = end - length
        text = line[start:end] if start >= 0 else ""
        compound = text[:2] in _RARE_COMPOUNDS
        surname = text[:2] if compound else text[:1]
        given = text[len(surname) :]
        if (
            not text
            or not (surname in _RARE_SURNAMES or compound)
            or not 1 <= len(given) <= 2
            or not all("\u4e00" <= ch <= "\u9fff" and ch not in _NOT_GIVEN for ch in given)
            or not tags.get(text, "nr").startswith("nr")
            or (not compound and not tags.get(text[:2], "nr").startswith("nr"))
            # a verb after a word of the list is no given name (「应咨询医生」「须就诊」)
            or tags.get(given, "").startswith("v")
            or not (_introduced(line, start) or _opens_after_intro(line, start))
        ):
            continue
        return start, text, False
    return None


def _presented_surname(line: str, at: int) -> str | None:
    """The surname ending at `at`, before a word for a doctor, when it starts her mention:
    introduced (`_introduced`, a day, 我院), after 老 / 小 or a verb sending the reader to
    her; 「西方医生」 holds no 方医生."""
    for length in (2, 1):
        start = at - length
        surname = line[start:at] if start >= 0 else ""
        if (
            surname
            and _is_surname(surname)
            and surname not in _FUNCTION_SURNAMES
            and (
                _introduced(line, start)
                or _opens_after_intro(line, start)
                or line[start - 1 : start] in ("老", "小")
                or _REACH_VERB_BEFORE.search(line, max(0, start - 2), start)
            )
        ):
            return surname
    return None


def _presented_after(line: str, at: int, names: tuple[str, ...]):
    """(end, name) of a name starting at `at` that `_AFTER_PRESENTED` may follow: the
    longest such (「名医张伟周六门诊」 is 张伟, not 张伟周)."""
    for name in names:
        if line.startswith(name, at):
            return at + len(name), name
    if _inside_a_name(line, at, names) or _mid_word(line, at):
        return None
    for length in (4, 3, 2):
        end = at + length
        if (
            end <= len(line)
            and _is_name(line[at:end])
            and not _department(line[at:end])
            and _AFTER_PRESENTED.match(line, end)
        ):
            return end, line[at:end]
    return _unlisted_name_after(line, at)


def _unlisted_name_after(line: str, at: int):
    """(end, name) of a full name with a rarer surname (`_RARE_SURNAMES`) starting at `at`,
    after a word for a doctor, that `_AFTER_PRESENTED` may follow: 「营养师麦嘉欣一对一指导」
    「博士生导师冀文华亲自面诊」 (round-6 tester); no dictionary word (「医生车辆」)."""
    tags = _word_tags()
    for length in (3, 2):
        end = at + length
        text = line[at:end]
        given = text[1:]
        if (
            len(text) == length
            and text[0] in _RARE_SURNAMES
            and all("\u4e00" <= ch <= "\u9fff" and ch not in _NOT_GIVEN for ch in given)
            and tags.get(text, "nr").startswith("nr")
            and tags.get(text[:2], "nr").startswith("nr")
            and not tags.get(given, "").startswith("v")
            and _AFTER_PRESENTED.match(line, end)
        ):
            return end, text
    return None


def _presented_before(line: str, end: int, names: tuple[str, ...]):
    """(start, name, False) of a full name ending at `end`, before a word for a doctor: not
    a department (「康复科医生」) nor starting inside a word (「换成李医生」 names 李, not 成李)."""
    found = _name_before(line, end, names, alone=False)
    if found is None or found[1] in names:
        return found
    if line[found[0] - 1 : found[0] + 1] in _RARE_COMPOUNDS and found[0] > 0:
        return found[0] - 1, line[found[0] - 1 : end], False  # 「濮阳明」, not 阳明
    if _department(found[1]) or _mid_word(line, found[0]):
        return None
    return found


def _department(text: str) -> bool:
    return text.endswith(("科", "室", "部", "中心"))


def _mid_word(line: str, at: int) -> bool:
    """Whether `at` falls inside a common dictionary word: the character before and the one
    at `at` make one used at least `_COMMON_WORD` times in jieba's corpus (「换成」 391,
    「主任」; not 「医王」 3, in 「名老中医王德顺」)."""
    return at > 0 and _word_counts().get(line[at - 1 : at + 1], 0) >= _COMMON_WORD


_COMMON_WORD = 100


def word_frequency(word: str) -> int:
    """How often jieba's corpus uses `word` (two characters; 0 when it is no dictionary word):
    健康 5971, 睡眠 1067, 康宁 168, 仁和 27."""
    return _word_counts().get(word, 0)


@functools.cache
def _word_counts() -> dict[str, int]:
    """jieba's dictionary: word of two characters → how often its corpus uses it."""
    import jieba

    counts = {}
    with jieba.get_dict_file() as dictionary:
        for raw in dictionary:
            word, *rest = raw.decode("utf-8").split()
            if len(word) == 2 and rest:
                counts[word] = int(rest[0])
    return counts


# (round-5) A doctor's work told of a full name with no word for a doctor: after her name
# (「本院刘建国，临床经验30年」「刘建国从医30年」「王建华行医二十余年」) or before it (「擅长脱发
# 治疗的刘建国」); she heads her clause, so 「我爸从医30年」 and 「临床经验表明」 name no one.
_DOCTORS_WORK_AFTER = re.compile(
    # 从医院 / 从医生 / 从医学 are "from the hospital …"; 执业药师 is a pharmacist
    r"从医(?![院生学疗嘱保])|行医|执业(?!药师)"
    r"|(?:有|拥有)?(?:[\d一二三四五六七八九十几多余]{1,4}年(?:的)?)?(?:临床经验|临床工作)"
    # good at or given to treating an ailment (「本院刘建国擅长脱发」「刘建国专注脱发治疗20年」)
    r"|(?:擅长|专注|专攻|主攻|精通)[\u4e00-\u9fff、]{0,10}?"
    r"(?:治疗|诊治|诊疗|调理|手术|脱发|失眠|糖尿病|湿疹|高血压|皮肤病|睡眠障碍)"
)
_WORK_GAP = re.compile(r"[，,：:\s]{0,2}$")
_DOCTORS_WORK_BEFORE = re.compile(r"擅长[\u4e00-\u9fff、]{1,12}?(?:治疗|诊治|诊疗|调理|手术)的")


# (round-5) Honours only a person holds: a full name jieba's dictionary tags as a place
# before one is hers (「钟南山院士」; 「黄山医生」 is a doctor of 黄山)
_PERSONS_HONOURS = frozenset({"院士", "国医大师", "教授", "博导", "博士生导师"})


# (round-6 tester) Where a given name is a word of its own (国庆, 建国, 海峰, 文华), the
# dictionary reads the name as words (王国 / 庆, 黄海 / 峰, 金文 / 华) or as a place (马建国)
# and `_is_name` refuses it; right before a 职称 or 医生, heading its clause, it is her name
# unless a place (祁连山, 武汉市), a word the dictionary holds (高血压, 程序员) or a word of time
# or manner first (周末班, 高中部).
_PLACE_ENDS = frozenset("山市省县区镇村乡路街州岛湖江河港湾站园城庄屯寨局所院")
_NAME_START_TAGS = frozenset({"n", "ns", "nz", "nr", "nrt", "nrfg"})


def _worded_name_before(line: str, end: int):
    """(start, name, False) of a three-character name whose given part the dictionary reads
    as a word, ending at `end` right before a word for a doctor (`_SURNAME_PRESENTING`)."""
    start = end - 3
    text = line[start:end] if start >= 0 else ""
    tags = _word_tags()
    if (
        not text
        or text[0] not in SURNAMES
        or text[0] in _FUNCTION_SURNAMES
        or not all("\u4e00" <= ch <= "\u9fff" and ch not in _NOT_GIVEN for ch in text[1:])
        or text[-1] in _PLACE_ENDS
        or tags.get(text, "nr")[:2] not in ("nr", "ns")
        or tags.get(text[:2], "n") not in _NAME_START_TAGS
        or tags.get(text[1:], "n").startswith(("v", "a", "d"))
        or (text[0] in _LEVEL_SURNAMES and _common_noun(text[1:]))  # (round 7) 高水平
        or (text[1] == "家" and text[2] in _VILLAGE_ENDS)  # (round 7) 石家庄
        or _department(text)
        or not (
            _introduced(line, start)
            or _opens_after_intro(line, start)
            # after a word for a doctor (「专家王国庆主任医师坐诊」)
            or _PRESENTING_ENDS.search(line, max(0, start - 10), start)
        )
    ):
        return None
    return start, text, False


_PRESENTING_START = re.compile("|".join(_PRESENTING))
_PRESENTING_ENDS = re.compile("(?:" + "|".join(_PRESENTING) + r")[\s：:·]{0,2}$")


def _place_named_before(line: str, end: int):
    """(start, name, False) of a three-character name the dictionary tags as a place
    ending at `end`, heading its clause, before `_PERSONS_HONOURS`."""
    start = end - 3
    text = line[start:end] if start >= 0 else ""
    if (
        text
        and _surname(text) == text[:1]
        and _word_tags().get(text, "").startswith("ns")
        and (_introduced(line, start) or _opens_after_intro(line, start))
    ):
        return start, text, False
    return None


def _named_by_work(line: str, names: tuple[str, ...]):
    """(start, end, name, False) of each full name a doctor's work is told of
    (`_DOCTORS_WORK_AFTER`, `_DOCTORS_WORK_BEFORE`)."""
    found = []
    for work in _DOCTORS_WORK_AFTER.finditer(line):
        gap = _WORK_GAP.search(line, max(0, work.start() - 2), work.start())
        at = gap.start() if gap else work.start()
        before = _presented_before(line, at, names)
        if before and (_introduced(line, before[0]) or _opens_after_intro(line, before[0])):
            found.append((before[0], at, before[1], False))
    for work in _DOCTORS_WORK_BEFORE.finditer(line):
        after = _presented_after(line, work.end(), names)
        if after:
            found.append((work.end(), after[0], after[1], False))
    return found


def _presented_names(line: str, names: tuple[str, ...]):
    """(start, end, name, surname_only) of each person named next to a word for a doctor
    (`_PRESENTING`), and the names listed with her (「刘建国、王建华两位医生」「专家团队：
    刘建国、王芳」): round-3 testers."""
    found: list[tuple[int, int, str, bool]] = []
    for word in _PRESENTING_AT.finditer(line):
        start, end = word.start(1), word.end(1)
        gap = _GAP_BEFORE_WORD.search(line, max(0, start - 8), start)
        at = gap.start() if gap else start
        before = _presented_before(line, at, names)
        if before:
            found.append((before[0], at, before[1], False))
        elif surname := (
            _presented_surname(line, start) if word.group(1) in _SURNAME_PRESENTING else None
        ):
            found.append((start - len(surname), end, surname, True))
        elif latin := _LATIN_BEFORE.search(line, max(0, start - 32), at):
            found.append((latin.start(), at, latin.group("name"), False))
        elif unlisted := _unlisted_name_before(line, at):  # (round 6) 「冀建国博导」 too
            found.append((unlisted[0], at, unlisted[1], False))
        elif word.group(1) in _SURNAME_PRESENTING and (worded := _worded_name_before(line, at)):
            found.append((worded[0], at, worded[1], False))
        elif word.group(1) in _PERSONS_HONOURS and (placed := _place_named_before(line, at)):
            found.append((placed[0], at, placed[1], False))
        gap_after = _GAP_AFTER_WORD.match(line, end)
        after = _presented_after(line, gap_after.end(), names)
        if after:
            found.append((gap_after.end(), after[0], after[1], False))
    for label in _PRESENTING_LABEL.finditer(line):
        at = _GAP_AFTER_WORD.match(line, label.end()).end()
        after = _presented_after(line, at, names)
        if after:
            found.append((at, after[0], after[1], False))
    found += _named_by_work(line, names)
    for latin in _LATIN_NAME.finditer(line):  # 「Dr. Liu」 wherever she is
        found.append((latin.start(), latin.end(), latin.group(), False))
    for dr in _DR_SURNAME.finditer(line):  # 「Dr.刘」「Dr.刘建国」
        after = _presented_after(line, dr.end(), names)
        if after:
            found.append((dr.start(), after[0], after[1], False))
        elif _surname(line[dr.end() :]):
            surname = _surname(line[dr.end() :])
            found.append((dr.start(), dr.end() + len(surname), surname, True))
    for degree in _LATIN_DEGREE_AFTER.finditer(line):  # 「张伟 MD」
        before = _name_before(line, degree.start(), names, alone=False)
        if before and _introduced(line, before[0]):
            found.append((before[0], degree.start(), before[1], False))
    for sir in _SURNAME_TITLE_LATIN.finditer(line):  # 「刘Sir」
        surname = line[sir.start() - 1 : sir.start()]
        if surname and _is_surname(surname) and _introduced(line, sir.start() - 1):
            found.append((sir.start() - 1, sir.end(), surname, True))
    listed = []
    for start, end, _name, surname_only in found:
        if surname_only:
            continue
        at = start  # names listed before hers: 「刘建国、王建华两位医生」
        while at > 1 and line[at - 1] in _PRESENTED_JOINS:
            before = _presented_before(line, at - 1, names)
            if before is None:
                break
            listed.append((before[0], at - 1, before[1], False))
            at = before[0]
        at = end  # names listed after hers: 「专家团队：刘建国、王芳」
        while at < len(line) - 1 and line[at] in _PRESENTED_JOINS:
            after = _presented_after(line, at + 1, names)
            if after is None:
                break
            listed.append((at + 1, after[0], after[1], False))
            at = after[0]
    return [*found, *listed]


# On a 科普 page, the reader sent to her: before her name (「点击咨询刘医生」「加刘医生微信」
# 「联系刘医生」), or after it (「刘医生的微信」「刘医生门诊」「刘医生免费答疑」「刘建国医生负责您的
# 治疗」「…为您植发」): round-2 and round-3 testers. Her clinic is 门诊 right after her name, not
# the clinic a story happens in (「王医生在门诊中发现」).
_REACHED_BEFORE = re.compile(
    r"(?:咨询|预约|联系|私信|(?<![参增更追添施])加|找|问问|请教|点击|挂|关注)"
    r"[^，,。；;！？!?]{0,4}$"
)
_REACHED_AFTER = re.compile(
    # her clinic, not a talk about it (「张文宏教授门诊经验分享」: round-4 tester), on her days
    # (「名老中医王德顺每周三门诊」)
    # her days after a comma (「刘建国医生，周三门诊」: round-6 tester)
    rf"(?:的|[，,]\s*(?={_DAY}))?{_DAYS}"
    r"(?:微信|电话|手机|私信|门诊(?![中时里上部外]|经验|分享|心得|故事|手记|日记|笔记|见闻|随笔)"
    r"|专家号|号源|工作室|团队(?!的?(?:研究|发现|发表)))"
    # her clinic booked after a comma (「本文作者刘建国医生，可预约其门诊」: round-6 tester)
    r"|[，,]\s*(?:可以?|欢迎|请|均可|也可以?)?(?:预约|挂|咨询|联系|找)(?:其|他|她)(?:的)?"
    r"(?:门诊|号|专家号|面诊|诊室)?"
    r"|[^，,。；;！？!?]{0,6}?(?:(?:在线|免费|一对一|实时|随时|线上)"
    r"(?:答疑|解答|咨询|回复|指导|服务|调理|评估|面诊|诊疗|辅导|疏导)"
    r"|负责(?:您|你)|(?:为|帮|给|替)(?:您|你)们?[^，,。；;！？!?]{0,6}?"
    r"(?:植发|定制|制定|解决|调理|治疗|诊疗|面诊|诊断|检查|安排|服务|开方|手术|看病|看看|号脉|把关"
    r"|答疑|解答))"
)
# A story set in fiction or history (「电视剧里的刘医生每周六坐诊」「孙思邈为病人诊治」): no
# doctor of ours (round-3 testers)
_TOLD_OF_ELSEWHERE = re.compile(
    r"电视剧|电影|影片|小说|剧中|剧里|戏里|书中|故事里|动画|漫画|《[^》\n]{1,20}》(?:中|里)"
    r"|古代|古时|相传|传说|据记载|史书|史载|[唐宋元明清汉晋隋]代|东汉|西汉|三国|春秋|战国"
)
HISTORIC_PHYSICIANS = frozenset(
    "孙思邈 李时珍 华佗 扁鹊 张仲景 葛洪 皇甫谧 钱乙 叶天士 朱丹溪 李东垣 王叔和 吴鞠通 张景岳 "
    "王清任 傅青主 陶弘景 刘完素 张从正 薛雪 吴又可 喻昌 淳于意 张锡纯 叶桂".split()
)


def _sentence_of(line: str, start: int, end: int) -> tuple[int, int]:
    opening = max(0, start - _LOOKBACK)
    for mark in _SENTENCE_END.finditer(line, opening, start):
        opening = mark.end()
    stop = _SENTENCE_END.search(line, end, end + _LOOKBACK)
    return opening, stop.start() if stop else min(len(line), end + _LOOKBACK)


def _told_of_elsewhere(line: str, mention: _Mention) -> bool:
    """Whether the doctor named is a figure of history or fiction: a physician of old
    (`HISTORIC_PHYSICIANS`) or her sentence set in a drama, a novel or a dynasty."""
    if mention.name in HISTORIC_PHYSICIANS:
        return True
    opening, stop = _sentence_of(line, mention.start, mention.end)
    return bool(_TOLD_OF_ELSEWHERE.search(line, opening, stop))


def _reached_here(line: str, mention: _Mention) -> bool:
    """Whether the reader is sent to the doctor named (`_REACHED_BEFORE`, `_REACHED_AFTER`):
    on a 科普 page that is a consultation offered, an ad (round-3 testers)."""
    # after the word for a doctor too (「王德顺老中医每周三门诊」: round-6 tester)
    word = _PRESENTING_START.match(line, mention.end)
    after = _REACHED_AFTER.match(line, mention.end) or (
        word and _REACHED_AFTER.match(line, word.end())
    )
    if not (_REACHED_BEFORE.search(line, max(0, mention.start - 8), mention.start) or after):
        return False
    if after and not _no_outside_hospital(line, mention, after.end()):
        return False  # her clinic at an outside hospital (「北京协和医院刘建国医生每周三门诊」)
    return not _told_as_story(line, mention.start, mention.end)


# Booked before her name: 「预约刘主任」「挂刘主任的号」「预约刘医生」 (round-2 tester); 挂 books
# only with 号 after her (「挂刘主任的号」)
# (round-2 doctor tester) 约 as booking (not 大约 / 节约 …), 抢 like 挂 only with 号 after her
_BOOKING = re.compile(
    r"预约|预定|预订|约诊|挂号|挂|抢|(?<![大预节制合公条签相邀])约(?![定束合有莫略])"
)
_BOOKING_BEFORE = re.compile(
    r"(?:预约|预定|预订|约诊|挂号|挂|抢|(?<![大预节制合公条签相邀])约)\s*$"
)
_NUMBER_AFTER = re.compile(r"\s*的?(?:专家|特需|门诊)?号")


# What is booked of her that is no consultation: 「预约刘老师的八段锦课程」「…的讲座」 (round-2
# doctor tester: a teacher's class read as her serving)
_NOT_A_CONSULTATION = re.compile(
    r"\s*的?[\u4e00-\u9fff]{0,8}?(?:课程|课|讲座|直播|活动|培训|班|沙龙|分享会|签售|新书"
    r"|经验谈|心得|体会|手记|日记|故事)"
)
# Who tells a story in her sentence, before her name: a patient or the narrator and family
# (「我妈预约刘主任，等了一个月」「张阿姨说，刘建国坐诊那天人特别多」: round-2 doctor tester).
# 我 is no 我院 / 我们 / 我科; a patient served (「为患者」) tells nothing.
_STORYTELLER = re.compile(
    r"(?<![为给帮替向])(?:(?<![本])我(?![院们科国市省])|俺|他(?!们)|她(?!们)"
    # a patient called by her surname (「张先生说：王主任说得对」)
    r"|(?<=[\u4e00-\u9fff])(?:先生|女士|小姐)"
    r"|患者|病人|病友|网友|朋友|同事|邻居|家人|亲戚|阿姨|大爷|大妈|大姐|大哥|叔叔|婶婶|老公"
    r"|老婆|丈夫|妻子|孩子|儿子|女儿|母亲|父亲|妈妈|爸爸|奶奶|爷爷|姥姥|姥爷|外婆|外公|闺蜜|室友)"
)
# The narrator's own past told after her name: 「刘主任专家号很难挂，我挂了三次才挂上」
_STORY_AFTER = re.compile(r"(?:(?<![本])我(?![院们科])|俺|我妈|我爸)[\u4e00-\u9fff]{0,6}?(?:了|过)")


def _booked(line: str, at: int, end: int) -> bool:
    """Whether the doctor named at `at`–`end` is booked: 「预约刘主任」「挂刘主任的号」; not her
    class (「预约刘老师的八段锦课程」)."""
    booking = _BOOKING_BEFORE.search(line, max(0, at - 4), at)
    if booking is None or _NOT_A_CONSULTATION.match(line, end):
        return False
    return booking.group().strip() not in ("挂", "抢") or bool(_NUMBER_AFTER.match(line, end))


def _told_as_story(line: str, start: int, end: int) -> bool:
    """Whether the doctor named at `start`–`end` is in a patient's or the narrator's story:
    someone tells it before her name in her sentence (「我妈预约刘主任」「张阿姨说，刘建国坐诊
    那天…」), or the narrator's past follows in it (「刘主任专家号很难挂，我挂了三次…」). Only
    serving at no place said and booking are excused by it; an offer to the reader and our
    place are not (`_serving_here`)."""
    opening = max(0, start - _LOOKBACK)
    for mark in _SENTENCE_END.finditer(line, opening, start):
        opening = mark.end()
    if _STORYTELLER.search(line, opening, start):
        return True
    stop = _SENTENCE_END.search(line, end, end + _LOOKBACK)
    # bounded: a line of thousands of names and no full stop is read in linear time
    until = stop.start() if stop else min(len(line), end + _LOOKBACK)
    return bool(_STORY_AFTER.search(line, end, until))


# Places that are ours: serving there is serving our patients (「我院」「本院皮肤科」, or a room
# named alone: 「门诊」「3楼」); 「华山医院门诊」 is not
_OUR_PLACE = re.compile(r"(?:我院|本院|本中心|本诊所|本门诊|我们|我科|本科室|院内)")
_OURS_JOINED_PLACE = re.compile(r"[和与及、](?:我院|本院|本中心|本诊所|本门诊|我们医院)")
_ROOM = re.compile(r"(?:门诊|诊室|线上|网上|[\d一二三四五六七八九十]+(?:楼|层|号诊室))")
# Before a surname serving, what introduces her though it is no clause's start: a day
# (「本周六刘主任坐诊」), an invitation with the hospital she comes from (「特邀北京协和医院张教授
# 为您面诊」) (issue 17 re-verification, point 6)
_INTRO_BEFORE = re.compile(
    rf"(?:(?:{_DAY})+"
    r"|(?:我院|本院|本中心|我们)?(?:特邀|特聘|邀请|诚邀|特约|邀请到|请来)"
    r"(?:[\u4e00-\u9fff]{2,16}?(?:医院|中心|大学|医学院|研究所|诊所|门诊部|科))?"
    r"|[\u4e00-\u9fff]{2,16}?(?:医院|医学院|诊所|门诊部)(?:[\u4e00-\u9fff]{1,6}?科)?(?:的)?"
    r"|(?:我院|本院|本中心|名医|坐诊专家|特需专家|协和|华西|湘雅|华山|瑞金|仁济|301)"
    # asked for her (「请刘主任为您面诊」: round-2 doctor tester)
    r"|(?:请|特请|邀请|让|由))$"
)


def _opens_after_intro(line: str, at: int) -> bool:
    intro = _INTRO_BEFORE.search(line, max(0, at - 24), at)
    if intro is None:
        return False
    # the shortest introduction that starts a clause (「本周六」, not 「周六」 inside it)
    return any(
        _starts_clause(line, opening)
        for opening in range(intro.start(), at)
        if _INTRO_BEFORE.fullmatch(line, opening, at)
    )


def _surname_introduced(line: str, end: int):
    """(start, surname, True) of a surname ending at `end` (before 医生 / 大夫) introduced by
    a day or an invitation (「本周六刘医生坐诊」「特邀协和医院张医生…」)."""
    for length in (2, 1):
        at = end - length
        text = line[at:end] if at >= 0 else ""
        if text and _is_surname(text) and text not in _FUNCTION_SURNAMES:
            if _opens_after_intro(line, at):
                return at, text, True
    return None


# After a 职称, a surname and her title serving: 「主任医师王教授为您面诊」
_SURNAME_TITLE = re.compile(r"(?:老|小)?([\u4e00-\u9fff]{1,2}?)(?:教授|医生|大夫|主任|博士)")
# or 老 / 小 and a surname, no title: 「主任医师老王为您面诊」 (round-2 tester)
_OLD_SURNAME = re.compile(r"[老小]([\u4e00-\u9fff]{1,2})")


def _surname_after_rank(line: str, end: int):
    """(end, surname) of a surname and title right after the 职称 ending at `end`, serving
    (`_SERVES`) or ending the clause: 「主任医师王教授为您面诊」 (issue 17 re-verification,
    point 6)."""
    comma = _COMMA_MARK.match(line, end)
    match = _SURNAME_TITLE.match(line, comma.end() if comma else end)
    if match is None:
        return _old_surname_after_rank(line, comma.end() if comma else end)
    surname = match.group(1)
    if not _is_surname(surname) or surname in _FUNCTION_SURNAMES:
        return None
    if _SERVES.match(line, match.end()) or _SERVES_WHEN.match(line, match.end()):
        return match.end(), surname  # 「主任医师王教授为您面诊」「副主任医师，王教授，为您面诊」
    if not comma and _NAME_ENDS.match(line, match.end()):
        return match.end(), surname
    return None


def _old_surname_after_rank(line: str, at: int):
    """(end, surname) of 老 / 小 and a surname at `at`, right after a 职称, serving: 「主任医师
    老王为您面诊」「副主任医师小张本周六坐诊」 (round-2 tester). Serving only: 「主任医师老王说」
    and the like are left to the reader's other forms."""
    match = _OLD_SURNAME.match(line, at)
    if match is None:
        return None
    for length in (2, 1):  # a compound surname first (「老欧阳」)
        surname = match.group(1)[:length]
        if len(surname) != length or not _is_surname(surname):
            continue
        if surname in _FUNCTION_SURNAMES:
            return None
        stop = match.start(1) + length
        if _SERVES.match(line, stop) or _SERVES_WHEN.match(line, stop):
            return stop, surname
    return None


_LABEL_BEFORE = re.compile(r"[：:]\s*(?:老|小)?[\u4e00-\u9fff]{1,2}$")
# A colon after words said is a quote, no label: 「张先生说：王主任说得对」
_SAID = re.compile(r"(?:说|道|问|讲|表示|称|回答|写道|提到|认为|指出|感慨|告诉我)\s*$")


def _labelled_before(line: str, at: int) -> bool:
    """Whether a label's colon stands right before the name ending at `at` (「专家：老王」),
    not the colon of words said (「张先生说：王主任…」)."""
    label = _LABEL_BEFORE.search(line, max(0, at - 12), at)
    if label is None:
        return False
    return not _SAID.search(line, max(0, label.start() - 6), label.start())


def _name_in_bracket_after(line: str, end: int, names: tuple[str, ...]):
    """(end, name) of a name alone in brackets right after the 职称 ending at `end`, a title
    after it allowed: 「主任医师（李文静）为您面诊」「主任医师（李文静医生）」 (issue 17
    verification, point 6)."""
    if end >= len(line) or line[end] not in _OPEN:
        return None
    after = _name_after(line, end + 1, names)
    if after is None:
        return None
    close = _CLOSE[_OPEN.index(line[end])]
    stop = after[0]
    for title in _TITLES:
        if line.startswith(title, stop):
            stop += len(title)
            break
    if stop < len(line) and line[stop] == close:
        return stop + 1, after[1]
    return None


# The doctor as the subject of her sentence (issue 17 verification, point 6): her name
# opens the sentence (after a label such as 「专家简介：」「【专家简介】」「医生简介 | 」) and a
# later clause says she holds the 职称, however the clauses between run: 「李文静毕业于复旦大学
# 医学院，现任主任医师」「李文静于2020年晋升主任医师」「王建华2018年被聘为主任医师」
# 「李文静获评主任医师」「李文静担任主任医师一职」「李文静，医生职称：主任医师」「李文静取得主任
# 医师职称」. Read last, when no nearer form ties a name to the 职称. A sentence without a
# subject continues the one before it on the line (「李文静毕业于…。现任主任医师。」「…。她现任
# 主任医师。」), and on a doctor's own page it is about her (「本人现任主任医师」). What holds the
# 职称 stands right before it (a place, praise or title word between, as `_link_ends` allows:
# 「现任上海市第一人民医院皮肤科主任医师」「现任博士生导师、教授」), or a comma sets it off as a
# bio item of its own (「李文静毕业于…，主任医师，擅长脱发」) ...
_HOLDS = re.compile(
    r"(?:晋升为?|升任为?|升为|提升为|被?聘为|受聘为|聘任为|获聘为?|获评为?|被?评为|起任|起担任"
    r"|担任|现任|出任|任职|任|现|成为|当选为?|是|为|系|取得|具有|具备|拥有|被?授予|荣获|获得|获"
    # (round 7) reached or belonging to it, 了 after the verb: 「李文静去年评上了主任医师」
    # 「李文静属于主任医师」「李文静刚当上主任医师」「李文静已拿到主任医师职称」
    r"|(?:评上|当上|考上|升上|拿到|评到|晋到|荣升|升级为|属于|属)了?"
    r"|职称(?:是|为)?\s*[:：]?|职务(?:是|为)?\s*[:：]?)$"
)
_SUBJECT_GAP = 20  # the longest place between the verb and the 职称 (a hospital's full name)
# Titles listed before the 职称 the verb holds: 「现任博士生导师、教授」
_TITLES_BEFORE = re.compile(
    r"(?:(?:博士生导师|硕士生导师|博士研究生导师|硕士研究生导师|博导|硕导|"
    + "|".join(RANKS)
    + r")\s*[、和及兼]\s*)+$"
)
# ... the 职称 ends its clause or is named as a post, a title or a time held (一职, 职称,
# 资格, 已有五年) or serves (为您面诊) ...
_HELD_AFTER = re.compile(
    r"\s*(?:一职|职务|职称|资格|资质|的职务|的职称|已有|已经|至今|多年|\.(?![0-9a-zA-Z])|兼|了"
    r"|级别|级|水平"  # (round 7) 「李文静属于主任医师级别」「李文静是主任医师级专家」
    r"|[和及与](?:硕士|博士|研究生|教授|副教授|科主任|主任|院长))"
)
# ... and nothing between her name and that verb makes another person the subject, reports
# someone's words, denies, defers or dates it (「李文静的丈夫是主任医师」「李文静表示，主诊医生为
# 主任医师」「李文静还不是主任医师」「李文静明年将晋升主任医师」「李文静曾任主治医师」), nor is
# it asked (「李文静是主任医师吗」).
_NOT_HERS = re.compile(
    r"丈夫|妻子|爱人|父亲|母亲|爸爸|妈妈|女儿|儿子|导师|老师|同事|学生|患者|病人|家人|家属"
    r"|哥哥|姐姐|弟弟|妹妹|朋友|老公|老婆|团队|徒弟|学员|我|你|您|他们|她们"
    r"|医生(?!职称|职务)|大夫|专家|师兄|师姐|师弟|师妹|搭档|带头人|负责人|主任(?:为|是)"
    r"|目标|梦想|选择|是否|成员|同门|前辈|上级|领导|带她|带他|所在|同行|对方"
    r"|表示|介绍|说|认为|指出|提醒|回忆|告诉|强调|建议|解释|透露|坦言|谈到|提到|声称"
    r"|(?:不|没有?|未|尚未|并非|非)(?:再|曾)?(?:是|为|系|任|担任|晋升|获|被)"
    r"|分别|吗|么|？|\?"
)
# ... nor dated or deferred in the clause of the verb (「李文静曾任主治医师」「李文静明年将晋升…」);
# a past told in an earlier clause leaves the present one standing (「李文静曾在华山医院进修，
# 现任主任医师」: issue 17 re-verification, point 6)
_NOT_NOW = re.compile(
    r"曾|此前|以前|之前|当年|先后|早年|将|拟|即将|准备|打算|有望|计划|申报|申请|报考|争取|希望|想"
)
_CLAUSE_MARKS = re.compile(r"[，,；;、。！？!?（）()\s]")
_ASKED = re.compile(r"吗|么|？|\?")
_SUBJECT_LABEL = re.compile(r"[【\[]?[^，,。；;！？!?：:】\]|｜]{0,8}(?:[：:】\]|｜]|\s[-—]\s?)\s*")
# A sentence without a subject, or with a pronoun for it: 「现任主任医师」「她现任主任医师」
_NO_SUBJECT = re.compile(r"(?:她|他|本人|我)?")
# What a sentence without a subject holds before its verb: time, adverbs, where she works
# (「2008年起在本院工作」「擅长脱发诊疗」 are read on to the sentence before; 「科室主任现任…」 has
# a subject of its own)
_SUBJECTLESS = re.compile(
    r"(?:她|他|本人|我)?(?:[0-9〇一二三四五六七八九十]{2,4}年(?:[0-9一二三四五六七八九十]{1,2}月)?"
    r"(?:起|开始|以来)?|现在|目前|如今|同时|也|已经|已|现|于|自|从|并|还|一直|先后)*"
)
_SUBJECTLESS_SENTENCES = 3  # sentences read back for the subject, at most
_SUBJECT_SPAN = 80  # characters from her name to the 职称, at most
_LOOKBACK = 240  # characters a sentence is searched back for its start, at most


def _subject_at(line: str, at: int, names: tuple[str, ...]):
    """(name end, name, surname_only) of a name at `at`: a doctor page's name or a name's
    shape, or a surname and her title (「李医生」「李大夫」)."""
    surname = _surname(line[at : at + 2])
    if surname and surname not in _FUNCTION_SURNAMES:
        for title in _SUBJECT_TITLES:
            if line.startswith(title, at + len(surname)):
                return at + len(surname) + len(title), surname, True
    found = _name_after(line, at, names)
    if found:
        end = found[0]
        for title in _SUBJECT_TITLES:  # 「李文静医生毕业于…」: her title after her name
            if line.startswith(title, end):
                end += len(title)
                break
        return end, found[1], False
    return None


_SUBJECT_TITLES = (*_ADDRESSES, "教授", "博士", "主任", "老师")


def _sentence_opening(line: str, at: int) -> int:
    """Where the sentence holding `at` starts, its opening marks and label skipped."""
    low = max(0, at - _LOOKBACK)
    opens = [m.end() for m in _SENTENCE_END.finditer(line, low, at)]
    opening = opens[-1] if opens else low
    while opening < at and line[opening] in ' 　【[「“"':
        opening += 1
    return opening


def _sentence_subject(line: str, start: int, end: int, names: tuple[str, ...], own: str = ""):
    """(start, name, surname_only) of the doctor a sentence is about when a later clause of
    it says she holds the 职称 at `start`–`end` (`_HOLDS`); `own`, a doctor page's own name,
    is the subject of its sentences that name nobody."""
    if _NOT_RANK_AFTER.match(line, end):  # 主任医师团队, 主任医师的
        return None
    ends = _RANK_ENDS.match(line, end) or _HELD_AFTER.match(line, end)
    if not (ends or _SERVES.match(line, end)):
        return None
    if _ASKED.search(line, end, _clause_end(line, end)):
        return None
    titled = _TITLES_BEFORE.search(line, max(0, start - 30), start)
    rank_at = titled.start() if titled else start
    opening = _sentence_opening(line, start)
    links = [
        (link, _HOLDS.search(line, max(opening, link - 12), link))
        for link in _link_ends(line, rank_at, gap=_SUBJECT_GAP)
    ]
    holds = [(link, verb.start()) for link, verb in links if verb and verb.end() == link]
    if not holds and ends and rank_at > 0 and line[rank_at - 1] in "，,":
        holds = [(rank_at, rank_at - 1)]  # a bio item of its own: 「…，主任医师，擅长…」
    if not holds or _later_rank_held(line, end):
        return None
    link, verb_at = holds[0]
    subject = _opening_subject(line, opening, verb_at, names, own)
    if subject is None:
        return None
    at, name_end, name, surname_only = subject
    between = line[name_end:link]  # the verb included: 「科室主任为」, 「的职称是」
    if _NOT_HERS.search(between) or (between.startswith("的") and not _OWN_TITLE.match(between)):
        return None
    if _NOT_NOW.search(_CLAUSE_MARKS.split(between)[-1]):
        return None
    return at, name, surname_only


_OWN_TITLE = re.compile(r"的(?:职称|职务|专业技术职称)")


def _opening_subject(line: str, opening: int, verb_at: int, names, own: str):
    """(start, name end, name, surname_only) of the subject of the sentence opening at
    `opening`: a name there or after its label; when the sentence has none (or 她/他/本人
    for it) and only time words and adverbs stand before its verb, the subject of an earlier
    sentence on the line (up to `_SUBJECTLESS_SENTENCES` back, each without a subject of its
    own), or on her own page the doctor herself."""
    for at in _openings(line, opening, verb_at):
        found = _subject_at(line, at, names)
        if found and verb_at - at <= _SUBJECT_SPAN:
            return at, *found
    lead = _SUBJECTLESS.match(line, opening, verb_at)
    if lead is None or lead.end() != verb_at:
        return None
    current = opening
    for _ in range(_SUBJECTLESS_SENTENCES):
        if current == 0 or line[current - 1] not in "。！!；;":
            break
        previous = _sentence_opening(line, current - 1)
        for at in _openings(line, previous, current):
            found = _subject_at(line, at, names)
            if found and verb_at - at <= _SUBJECT_SPAN * 2:
                return at, *found
        current = previous
    if own:
        return opening, verb_at, own, False
    return None


def _openings(line: str, opening: int, before: int) -> list[int]:
    """Where the sentence's subject may start: its opening, after a label (「专家简介：」
    「【专家简介】」), or after a heading word its mark was dropped from (「医生简介 | 李文静」
    reads 医生简介李文静: `cms.textnorm` drops marks between Chinese characters)."""
    candidates = [opening]
    label = _SUBJECT_LABEL.match(line, opening)
    if label and label.end() < before:
        candidates.append(label.end())
    for word in _HEADINGS:
        if line.startswith(word, opening):
            candidates.append(opening + len(word))
            break
    return candidates


_HEADINGS = tuple(
    "医生简介 专家简介 医师简介 医生介绍 专家介绍 坐诊专家 主诊医生 出诊专家 简介 介绍".split()
)


def _later_rank_held(line: str, end: int) -> bool:
    """Whether a later 职称 of the sentence is also held (「2010年任住院医师，2015年晋升主治医师，
    2020年晋升副主任医师」): a career told in order, the earlier 职称 are her history."""
    stop = _SENTENCE_END.search(line, end, end + _LOOKBACK)
    for match in _RANK.finditer(
        line, end, stop.start() if stop else min(len(line), end + _LOOKBACK)
    ):
        for link in _link_ends(line, match.start(), gap=_SUBJECT_GAP):
            verb = _HOLDS.search(line, max(end, link - 6), link)
            if verb and verb.end() == link and verb.group() not in ("是", "为", "系"):
                return True
    return False


def _clause_end(line: str, at: int) -> int:
    stop = _CLAUSE_END.search(line, at, at + _LOOKBACK)
    return stop.start() if stop else min(len(line), at + _LOOKBACK)


# A name set in marks right before its 职称: 「【李文静】主任医师」「“赵明远”副主任医师」.
_MARKS = {"】": "【", "」": "「", "』": "『", "”": "“", '"': '"', "]": "[", "〗": "〖",
          # (round-6 tester) 「‘李文静’主任医师」「《刘建国》医生」
          "’": "‘", "'": "'", "》": "《", "〉": "〈", "〕": "〔"}  # fmt: skip


def _name_in_marks(line: str, start: int, names: tuple[str, ...]):
    """(start, name, False) of a name in a pair of marks that closes right before `start`."""
    if start < 1 or line[start - 1] not in _MARKS:
        return None
    pos = _before_title(line, start - 1)  # 「【李医生】主任医师」
    found = _name_before(line, pos, names, alone=pos < start - 1)
    if found and found[0] > 0 and line[found[0] - 1] == _MARKS[line[start - 1]]:
        return found[0] - 1, found[1], found[2]
    return None


# (round-6 tester) A doctoral or master's supervisor's title written with her name: a title
# her doctor page must hold as well (「李文静博导亲诊」「李文静副主任医师、博士生导师亲诊」「博士生
# 导师李文静」 where her page says 副主任医师 only). The page's 职称 field may list it
# (「副主任医师、博士生导师」).
_SUPERVISORS = {
    "博士生导师": "博士生导师",
    "博士研究生导师": "博士生导师",
    "博导": "博士生导师",
    "硕士生导师": "硕士生导师",
    "硕士研究生导师": "硕士生导师",
    "硕导": "硕士生导师",
}
_SUPERVISOR = "(?:" + "|".join(sorted(_SUPERVISORS, key=len, reverse=True)) + ")"
_SUPERVISOR_AFTER = re.compile(
    r"\s*[、，,和兼及/]?\s*"
    r"(?:(?:" + "|".join(RANKS) + r"|教授|医生|大夫)\s*[、，,和兼及/]?\s*){0,2}"
    rf"({_SUPERVISOR})"
)
_SUPERVISOR_BEFORE = re.compile(rf"({_SUPERVISOR})\s*[：:]?\s*$")


def _supervisor_of(line: str, mention: _Mention) -> str:
    """The supervisor's title (as the page would list it) written right after or right
    before the name in `mention`, or ""."""
    after = _SUPERVISOR_AFTER.match(line, mention.end)
    before = _SUPERVISOR_BEFORE.search(line, max(0, mention.start - 8), mention.start)
    found = after or before
    return _SUPERVISORS[found.group(1)] if found else ""


# (round 7) Surnames that are also a word of degree before a rank or a noun (高 "senior",
# "high"): 「高主任医师团队」「高水平医生」
_LEVEL_SURNAMES = frozenset("高")
_SENIOR_GROUP = re.compile(
    r"(?P<rank>(?:副主任|主任|主治)(?:中医师|医师|医生|大夫))(?:团队|们|组|队伍|群体|梯队|专家组|阵容)"
)
_COUNTED_RANK = re.compile(
    r"(?:医师|医生)?(?:的)?(?:比例|占比|比重|数量|人数|名额|职数|编制|岗位|以上|及以上|评审|晋升|考试)"
)


def _mentions(line: str, names: tuple[str, ...], own: str = ""):
    """(the doctors named in the line, the licence numbers written with no name near)."""
    licences = [
        (m.start(), m.end(), digits)
        for m in _LICENCE.finditer(line)
        if 9 <= len(digits := _licence_digits(m.group(1))) <= 27
    ]
    in_licence = [(s, e) for s, e, _ in licences]
    mentions: list[_Mention] = []
    respective, handled = _respective(line, names)
    mentions.extend(respective)
    last_rank_end = -1  # where the 职称 of the last mention ends, when the mention ends there
    for match in _RANK.finditer(line):
        start, end = match.start(), match.end()
        rank = _rank_read(match.group())
        if match.group()[:1].isascii():
            # an English 职称 is set off by spaces, which `cms.textnorm` keeps beside Latin
            # letters: 「李文静 Chief Physician」 is read as 李文静Chief Physician
            while start > 0 and line[start - 1] == " " and match.start() - start < 3:
                start -= 1
            while end < len(line) and line[end] == " " and end - match.end() < 3:
                end += 1
        if start in handled:
            continue  # paired with its name by 分别 (`_respective`)
        if any(s <= start < e for s, e in in_licence):
            continue  # 「医师执业证书编码」 is no 医师
        bracket = _bracket_open(line, start)
        if bracket >= 0:
            # a name before the bracket, after 医生 / 大夫 / 老师 / 专家 … or not
            before = bracket
            for address in (*_ADDRESSES, *_BRACKET_TITLES):
                if line.endswith(address, 0, before):
                    before -= len(address)
                    break
            found = _name_before(line, before, names, alone=before < bracket)
            if found is None and (
                _labelled_before(line, bracket) or line[bracket - 2 : bracket - 1] in ("老", "小")
            ):
                found = _name_before(line, bracket, names, alone=True)  # 「专家：老王（主任医师）」
            if found:
                close = min((line.find(c, end) for c in _CLOSE if c in line[end:]), default=-1)
                stop = close + 1 if close >= 0 else end
                mentions.append(_Mention(found[0], stop, found[1], found[2], rank))
                continue
        # a surname alone is a name before 医生 / 大夫 only (「王医生」), not before a 职称:
        # 「找王主任看过」 in a patient's story introduces no doctor
        found = (
            _name_before_gender(line, start, names)
            or _name_in_marks(line, start, names)
            or _name_before_marked_rank(line, start, end, names)
            or _name_before_title(line, start, names)
            or _guessed_name_before(line, start, end, rank)
        )
        if found:
            mentions.append(_Mention(found[0], end, found[1], found[2], rank))
            last_rank_end = end
            continue
        after = (
            _name_after(line, end, names)
            or _name_after_level(line, start, end, names)
            or _name_after_dash(line, start, end, names)
            or _name_in_bracket_after(line, end, names)
            or _name_after_titles(line, end, names)
            or _serving_as_before(line, start, end, names)
            or _name_after_mark(line, start, end, names)
            or _label_after(line, start, end, names)
        )
        if after:
            mentions.append(_Mention(start, after[0], after[1], False, rank))
            # more names sharing the 职称: 「主任医师赵建国、孙晓梅」 (E-F2)
            stop = after[0]
            while stop < len(line) and line[stop] in _GROUP_JOINS:
                more = _name_after(line, stop + 1, names)
                if more is None:
                    break
                mentions.append(_Mention(stop + 1, more[0], more[1], False, rank))
                stop = more[0]
            continue
        latin = _latin_name_by_rank(line, match.start(), match.end())
        if latin:
            mentions.append(_Mention(*latin, False, rank))
            continue
        titled = _surname_after_rank(line, end)
        if titled:
            mentions.append(_Mention(start, titled[0], titled[1], True, rank))
            continue
        last = mentions[-1] if mentions else None
        if last and last.end == last_rank_end and line[last.end : start] in _RANK_JOINS:
            # a second 职称 of the doctor just named (「李文静，副主任医师、教授」)
            mentions.append(_Mention(last.start, end, last.name, last.surname_only, rank))
            last_rank_end = end
            continue
        labelled = _labelled_name(line, start, end, names) or _name_by_label(line, start, names)
        if labelled:
            mentions.append(_Mention(start, labelled[0], labelled[1], False, rank))
            continue
        linked = _linked_name(line, start, end, names) or _name_across_bio(line, start, end, names)
        if linked:
            mentions.append(_Mention(linked[0], end, linked[1], linked[2], rank))
            last_rank_end = end
            continue
        group = _group_before(line, start, names)
        for name_start, name in group:
            mentions.append(_Mention(name_start, end, name, False, rank))
        subject = None if group else _sentence_subject(line, start, end, names, own)
        if subject:
            mentions.append(_Mention(subject[0], end, subject[1], subject[2], rank))
            last_rank_end = end
    # names without a 职称, for a licence written next to them: 「李文静医生」「王医生」, a
    # doctor page's name anywhere
    covered = bytearray(len(line) + 1)  # the characters a mention holds (linear, not pairwise)

    def take(start: int, end: int) -> None:
        covered[start:end] = b"\x01" * (end - start)

    def free(start: int, end: int) -> bool:
        return not any(covered[start:end])

    for mention in mentions:
        take(mention.start, mention.end)

    for address in _ADDRESSES:
        for match in re.finditer(address, line):
            found = _name_before(line, match.start(), names, alone=True) or _surname_introduced(
                line, match.start()
            )
            if found and free(found[0], match.end()):
                mentions.append(_Mention(found[0], match.end(), found[1], found[2]))
                take(found[0], match.end())
    # a doctor with no 职称 serving or booked (round-2 tester): 「刘建国为您面诊」
    # 「刘博士本周六坐诊」「预约刘医生」
    unranked = (
        *_serving_names(line, names),
        *_booked_names(line, names),
        *_labelled_serving_names(line, names),
        *_latin_names(line),
    )
    for start, end, name, surname_only in unranked:
        if free(start, end):
            mentions.append(_Mention(start, end, name, surname_only))
            take(start, end)
    # a person named next to a word for a doctor (round-3 testers), however she was read
    presented = _presented_names(line, names)
    for start, end, name, surname_only in presented:
        if free(start, end):
            mentions.append(_Mention(start, end, name, surname_only, presented=True))
            take(start, end)
    named = bytearray(len(line) + 1)  # the characters a presented name holds (linear)
    for start, end, _, _ in presented:
        named[start:end] = b"\x01" * (end - start)
    for mention in mentions:
        mention.presented = mention.presented or any(named[mention.start : mention.end])
        if mention.presented and mention.surname_only:
            # a surname in a patient's story presents no one (「我去年到北京找王主任看过」)
            mention.presented = not _told_as_story(line, mention.start, mention.end)
    for name in names:
        for match in re.finditer(re.escape(name), line):
            if free(match.start(), match.end()):
                mentions.append(_Mention(match.start(), match.end(), name, False))
                take(match.start(), match.end())
    # a name right before the bracket or comma its licence number opens (「王建国（执业证号…）」
    # 「王建国，执业证书编码…」): the number introduces that person (seventeenth
    # re-verification G-2: read as a loose number, any registered one passed under any name)
    for start, _end, _digits in licences:
        opener = start - 1
        if opener < 0 or line[opener] not in "（(，,":
            continue
        found = _name_before(line, opener, names, alone=False)
        if found and free(found[0], opener) and _starts_clause(line, found[0]):
            mentions.append(_Mention(found[0], opener, found[1], False))
            take(found[0], opener)
    # a study's clause quotes a scientist; our own doctor's wrong 职称 there is still hers
    # (「李文静主任医师发表SCI论文十余篇」: issue 17 verification, point 6)
    mentions = [m for m in mentions if _registered(m, names) or not _about_study(line, m)]
    for mention in mentions:
        if not mention.surname_only:
            mention.supervisor = _supervisor_of(line, mention)
    # (round-6 tester) a surname alone before a count of a 职称 is a level (「高主任医师比例」
    # 「高主任医师人数」: 高 "senior"), no person
    mentions = [m for m in mentions if not (m.surname_only and _COUNTED_RANK.match(line, m.end))]
    # (round 7) 高 before a 医师 rank and a group (「高主任医师团队值班」「高副主任医师们」) is
    # "senior" unless a doctor 高 is registered: then it is her team, and her 职称 is stated
    senior = []
    for m in mentions:
        group = (
            _SENIOR_GROUP.match(line, m.start + len(m.name))
            if m.surname_only and m.name in _LEVEL_SURNAMES
            else None
        )
        if group is None:
            senior.append(m)
        elif any(name.startswith(m.name) for name in names):
            m.rank = m.rank or _rank_read(group.group("rank"))
            senior.append(m)
    mentions = senior
    for mention in mentions:
        if _told_of_elsewhere(line, mention):
            # 「孙思邈为病人诊治」「电视剧里的刘医生每周六坐诊」: presented by no one, on an ad
            # too (「电视剧里的医生刘建国」: round-4 tester)
            mention.presented = False
            continue
        mention.serves = _serving_here(line, mention) or _reached_here(line, mention)
    loose = []
    mentions.sort(key=lambda m: m.start)
    starts = [m.start for m in mentions]
    for licence in licences:
        owner = _nearest(line, mentions, licence[0], starts)
        if owner is None:
            loose.append(licence)
        else:
            owner.licences.append(licence)
    return sorted(mentions, key=lambda m: m.start), loose


# Titles a doctor is named with that are no 职称 (those are read with their 职称) nor 医生 /
# 大夫 (read as addresses): 「刘博士本周六坐诊」「刘专家为您面诊」「刘老师为您面诊」
_SERVING_TITLES = ("老师", "专家", "博士", "院士", "大师", "名医", "中医", "国医")


def _serving_names(line: str, names: tuple[str, ...]):
    """(start, end, name, surname_only) of each doctor named with no 职称 right before a
    serving phrase (`_SERVES_WHEN`): a full name heading its clause or after a day
    (「刘建国为您面诊」「本周日刘建国坐诊」), or a name or surname and 博士 / 专家 / 老师
    (「刘博士本周六坐诊」). A patient is none: 「患者刘建国…」 does not head its clause, and a full
    name with no title serves by words a patient's story uses too (面诊, 诊疗 …) only when
    they are for someone (「刘建国为您面诊」, not 「刘建国来我院面诊后」). Each serving word is
    looked back from `_SERVING_SPAN` characters at most (round-2 tester)."""
    for verb in _SERVING_WORD.finditer(line):
        for at in range(max(1, verb.start() - _SERVING_SPAN), verb.start() + 1):
            if not "\u4e00" <= line[at - 1] <= "\u9fff":
                continue
            serving = _SERVES_WHEN.match(line, at)
            if serving is None or serving.end() != verb.end():
                continue
            found = _serving_name(line, at, serving, names)
            if found:
                yield found[0], at, found[1], found[2]
                yield from _joined_before(line, found, names)
                break


_NAMES_JOIN = frozenset("与和及、")
# Surnames and titles joined after hers: 「王主任、李主任为您面诊」 (a surname or two, then a
# 职称 or a title), three at most
_JOINED_TITLED = re.compile(
    r"(?:[、和与及][\u4e00-\u9fff]{1,2}?(?:"
    + "|".join((*RANKS, "医生", "大夫", "博士", "专家", "教授", "老师"))
    + r")){1,3}"
)
_JOINED_NAMES = 3  # names joined before the one serving, at most


def _joined_before(line: str, found, names: tuple[str, ...]):
    """(start, end, name, surname_only) of each full name joined to the serving one
    `found` by 与 / 和 / 及 / 、 (「刘建国与王小明为您面诊」: round-2 doctor tester)."""
    at = found[0]
    for _ in range(_JOINED_NAMES):
        if line[at - 1 : at] not in _NAMES_JOIN or at < 2:
            return
        before = _name_before(line, at - 1, names, alone=False)
        if not before or before[2]:
            return
        yield before[0], at - 1, before[1], False
        at = before[0]


def _serving_name(line: str, at: int, serving: re.Match, names: tuple[str, ...]):
    """(start, name, surname_only) of the doctor named right before `at`, where `serving`
    starts (`_serving_names`)."""
    doctors_word = serving.group("who") or serving.group("verb").lstrip("的") in _DOCTORS_WORDS
    for title in _SERVING_TITLES:
        if line.endswith(title, 0, at):
            if title == "老师" and not doctors_word:
                return None
            found = _name_before(line, at - len(title), names, alone=True)
            # a surname alone was read as introduced by `_name_before`
            return found if found and (found[2] or _heads_clause(line, found)) else None
    if not doctors_word:
        return None
    if line[at - 2 : at - 1] == "老" and _surname(line[at - 1]) == line[at - 1]:
        # 「老刘为您面诊」 (round-2 doctor tester): her surname after 老, heading its clause
        if line[at - 1] not in _FUNCTION_SURNAMES and _starts_clause(line, at - 2):
            return at - 2, line[at - 1], True
    found = _name_before(line, at, names, alone=False)
    if found and (_heads_clause(line, found) or _opens_after_intro(line, found[0])):
        return found
    joined = found
    for _ in range(_JOINED_NAMES):  # the first of names joined (「刘建国与王小明为您面诊」)
        if not joined or line[joined[0] - 1 : joined[0]] not in _NAMES_JOIN:
            return None
        joined = _name_before(line, joined[0] - 1, names, alone=False)
        if joined and not joined[2] and _heads_clause(line, joined):
            return found
    return None


# A label that says she serves, her name its value: 「坐诊专家：刘建国」「主诊医生：刘建国」
# (round-2 doctor tester)
_SERVING_LABEL = re.compile(
    r"(?:(?:面诊|特需|特邀|特聘)(?:专家|医生|医师|大夫|教授|名医)(?:团队)?\s*[：:]"
    # (round-3 testers) a serving word needs no colon: 「坐诊专家 刘建国」「出诊专家——刘建国」
    r"|(?:坐诊|出诊|接诊|主诊|门诊|值班|亲诊)(?:专家|医生|医师|大夫|教授|名医)(?:团队)?"
    r"\s*(?:[：:]|——|—|--|[【】\[\]])?)\s*"
)
_SERVING_LABEL_BEFORE = re.compile(_SERVING_LABEL.pattern + "$")
# Our doctor named after us and her title, no 职称: 「我院特聘专家刘建国」「本院医生刘建国」: ours,
# so on a 科普 page too she has a page (round 28)
_OUR_DOCTOR_LABEL = re.compile(
    r"(?:我院|本院|本中心|本诊所|本门诊部?|我们医院)的?(?:特邀|特聘|特约|坐诊|出诊|资深|首席)?"
    r"(?:专家|名医|医生|医师|大夫|教授)\s*[：:]?\s*"
)
_OUR_DOCTOR_BEFORE = re.compile(_OUR_DOCTOR_LABEL.pattern + "$")


def _labelled_serving_names(line: str, names: tuple[str, ...]):
    """(start, end, name, surname_only) of each full name that is a serving label's value
    (`_SERVING_LABEL`), ending its clause or before a bracket (「坐诊专家：刘建国（周六）」)."""
    for label in (*_SERVING_LABEL.finditer(line), *_OUR_DOCTOR_LABEL.finditer(line)):
        after = _name_after(line, label.end(), names)
        if after and (_NAME_ENDS.match(line, after[0]) or _OUR_DOCTOR_LABEL is label.re):
            yield label.end(), after[0], after[1], False


# A doctor named in Latin letters: 「Dr. Liu为您面诊」「Prof. Wang每周六坐诊」 (round-2 doctor
# tester)
_LATIN_NAME = re.compile(
    r"(?<![A-Za-z])(?:Dr|DR|Doctor|Prof|Professor)\s?[.．]?\s?[A-Z][a-z]{1,15}(?:\s[A-Z][a-z]{1,15})?"
)


# (round 7) A name in Latin letters right before or after a 职称, a comma or a title between
# (「Li Wenjing, Chief Physician」「Chief Physician Li Wenjing」「Dr. Li Wenjing, 主任医师」):
# the register holds names in Chinese, so no doctor page is named so
_LATIN_PERSON = r"[A-Z][a-z]{1,14}(?:\s[A-Z][a-z]{1,14}){0,2}"
_LATIN_NAME_BEFORE_RANK = re.compile(
    rf"(?<![A-Za-z])(?:(?:Dr|Prof)\.?\s?)?(?P<name>{_LATIN_PERSON})\s{{0,2}}[,，]?\s{{0,2}}$"
)
_LATIN_NAME_AFTER_RANK = re.compile(
    rf"\s{{0,2}}[,，:：]?\s{{0,2}}(?:(?:Dr|Prof)\.?\s?)?(?P<name>{_LATIN_PERSON})(?![A-Za-z])"
)
# English words a capital may start that name no one (「Chief Physician Consultation」)
_NOT_LATIN_NAMES = frozenset(
    "The A An Ask Our Your Chief Associate Deputy Attending Resident Physician Professor "
    "Consultation Clinic Department Hospital Center Centre Team And Or Of At In On For With "
    "Dermatology Medicine".split()
)


def _latin_name_by_rank(line: str, start: int, end: int) -> tuple[int, int, str] | None:
    """(start, end, name) of a name in Latin letters right before the 职称 at `start`–`end`
    or right after it (`_LATIN_NAME_BEFORE_RANK`, `_LATIN_NAME_AFTER_RANK`)."""
    before = _LATIN_NAME_BEFORE_RANK.search(line, max(0, start - 40), start)
    if before and not set(before.group("name").split()) & _NOT_LATIN_NAMES:
        return before.start(), end, before.group("name")
    after = _LATIN_NAME_AFTER_RANK.match(line, end)
    if after and not set(after.group("name").split()) & _NOT_LATIN_NAMES:
        return start, after.end(), after.group("name")
    return None


def _latin_names(line: str):
    """(start, end, name, surname_only) of each doctor named in Latin letters and serving
    (`_SERVES_WHEN` right after): no doctor page is named so."""
    for found in _LATIN_NAME.finditer(line):
        if _SERVES_WHEN.match(line, found.end()):
            yield found.start(), found.end(), found.group(), False


def _booked_names(line: str, names: tuple[str, ...]):
    """(start, end, name, surname_only) of each doctor booked with no 职称 (`_BOOKING`): a name
    or surname and 医生 / 大夫 / 博士 / 专家 / 老师 (「预约刘医生」「预约刘博士」), or a full name
    ending its clause (「预约刘建国，」); 挂 only with 号 after her (round-2 tester)."""
    for booking in _BOOKING.finditer(line):
        at = booking.end()
        found = None
        for length in (2, 1):  # a surname and her title
            surname = line[at : at + length]
            if (
                len(surname) == length
                and _is_surname(surname)
                and surname not in _FUNCTION_SURNAMES
            ):
                title = next(
                    (t for t in (*_ADDRESSES, *_SERVING_TITLES) if line.startswith(t, at + length)),
                    None,
                )
                if title:
                    found = (at + length + len(title), surname, True)
                    break
        if found is None:
            after = _name_after(line, at, names)
            if after:
                end = after[0]
                title = next(
                    (t for t in (*_ADDRESSES, *_SERVING_TITLES) if line.startswith(t, end)), None
                )
                if title:
                    found = (end + len(title), after[1], False)
                elif _NAME_ENDS.match(line, end) or _NUMBER_AFTER.match(line, end):
                    found = (end, after[1], False)
        if found and _booked(line, at, found[0]):
            yield at, found[0], found[1], found[2]


# (round 7, tester A) the page's reviewer named in a byline (「本文由刘洋副主任医师审核」
# 「医学审核：刘洋 副主任医师」「审校专家：刘洋（主任医师）」; the text read drops a 「｜」
# between): the 审核医生 of a 科普 page is chosen from the doctor pages (`ArticlePage.reviewer`),
# so a reviewer named in the text is ours, held to her page like one who sees our patients; an
# outside expert quoted (「协和医院刘洋主任医师提醒」) reviews nothing
_REVIEWER_LABEL_BEFORE = re.compile(
    r"(?:医学|专家|内容|专业|科学性)?(?:审核|审校|审稿|审阅|审定|校审)(?:专家|医生|医师|人|者)?"
    r"\s*[：:|｜]?\s*(?:(?:本院|我院|本中心)?[\u4e00-\u9fff]{0,6}?科\s*)?$"
)
_REVIEWED_BY_BEFORE = re.compile(r"(?:本文|此文|文章|本篇|内容|以上内容)?(?:由|经)\s*$")
_REVIEWED_AFTER = re.compile(
    r"[\s（(）)]*(?:医生|医师|大夫|教授|专家)?[\s（(）)]*(?:亲自|负责)?(?:审核|审校|审稿|审阅|审定)"
)


def _reviewer_byline(line: str, mention: _Mention) -> bool:
    """Whether the mention names the page's reviewer in a byline (`_REVIEWER_LABEL_BEFORE`)."""
    if _REVIEWER_LABEL_BEFORE.search(line, max(0, mention.start - 24), mention.start):
        return True
    return bool(
        _REVIEWED_BY_BEFORE.search(line, max(0, mention.start - 8), mention.start)
        and _REVIEWED_AFTER.match(line, mention.end)
    )


# Invited by us: 「我院特邀王一鸣主任医师」「本院特聘专家张教授」
_INVITED_BY_US = re.compile(
    r"(?:我院|本院|本中心|本诊所|本门诊|我们|我科|本科室)(?:特别|专门)?"
    r"(?:特邀|特聘|邀请|聘请|邀请到|请来|诚邀)了?的?"
    r"(?:[\u4e00-\u9fff]{2,16}?(?:医院|中心|大学|医学院|研究所)(?:[\u4e00-\u9fff]{1,6}?科)?的?)?"
    r"(?:专家|名医|医生|教授)?[：:]?\s*$"
)


# An outside hospital named before her: 「协和医院的张一鸣主任医师」「华山医院皮肤科张教授」
_HOSPITAL_BEFORE = re.compile(
    r"(?:医院|医学院|诊所|门诊部|大学|研究所)(?:[\u4e00-\u9fff]{1,6}?科)?(?:的)?\s*$"
)
_OURS_BEFORE = re.compile(
    r"(?:我院|本院|本中心|本诊所|本门诊|我们医院|我们)[^，,。；;！？!?]{0,10}$"
)


# Another hospital in her sentence: 「在华山医院，王建国主任医师每周二坐诊」「我在县医院看过…」
_HOSPITAL = re.compile(
    r"(?<![我本])(?:[\u4e00-\u9fff]{1,12}?(?:医院|医学院|卫生院|服务中心|门诊部|诊所|院区)"
    r"|协和|华西|湘雅|华山|瑞金|仁济|301)"
)
# A consultation, not words for the reader (「为您讲解」「为您划重点」 serve nobody)
_CONSULT = re.compile(
    r"\s*(?:为|给|帮)(?:您|你|大家|患者|病人|你们|各位|读者)(?:亲自|一对一|免费)?"
    r"(?:面诊|诊治|看诊|诊疗|把脉|问诊|坐诊|亲诊|看病|治疗|手术|主刀|会诊|检查|开方|看)"
)
# Serving told as when something happened: 「…坐诊时常说」「…为患者面诊时发现」
# (not her hours: 「刘建国坐诊时间：周六」)
_WHEN_AFTER = re.compile(r"\s*(?:时(?![间段长刻])|的时候|之时|中|期间|之际|过程中)")


# After names joined: 等, a count and a word for a doctor (「刘建国、王建华两位医生」)
_COUNTED_WORD = re.compile(
    r"(?:等)?(?:[两二三四五六七八九十几多数\d]{1,2}[位名])?(?:" + "|".join(_PRESENTING) + ")?"
)


# Ours right before a doctor presented: 「我院刘建国医生」「本院刘主任」
# (round-6 tester) 我们的 too, and a department of ours between (「我们的刘建国医生提醒」「我院
# 皮肤科刘建国医生提醒」)
_OURS_RIGHT_BEFORE = re.compile(
    rf"(?:{_OURS}|我们|咱们)的?(?:[\u4e00-\u9fff]{{1,6}}?(?:科|中心|门诊部?|诊室))?的?$"
)


def _serving_here(line: str, mention: _Mention) -> bool:
    """Whether the doctor named sees our patients: invited by us (「我院特邀…」); serving
    the reader (「…为您面诊」); serving at a place of ours or at no place said (「…每周三在我院
    坐诊」「…本周六坐诊」「…为患者面诊」), unless an outside hospital is hers (「协和医院的张一鸣
    主任医师每周三坐诊」「张一鸣主任医师每周三在协和医院坐诊」). On a 科普 page such a doctor
    is no outside expert quoted (issue 17 re-verification, point 6)."""
    if _INVITED_BY_US.search(line, max(0, mention.start - 30), mention.start):
        return True
    if _reviewer_byline(line, mention):
        return True  # 「本文由刘洋副主任医师审核」: our reviewer (round 7)
    if _SERVING_LABEL_BEFORE.search(line, max(0, mention.start - 16), mention.start):
        return True  # 「坐诊专家：刘建国」 (round-2 doctor tester)
    if _OUR_DOCTOR_BEFORE.search(line, max(0, mention.start - 16), mention.start):
        return True  # 「我院特聘专家刘建国」: ours (round 28)
    ours_before = _OURS_RIGHT_BEFORE.search(line, max(0, mention.start - 14), mention.start)
    if mention.presented and ours_before:
        return True  # 「我院刘建国医生提醒…」: ours, not an outside expert (round-4 tester)
    if _JOINS_US.match(line, mention.end):
        return True  # 「刘主任加盟我院」「刘主任是我院特聘专家」 (round-2 tester)
    end = mention.end
    for _ in range(_JOINED_NAMES):  # the names joined after hers (「刘建国与王小明为您面诊」)
        joined = _name_after(line, end + 1, ()) if line[end : end + 1] in _NAMES_JOIN else None
        if joined is None:
            titled = _JOINED_TITLED.match(line, end)  # 「王主任、李主任为您面诊」
            end = titled.end() if titled else end
            break
        end = joined[0]
    if end > mention.end:  # the names joined, counted and called (「…、王建华两位医生为您面诊」)
        end = _COUNTED_WORD.match(line, end).end()
    serving = _SERVES_WHEN.match(line, end)
    if serving is None or _WHEN_AFTER.match(line, serving.end()):
        # booked (「预约刘主任」, round-2 tester) as serving at no place said
        return (
            _booked(line, mention.start, mention.end)
            and not _told_as_story(line, mention.start, mention.end)
            and _no_outside_hospital(line, mention, mention.end)
        )
    place = serving.group("place")
    if place and (_OUR_PLACE.match(place) or _OURS_JOINED_PLACE.search(place)):
        # 「…每周三在我院坐诊」「…在协和医院和我院坐诊」: ours, whatever else the sentence names
        return True
    if _offered(serving):
        return True  # a consultation offered to the reader
    if _ours_later(line, serving.end()):
        return True  # 「刘主任在协和医院坐诊，每周六在我院坐诊」
    if place and not _ROOM.fullmatch(place):
        return False  # 「…每周三在华山医院坐诊」: an outside doctor's schedule
    if _told_as_story(line, mention.start, mention.end):
        return False  # 「张阿姨说，刘建国坐诊那天人特别多」
    if _NOT_A_CONSULTATION.match(line, serving.end()):
        return False  # 「张老师每周六坐诊书法班」「…坐诊经验谈」 (round-3 tester)
    if _HOSPITAL.search(line, mention.end, serving.start("verb")):
        return False  # an outside hospital in an aside: 「刘主任（北京协和医院）坐诊…」
    return _no_outside_hospital(line, mention, serving.end())


def _offered(serving: re.Match) -> bool:
    """Whether the serving phrase offers the reader a consultation (「为您面诊」「帮您看」)."""
    return serving.group("who") in ("您", "你", "你们", "各位") and bool(
        _CONSULT.search(serving.group())
    )


def _no_outside_hospital(line: str, mention: _Mention, after_at: int) -> bool:
    """Whether no outside hospital is hers: none in her sentence before her name or in the
    clause after `after_at`, or ours before her (「我院刘主任」)."""
    opening = max(0, mention.start - _LOOKBACK)
    for mark in _SENTENCE_END.finditer(line, opening, mention.start):
        opening = mark.end()
    before = line[opening : mention.start]
    after = line[after_at : _clause_end(line, after_at)]
    if _HOSPITAL.search(before) or _HOSPITAL.search(after):
        return bool(_OURS_BEFORE.search(before))
    return True


# Between one serving phrase and the next of the sentence (「…坐诊，另外每周六在我院坐诊」)
_NEXT_SERVING = re.compile(r"\s*[，,；;]?\s*(?:另外|此外|同时|并且|并|而|但|还)?")
_NEXT_SERVINGS = 3  # later serving phrases read, at most


def _ours_later(line: str, at: int) -> bool:
    """Whether a later serving phrase chained to the one ending at `at` serves here: at a
    place of ours or offered to the reader (「刘主任在协和医院坐诊，每周六在我院坐诊」: only
    the first was read; round-2 tester)."""
    for _ in range(_NEXT_SERVINGS):
        later = _SERVES_WHEN.match(line, _NEXT_SERVING.match(line, at).end())
        if later is None or _WHEN_AFTER.match(line, later.end()):
            return False
        place = later.group("place")
        if (place and _OUR_PLACE.match(place)) or _offered(later):
            return True
        at = later.end()
    return False


def _registered(mention: _Mention, names: tuple[str, ...]) -> bool:
    if mention.surname_only:
        return any(name.startswith(mention.name) for name in names)
    return mention.name in names


_RESPECTIVE = re.compile(r"分别(?:为|是|担任|任|系)")
_PAIR_JOINS = "、和与及"


def _respective(line: str, names: tuple[str, ...]) -> tuple[list[_Mention], set[int]]:
    """(mentions, the 职称 starts they take) of names and 职称 paired in order by 分别:
    「李文静和赵明远分别为副主任医师和主治医师」 states one 职称 each (issue 17 re-verification,
    point 6); counts that differ pair nobody."""
    mentions: list[_Mention] = []
    handled: set[int] = set()
    for match in _RESPECTIVE.finditer(line):
        people: list[tuple[int, str]] = []
        end = match.start()
        while (found := _name_before(line, end, names, alone=False)) is not None:
            people.insert(0, (found[0], found[1]))
            if found[0] > 0 and line[found[0] - 1] in _PAIR_JOINS:
                end = found[0] - 1
                continue
            break
        ranks: list[tuple[int, int, str]] = []
        at = match.end()
        while (rank := _RANK.match(line, at)) is not None:
            ranks.append((rank.start(), rank.end(), _rank_read(rank.group())))
            at = rank.end()
            if at < len(line) and line[at] in _PAIR_JOINS:
                at += 1
                continue
            break
        if len(people) >= 2 and len(people) == len(ranks):
            for (start, name), (rank_start, _end, rank) in zip(people, ranks, strict=True):
                mentions.append(_Mention(start, start + len(name), name, False, rank))
                handled.add(rank_start)
        elif len(ranks) >= 2:
            handled.update(r[0] for r in ranks)  # no pairing: no 职称 read as anyone's
    return mentions, handled


def _about_study(line: str, mention: _Mention) -> bool:
    starts = [
        m.end()
        for m in _CLAUSE_END.finditer(line, max(0, mention.start - _LOOKBACK), mention.start)
    ]
    stop = _CLAUSE_END.search(line, mention.end, mention.end + _LOOKBACK)
    low = starts[-1] if starts else max(0, mention.start - _LOOKBACK)
    clause = line[low : stop.start() if stop else min(len(line), mention.end + _LOOKBACK)]
    return _STUDY.search(clause) is not None


def _nearest(line: str, mentions: list[_Mention], at: int, starts: list[int]) -> _Mention | None:
    """The mention in `at`'s sentence closest before it, else closest after it; `mentions`
    sorted by start, `starts` their starts (found by bisection: a line of thousands of
    licence numbers is read in linear time)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(line, max(0, at - _LOOKBACK), at)]
    stop = _SENTENCE_END.search(line, at, at + _LOOKBACK)
    low = ends[-1] if ends else max(0, at - _LOOKBACK)
    high = stop.start() if stop else min(len(line), at + _LOOKBACK)
    before = bisect_left(starts, at) - 1
    if before >= 0 and starts[before] >= low:
        return mentions[bisect_left(starts, starts[before])]  # the first of equal starts
    after = bisect_left(starts, at)
    if after < len(starts) and starts[after] < high:
        return mentions[after]
    return None


def _rank_matches(typed: str, ranks: tuple[str, ...]) -> bool:
    """The 职称 written is the page's: one of its 职称 as registered; 医师 (the plain word
    for a physician) for any 医师 rank; 主任 for 主任医师, 副主任 for 副主任医师. A 职称 said
    with 医生 / 大夫 arrives here as the 医师 rank (`_SPOKEN_RANKS`)."""
    if typed in ranks:
        return True
    if typed == "医师":
        return any(r.endswith("医师") for r in ranks)
    return any(r.startswith(typed) and r[len(typed) :] in ("医师", "中医师") for r in ranks)


def _same_person(mention: _Mention, doctor: Doctor) -> bool:
    if mention.surname_only:
        return doctor.name.startswith(mention.name)
    return doctor.name == mention.name


def _problems(
    mention: _Mention, doctors: list[Doctor], *, ad: bool, presenting: bool | None = None
) -> list[tuple[int, int, str]]:
    """(start, end, message) for what the mention states that no doctor page does. A doctor
    with no page named with a 职称 is a problem on a medical ad (`ad`) only: a 科普 page
    quotes outside experts (「钟南山教授指出…」, a patient's 「找过一位刘建国主任医师」;
    thirteenth verification F2), and holds our own doctors to their pages; a doctor who sees
    our patients there (`_Mention.serves`: 「我院特邀王一鸣主任医师为您面诊」) is none. A doctor
    with no page and no 职称 who sees our patients is a problem on either (「王医生为您面诊」:
    round-2 tester)."""
    pages = [d for d in doctors if _same_person(mention, d)]
    if not mention.rank and not mention.licences and not (mention.supervisor and pages):
        presents = ad if presenting is None else presenting
        if (mention.serves or (presents and mention.presented)) and not pages:
            # 「本周六刘医生坐诊」「王医生为您面诊」: a doctor introduced with no page; on a 科普
            # page too, she sees our patients (round-2 tester: 「王医生为您面诊」)
            return [(mention.start, mention.end, f"{UNREGISTERED}（{mention.name}）")]
        return []
    if not pages and not ad and not mention.licences and not mention.serves:
        return []  # a 职称 alone: an outside expert quoted (a licence number is no quote)
    if not pages:
        end = max([mention.end, *(e for _, e, _ in mention.licences)])
        return [(mention.start, end, f"{UNREGISTERED}（{mention.name}）")]
    problems = []
    if mention.rank and not any(_rank_matches(mention.rank, d.ranks) for d in pages):
        shown = "、".join(dict.fromkeys("、".join(d.ranks) for d in pages))
        problems.append((mention.start, mention.end, f"医生职称与医生页面不一致：页面为{shown}"))
    if mention.supervisor and not any(
        mention.supervisor in {_SUPERVISORS.get(r, r) for r in d.ranks} for d in pages
    ):
        shown = "、".join(dict.fromkeys("、".join(d.ranks) for d in pages))
        problems.append(
            (mention.start, mention.end, f"医生页面未登记{mention.supervisor}：页面为{shown}")
        )
    for start, end, number in mention.licences:
        if not any(d.licence == number for d in pages):
            shown = "、".join(dict.fromkeys(d.licence for d in pages))
            message = f"医师执业证书编码与医生页面不一致：{mention.name}的医生页面为{shown}"
            problems.append((start, end, message))
    return problems


def _finding(field_path: str, line_no: int, line: str, start: int, end: int, message: str):
    return Finding(
        rule=RULE,
        severity=SEVERITY,
        reference=REFERENCE,
        message=message,
        field=field_path,
        line=line_no,
        start=start,
        end=end,
        text=line[start:end],
    )


# A line worth reading: it has a 职称, an address or a licence word (most lines have none,
# and the doctor pages are only looked up when one does).
# (round-2 tester) or a serving or booking word: 「刘建国为您面诊」「预约刘博士」 hold none of
# those
_WORTH_READING = re.compile(
    "|".join(
        (
            *RANKS,
            *_ADDRESSES,
            "执业",
            "资格证",
            _SERVING_WORD.pattern,
            "预约|预定|预订|约诊",
            _OUR_DOCTOR_LABEL.pattern,
            "专家",
            # (round-3 testers) a word for a doctor, a degree, Dr. and Sir
            _PRESENTING_WORD.pattern,
            _LATIN_DEGREE_AFTER.pattern,
            _SURNAME_TITLE_LATIN.pattern,
            _DR_SURNAME.pattern,
            _PRESENTING_LABEL.pattern,
            _DOCTORS_WORK_AFTER.pattern,  # (round 5) 「刘建国从医30年」
            _LEVEL,  # (round 7) 「李文静（正高）」「李文静 Chief Physician」
            _ENGLISH,
        )
    )
)


def doctor_credential_findings(
    page, *, edited=None, removed: frozenset[int] = frozenset(), every_page_an_ad: bool = False
) -> list[tuple[Finding, str]]:
    """(finding, line text) for every doctor named in the page's texts with credentials
    that are not the doctor page's, or with no doctor page (issue 17 point 6); `edited`, a
    DoctorPage, is read as that revision instead of its live row; the doctor pages `removed`
    are read as gone from the register. `every_page_an_ad` reads a
    科普 page as an ad is read (a doctor named with a 职称 and no page is a finding there too:
    `pages_misstating`, where our own doctor renamed must not pass as an outside expert)."""
    from cms.compliance.gate import is_medical_ad
    from cms.models import DoctorPage

    # a person named next to a word for a doctor (`_Mention.presented`) is presented by a
    # medical ad only: a 科普 page read as one (`every_page_an_ad`) names her as a quote
    # (「李文静医生提醒：…」 needs no page)
    presenting = is_medical_ad(page)
    ad = every_page_an_ad or presenting
    # on a doctor's own page a sentence that names nobody is about her (「本人现任主任医师」)
    own = normalize_map((page.title or "").strip())[0] if isinstance(page, DoctorPage) else ""
    doctors: list[Doctor] | None = None
    names: tuple[str, ...] = ()
    findings: list[tuple[Finding, str]] = []

    # (round-6 tester) a doctor card's own text (a landing page's 本页补充介绍) is about the
    # doctor chosen: 「副主任医师，执业证号…」 there states her credentials
    owners = _card_owners(page)

    def read(folded: str, dotted: tuple[str, ...] = ()) -> list[tuple[int, int, str]]:
        nonlocal doctors, names
        if not _WORTH_READING.search(folded):
            return []
        if doctors is None:
            doctors = _doctors(page, edited=edited, removed=removed)
            # the doctor pages' names, longest first (「欧阳文静」 before 「欧阳文」)
            names = tuple(
                sorted({d.name for d in doctors if len(d.name) >= 2}, key=len, reverse=True)
            )
        read_names = names
        if dotted:  # names written with a dot, read as names (`_dotted_names`)
            read_names = tuple(sorted({*names, *dotted}, key=len, reverse=True))
        mentions, loose = _mentions(folded, read_names, own)
        problems = [
            p for m in mentions for p in _problems(m, doctors, ad=ad, presenting=presenting)
        ]
        registered = {d.licence for d in doctors}
        problems += [(s, e, UNKNOWN_LICENCE) for s, e, n in loose if n not in registered]
        return list(dict.fromkeys(problems))

    for field_path, text in page_texts(page):
        lines = (text or "").splitlines()
        folds = [normalize_map(line) for line in lines]
        card_own = owners.get(field_path, "")
        dotted = _dotted_names(text or "")
        read_alone = [
            _read_as_hers(read, folded, card_own) if card_own else read(folded, dotted)
            for folded, _ in folds
        ]
        for line_no, (line, (_folded, origin)) in enumerate(
            zip(lines, folds, strict=True), start=1
        ):
            for start, end, message in read_alone[line_no - 1]:
                s, e = origin[start], origin[end]
                findings.append((_finding(field_path, line_no, line, s, e, message), line))
        # a card over lines (「李文静⏎主任医师」「坐诊专家⏎刘建国」: round-2 doctor tester): a
        # short line is read with the next one or two as one, blank lines between skipped (a
        # list's items: 「• 坐诊专家⏎⏎• 刘建国」, 「刘建国⏎男⏎主任医师」: round-4 tester), for
        # what no line says alone
        said = {(f.line, f.start, f.message) for f, _ in findings if f.field == field_path}
        filled = [i for i, (folded, _) in enumerate(folds) if folded.strip()]
        for at in range(len(filled)):
            card = filled[at : at + _CARD_LINES]
            for size in range(2, len(card) + 1):
                if any(len(folds[j][0]) > _CARD_LINE for j in card[: size - 1]):
                    break
                if _SENTENCE_END.search(folds[card[size - 2]][0][-1]):
                    break
                cuts, joined = [], ""
                for j in card[:size]:
                    cuts.append((len(joined), j))
                    joined += folds[j][0]
                read_card = (
                    _read_as_hers(read, joined, card_own) if card_own else read(joined, dotted)
                )
                for start, end, message in read_card:
                    offset, j = next((c, j) for c, j in reversed(cuts) if c <= start)
                    folded, origin = folds[j]
                    s = origin[start - offset]
                    e = origin[min(end - offset, len(folded))]
                    if (j + 1, s, message) in said:
                        continue  # said by a line alone, or by a smaller card
                    said.add((j + 1, s, message))
                    found = _finding(field_path, j + 1, lines[j], s, e, message)
                    findings.append((found, lines[j]))
    return findings


# (round-6) A name written with a dot between its parts (阿布都·热合曼, 迪丽热巴·迪力木拉提)
# right before a word for a doctor: the text is folded without the dot before the reader
# sees it, and a run of six or more characters is no name it can tell, so the name is taken
# from the text as written
# from a run's start only: tried at every character, a long run backtracks from each (n²)
_DOTTED_RUN = re.compile(
    r"(?<![\u4e00-\u9fff])[\u4e00-\u9fff]+(?:\s?[·•・‧∙]\s?[\u4e00-\u9fff]+){1,2}"
)
_DOT = re.compile(r"\s?[·•・‧∙]\s?")
_SPACES = re.compile(r"\s*")
_BEFORE_DOTTED = re.compile(
    "(?:" + "|".join((*_PRESENTING, "特邀", "特聘", "我院", "本院", "由", "请", "是", "为")) + ")"
)


def _dotted_names(text: str) -> tuple[str, ...]:
    """The names written with a dot in `text` right before a word for a doctor, as the reader
    sees them (folded, no dot): 「特邀专家买买提•艾力教授」 → 买买提艾力. A part that is a word
    the dictionary knows other than as a name (「睡眠·健康医生」「李文静·医学博士」) is none."""
    found = set()
    tags = _word_tags()
    for run in _DOTTED_RUN.finditer(text):
        parts = _DOT.split(run.group())
        first = parts[0]
        leads = [m.end() for m in _BEFORE_DOTTED.finditer(first) if m.end() < len(first)]
        first = first[max(leads, default=0) :]  # 「特邀专家买买提」 → 买买提
        word = _PRESENTING_WORD.search(parts[-1])
        last = parts[-1][: word.start()] if word else parts[-1]
        if word is None and not _PRESENTING_WORD.match(text, _SPACES.match(text, run.end()).end()):
            continue  # no word for a doctor after the name (「阿布都·热合曼提醒」)
        rest = [*parts[1:-1], last]
        if not 2 <= len(first) <= 6 or not tags.get(first, "nr").startswith("nr"):
            continue
        if any(
            not 2 <= len(part) <= 8 or not tags.get(part, "nr").startswith("nr") for part in rest
        ):
            continue  # 「睡眠·健康医生」「李文静·医学博士」: words set off by a dot
        found.add(normalize_map(first + "".join(rest))[0])
    return tuple(found)


def _read_as_hers(read, folded: str, name: str) -> list[tuple[int, int, str]]:
    """`read` of a card's line as said of the doctor it chooses: read after her name (「赵明远
    副主任医师，执业证号…」), each finding on the line as written (a finding on her name alone
    is put at the line's start)."""
    lead = name
    return [
        (max(start - len(lead), 0), max(end - len(lead), 0), message)
        for start, end, message in read(lead + folded)
        if end > len(lead)
    ]


def _card_owners(page) -> dict[str, str]:
    """Text path (as `page_texts` names it: ``trust[0].doctor.intro``) → the name of the
    doctor page chosen in the same block, for every StreamField block that chooses a doctor
    and has text of its own (round-6 tester: a card's intro stated another 职称 and another
    doctor's licence number)."""
    from wagtail.blocks import StreamValue, StructValue
    from wagtail.fields import StreamField

    from cms.models import DoctorPage

    owners = {}
    for stream in page._meta.concrete_fields:
        if not isinstance(stream, StreamField):
            continue
        value = getattr(page, stream.attname, None)
        if not isinstance(value, StreamValue):
            continue
        for i, child in enumerate(value):
            if not isinstance(child.value, StructValue):
                continue
            doctor = child.value.get("doctor")
            if not isinstance(doctor, DoctorPage):
                continue
            name = normalize_map((doctor.title or "").strip())[0]
            for key, text in child.value.items():
                if isinstance(text, str):
                    owners[f"{stream.name}[{i}].{child.block_type}.{key}"] = name
    return owners


_CARD_LINE = 16  # the longest line read with the next as one card (a name, a label, a 职称)
_CARD_LINES = 3  # lines read as one card, at most


def _live_ads_and_pages(*, exclude: frozenset[int]):
    """Every live page but those `exclude`, then every live service package: a package is a
    medical ad the same rule reads (its name, summary and 包含内容; seventeenth
    re-verification F-2)."""
    from wagtail.models import Page

    from funnel.models import ServicePackage

    yield from Page.objects.live().exclude(pk__in=exclude).specific().iterator()
    yield from ServicePackage.objects.filter(live=True).order_by("pk").iterator()


def _last_published(pk: int) -> tuple[str, str, str, str] | None:
    """(title, rank, licence, hospital) the doctor page `pk` last published: its row while it
    is live (a live page's row is its live content); once taken down, the revision of its last
    publication (Wagtail copies every draft of a page that is not live into its row, so the
    row then holds the change itself: seventeenth re-verification C-3, D-1); the row for a
    page never published through a revision. None for no such page."""
    from wagtail.models import PageLogEntry

    from cms.models import DoctorPage

    row = DoctorPage.objects.filter(pk=pk).values_list(
        "live", "title", "rank", "licence_number", "hospital"
    )
    found = row.first()
    if found is None:
        return None
    live, *values = found
    if not live:
        entry = (
            PageLogEntry.objects.filter(page_id=pk, action="wagtail.publish")
            .exclude(revision=None)
            .select_related("revision")
            .order_by("-timestamp", "-pk")
            .first()
        )
        if entry is not None:
            shown = entry.revision.as_object()
            return (shown.title, shown.rank, shown.licence_number, shown.hospital)
    return (values[0], values[1], values[2], values[3])


def pages_misstating(edited) -> list[str]:
    """Titles of the live pages, other than the doctor's own, whose text the DoctorPage
    revision `edited` would make state credentials no doctor page registers: a page naming
    the doctor as her page last published them (「李文静副主任医师」, or her licence number
    alone) when the revision changes her name, 职称 or licence number, the page taken down in
    between or not. [] when the revision changes none of them. Every live page and
    package is read, twice; a doctor's page changes rarely (seventeenth session: an ad's
    text stayed live, certified, stating the old 职称)."""

    from cms.models import DoctorPage

    if not isinstance(edited, DoctorPage) or edited.pk is None:
        return []
    published = _last_published(edited.pk)
    if published is None or published[:3] == (edited.title, edited.rank, edited.licence_number):
        return []
    # Every live page and package is read: each form the checker ties to her (her name, her
    # surname before 医生 / 大夫 / 教授 / 老师 …, her licence number alone) is a way to state
    # her credentials, and a text pre-filter of those forms missed some (seventeenth
    # re-verifications C-2, F-1, G-1). `doctor_credential_findings` reads only the lines
    # with a 职称, an address or a licence word.
    return _pages_changed_by(exclude=frozenset({edited.pk}), edited=edited)


def _pages_changed_by(*, exclude: frozenset[int], **change) -> list[str]:
    """Titles of the live pages and packages (but the pages `exclude`) that gain a finding
    when read with `change` (`edited=` a doctor revision, `removed=` doctor page pks)."""
    titles = []
    for page in _live_ads_and_pages(exclude=exclude):
        # What each finding says, where it says it: the same spot may hold a finding before
        # and after with another message (an unpublished doctor's 「未登记」 becoming 「职称不
        # 一致」: seventeenth re-verification E-1). Every page is read as an ad: renamed, our
        # doctor named on a 科普 page with a 职称 would pass as a quoted outside expert (E-2).
        def said(found):
            return {(f.field, f.line, f.start, f.end, f.message) for f, _ in found}

        now = said(doctor_credential_findings(page, every_page_an_ad=True))
        after = doctor_credential_findings(page, every_page_an_ad=True, **change)
        if said(after) - now:
            titles.append(getattr(page, "title", None) or f"服务包 {page}")
    return titles


def pages_naming_removed(doctor_pks: frozenset[int]) -> list[str]:
    """Titles of the live pages and packages (the doctor pages `doctor_pks` left out) that
    name one of those doctors with a 职称 or her licence number, so that taking her page down
    or deleting it would leave them introducing a doctor who has no page (issue 17 point 6;
    the eighteenth session's leftover: unpublishing was unguarded). [] when none does, or
    when none of `doctor_pks` is live."""
    from cms.models import DoctorPage

    live = frozenset(
        DoctorPage.objects.live().filter(pk__in=doctor_pks).values_list("pk", flat=True)
    )
    if not live:
        return []
    return _pages_changed_by(exclude=frozenset(doctor_pks), removed=live)


def _chosen_in(data, doctor_pks: frozenset[int]) -> bool:
    """A StreamField's raw data chooses one of `doctor_pks` in a block field named 「doctor」
    (the landing page's 医生 block, an article's doctor card): the chooser stores the id."""
    if isinstance(data, dict):
        chosen = data.get("doctor")
        if isinstance(chosen, int) and chosen in doctor_pks:
            return True
        return any(_chosen_in(value, doctor_pks) for value in data.values())
    if isinstance(data, list | tuple):
        return any(_chosen_in(value, doctor_pks) for value in data)
    return False


def _live_pages_choosing(doctor_pks: frozenset[int]):
    """The live pages (specific, in tree order; the doctor pages `doctor_pks` left out) that
    choose one of those doctors: as 审核医生 (`ArticlePage.reviewer`) or in a block (the
    landing page's 医生 block, an article's doctor card)."""
    from wagtail.fields import StreamField
    from wagtail.models import Page

    from cms.models import ArticlePage

    reviewed = set(
        ArticlePage.objects.live().filter(reviewer_id__in=doctor_pks).values_list("pk", flat=True)
    )
    for page in Page.objects.live().exclude(pk__in=doctor_pks).order_by("path").specific():
        streams = (
            getattr(page, model_field.name).raw_data
            for model_field in page._meta.get_fields()
            if isinstance(model_field, StreamField)
        )
        if page.pk in reviewed or any(_chosen_in(list(raw), doctor_pks) for raw in streams):
            yield page


def chosen_doctor_pks(page) -> set[int]:
    """The doctor pages `page` chooses: its 审核医生 (`reviewer_id`) and every StreamField
    block field named 「doctor」 (the landing page's 医生 block, a doctor card), read from the
    raw data (no query)."""
    from wagtail.fields import StreamField

    found: set[int] = set()

    def walk(data) -> None:
        if isinstance(data, dict):
            chosen = data.get("doctor")
            if isinstance(chosen, int):
                found.add(chosen)
            for value in data.values():
                walk(value)
        elif isinstance(data, list | tuple):
            for value in data:
                walk(value)

    for model_field in page._meta.get_fields():
        if isinstance(model_field, StreamField):
            value = getattr(page, model_field.name, None)
            walk(list(getattr(value, "raw_data", None) or []))
    reviewer = getattr(page, "reviewer_id", None)
    if isinstance(reviewer, int):
        found.add(reviewer)
    return found


def shown_doctor_credentials(page) -> list[tuple[str, str]]:
    """("doctor:<pk>", "name|职称|hospital|licence") for each live doctor page `page` chooses,
    by pk: what the ad shows of her, rendered from her page (`landing/blocks/doctor.html`, the
    doctor card, 「审核医生：…」). Part of what a certificate approves
    (`checked_text_digest`): an ad taken down, its doctor's 职称 changed, then republished on
    the certificate recorded for the old one was refused nowhere (round-34 verification F14).
    [] when it chooses none (one query otherwise)."""
    from cms.models import DoctorPage

    pks = chosen_doctor_pks(page)
    if not pks:
        return []
    rows = (
        DoctorPage.objects.filter(pk__in=pks, live=True)
        .order_by("pk")
        .values_list("pk", "title", "rank", "hospital", "licence_number")
    )
    return [(f"doctor:{pk}", "|".join(values)) for pk, *values in rows]


def pages_choosing(doctor_pks: frozenset[int]) -> list[str]:
    """Titles of the live pages (the doctor pages `doctor_pks` left out) that choose one of
    those doctors (`_live_pages_choosing`). Taking her page down would empty the 审核医生 of a
    live article (`on_delete=SET_NULL`) and drop the doctor card of a certified ad, changing
    what the reviewer approved without a word (twentieth verification B4)."""
    return [page.title for page in _live_pages_choosing(doctor_pks)]


def ads_showing_changed(edited) -> list[str]:
    """Titles of the live medical ads (landing pages, 转化 articles) that choose the doctor of
    the DoctorPage revision `edited` (医生 block, doctor card, 审核医生) and so show her name,
    职称, hospital and licence number as her page last published them, when `edited` changes
    any of the four. [] when it changes none, or no ad chooses her. A chosen doctor is
    rendered from her page, so such a change would alter the certified ad's text without the
    reviewer (issue 17 round-34 tester F6: 副主任医师 became 主任医师 on a landing page
    certified for the first); 科普 pages choosing her follow her page (they are no ads)."""
    from cms.compliance.gate import is_medical_ad
    from cms.models import DoctorPage

    if not isinstance(edited, DoctorPage) or edited.pk is None:
        return []
    published = _last_published(edited.pk)
    shown = (edited.title, edited.rank, edited.licence_number, edited.hospital)
    if published is None or published == shown:
        return []
    return [
        page.title for page in _live_pages_choosing(frozenset({edited.pk})) if is_medical_ad(page)
    ]
