"""The publish gate: a blocking finding stops publication unless a medical-ad reviewer has
recorded the review certificate (医疗广告审查证明) for exactly those findings."""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from wagtail.actions.publish_page_revision import PublishPagePermissionError

from cms.compliance.checker import BIDI_RULE, CONTROL_RULE, ComplianceReport
from cms.compliance.doctors import RULE as DOCTOR_CREDENTIALS
from cms.compliance.page import TEXT_UNREAD_RULE, check_page, checked_text_digest

REVIEW_PERMISSION = "cms.review_medical_ad"
REVIEWER_GROUP = "医疗广告审查"
# Loose on purpose: provinces write brackets and separators differently, e.g.
# （京）医广【2026】第01-23-001号, (沪)医广[2025]第2501-001号, （粤）医广【2026】第0312号.
# Digits and letters are ASCII only (re.ASCII: `\d` and `\s` would also take full-width
# ２０２６ and other scripts' digits, a respelling of a number another ad holds; review of
# issue 17, round 2, M3). The register compares `certificate_normalise` forms besides.
CERTIFICATE_FORMAT = re.compile(
    # The serial: runs of letters and digits joined by single dashes, 24 characters at most,
    # not zeros alone (「第0号」「第00-000号」 number nothing).
    r"^[（(][一-龥]{1,3}[)）]\s*医广\s*[【\[(（]\s*\d{4}\s*[】\])）]\s*第?\s*"
    r"(?=[-－—0-9A-Za-z]{1,24}\s*号?$)(?![-－—0]+\s*号?$)"
    r"[0-9A-Za-z]+(?:[-－—][0-9A-Za-z]+)*\s*号?$",
    re.ASCII,
)


# 《医疗广告管理办法》第十三条: 《医疗广告审查证明》的有效期为一年.
CERTIFICATE_VALIDITY = datetime.timedelta(days=365)


class CompliancePublishBlocked(PublishPagePermissionError):
    """Raised when code tries to publish a page the gate refuses. A PermissionDenied, so an
    admin view that triggers it answers 403 instead of crashing."""

    def __init__(self, decision: GateDecision):
        super().__init__(decision.message)
        self.decision = decision


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    # clean | certified | ruled | taken_down | no_certificate | not_ruled | not_reviewer |
    # content_changed | uncovered | expired | expires_before_go_live | science_ad | duplicate
    # | aliased | hub_changed | doctor_changed | doctor_credentials
    reason: str
    message: str
    report: ComplianceReport


def is_reviewer(user) -> bool:
    """A member of 医疗广告审查 (or a user given its permission). A superuser is not one by
    rank alone (Django gives superusers every permission): the clinic names its reviewers, and
    an administrator who reviews ads joins the group (review of issue 17)."""
    if not (user and user.is_active):
        return False
    if user.is_superuser:
        return user.groups.filter(name=REVIEWER_GROUP).exists()
    return user.has_perm(REVIEW_PERMISSION)


def certificate_is_valid(number: str) -> bool:
    """The number is written as a 医疗广告审查证明 number, digits and letters in ASCII; the
    serial at most 24 characters (real ones run 4 to 12: 01-23-001, 08-12-P0036), so a
    pasted run of digits cut by the field's length is no number (nineteenth verification
    B-F7: 「…第111…1」 of 80 characters was accepted); dashes only between letters and digits
    (「第1-----号」 is no serial)."""
    return bool(CERTIFICATE_FORMAT.match((number or "").strip()))


def today() -> datetime.date:
    """The date in Asia/Shanghai (a certificate's validity is a date as printed)."""
    return timezone.localdate()


def certificate_default_valid_until(*, on: datetime.date | None = None) -> datetime.date:
    """One year from `on` (today): the validity a certificate recorded before the printed
    date was required is read with (and the demo seed's fictional certificate prints)."""
    return (on or today()) + CERTIFICATE_VALIDITY


def certificate_latest_valid_until(*, on: datetime.date | None = None) -> datetime.date:
    """The latest printed validity a certificate issued by `on` (today) can carry: one
    calendar year after it (29 February → 28 February), plus a day of slack for a
    certificate printed as 「至次年同日」."""
    on = on or today()
    try:
        year_later = on.replace(year=on.year + 1)
    except ValueError:  # 29 February
        year_later = on.replace(year=on.year + 1, day=28)
    return year_later + datetime.timedelta(days=1)


def certificate_valid_until(page) -> datetime.date | None:
    """The validity the gate reads: the printed date; for a certificate recorded before the
    date was required (none on the row or revision), one year from the day it was recorded,
    as it was then; None when neither is known (a number never recorded by a reviewer)."""
    until = getattr(page, "ad_review_valid_until", None)
    if until is not None:
        return until
    recorded_at = getattr(page, "ad_review_recorded_at", None)
    if recorded_at is None:
        return None
    return timezone.localdate(recorded_at) + CERTIFICATE_VALIDITY


def certificate_expired(page, *, on: datetime.date | None = None) -> bool:
    """The page carries a certificate whose validity ended before `on` (today)."""
    until = certificate_valid_until(page)
    certificate = (getattr(page, "ad_review_certificate", "") or "").strip()
    return bool(certificate and until and until < (on or today()))


def _summary(report: ComplianceReport, limit: int = 3) -> str:
    # the same wording under the same provision once: a question and its answer on two lines
    # are one finding per line, the field check and the served page may find the same words
    # (fourth verification: refusals repeated a finding); a wording two rules find is named
    # once with both provisions (a question-and-answer cure claim is both rules' kind)
    provisions: dict[str, list[str]] = {}
    for finding in report.blocking:
        shown_for = provisions.setdefault(finding.text, [])
        if finding.reference not in shown_for:
            shown_for.append(finding.reference)
    distinct = [f"“{text}”（{'；'.join(refs)}）" for text, refs in provisions.items()]
    shown = "；".join(distinct[:limit])
    more = f" 等 {len(distinct)} 处" if len(distinct) > limit else ""
    return shown + more


# Findings of 广告法第十九条 on 科普 pages (conversion elements, contact details): no
# certificate clears them.
SCIENCE_ONLY_PREFIX = "ad19-"


def ad_taken_down(obj) -> bool:
    """The version offers nothing to the public (a service package 下架: its
    `ad_is_offered()` is False). Pages have no such state (they are unpublished instead)."""
    offered = getattr(obj, "ad_is_offered", None)
    return callable(offered) and not offered()


def publish_decision(*, page, report: ComplianceReport) -> GateDecision:
    if ad_taken_down(page):
        # Taking an ad down never waits for a reviewer; putting it up again does (the
        # taken-down version's approval is cleared when it goes live, `ServicePackage.publish`).
        return GateDecision(True, "taken_down", "", report)
    if why := hub_change_refused(page):
        return GateDecision(False, "hub_changed", why, report)
    if why := doctor_change_refused(page):
        return GateDecision(False, "doctor_changed", why, report)
    if why := doctor_licence_taken(page):
        return GateDecision(False, "licence_taken", why, report)
    if why := doctor_expiry_refused(page):
        return GateDecision(False, "doctor_expiry", why, report)
    if any(f.rule == DOCTOR_CREDENTIALS for f in report.blocking):
        # A credential that is not the doctor page's is a fact against our own register,
        # not a wording a reviewer can judge: no certificate or false-match ruling covers it
        # (seventeenth verification B-D1: a certified landing page stated two 职称 for one
        # doctor, the reviewer's 确认审查 having covered the finding).
        found = f"存在医疗广告合规问题：{_summary(report)}。"
        return GateDecision(
            False, "doctor_credentials", f"{found}{CREDENTIALS_NOT_COVERED}", report
        )
    if any(f.rule == TEXT_UNREAD_RULE for f in report.blocking):
        # more text than a check reads (`page.check_text_budget`): nobody has read it
        found = f"存在医疗广告合规问题：{_summary(report)}。"
        why = "页面文字超出检查上限，未经检查，审查证明和误报确认都不能豁免"
        return GateDecision(False, "text_unread", f"{found}{why}", report)
    if any(f.rule in HIDDEN_CHARACTER_RULES for f in report.blocking):
        # Characters that show as nothing or in another order are no wording a reviewer can
        # judge: what she approved is not what every browser shows (round 33)
        found = f"存在医疗广告合规问题：{_summary(report)}。"
        return GateDecision(False, "hidden_characters", f"{found}{HIDDEN_NOT_COVERED}", report)
    if not is_medical_ad(page):
        return _not_an_ad_decision(page=page, report=report)
    if certificate_expired(page):
        # An expired certificate is never shown to the public, whatever the findings.
        until = certificate_valid_until(page).isoformat()
        why = f"医疗广告审查证明已于 {until} 过期（有效期一年），须由审查人员重新记录有效的证明"
        found = f"存在医疗广告合规问题：{_summary(report)}。" if report.has_blocking else ""
        return GateDecision(False, "expired", f"{found}{why}", report)
    if why := expires_before_go_live(page):
        return GateDecision(False, "expires_before_go_live", why, report)
    # A landing page, 转化 article or service package is a medical ad whatever its wording:
    # it is published on a reviewer's certificate for exactly this text, findings or none.
    problem = _certificate_problem(page)
    if problem is None:
        covered = set(page.ad_review_scope or [])
        uncovered = [f for f in report.blocking if f.scope_key() not in covered]
        if not uncovered:
            return GateDecision(True, "certified", "", report)
        problem = ("uncovered", "记录审查证明后又出现了新的问题，须由审查人员重新确认")
    reason, why = problem
    if not report.has_blocking:
        return GateDecision(False, reason, f"{ad_needs_certificate(page)}{why}", report)
    return GateDecision(False, reason, f"存在医疗广告合规问题：{_summary(report)}。{why}", report)


def expires_before_go_live(page) -> str:
    """Why the ad `page`, scheduled to go live (定时发布, `go_live_at` ahead), may not be
    scheduled ("" when it may): its certificate's validity ends before that day (Asia/Shanghai),
    so the version would be refused when due and dropped with only a log line (twentieth
    verification B3: scheduled for 2027-12-15 on a certificate valid to 2027-11-30)."""
    go_live = getattr(page, "go_live_at", None)
    if not go_live or go_live <= timezone.now():
        return ""
    day = timezone.localdate(go_live)
    if not certificate_expired(page, on=day):
        return ""
    until = certificate_valid_until(page).isoformat()
    return (
        f"定时发布日期 {day.isoformat()} 晚于医疗广告审查证明的有效期（至 {until}），到时不能发布："
        "请把发布时间改在有效期内，或由审查人员记录新的审查证明"
    )


# Said of a doctor with no page too (round-4 tester: the message spoke of a mismatch only)
CREDENTIALS_NOT_COVERED = (
    "页面介绍的医生须在医生团队页面登记，姓名、职称和执业证号与登记一致（《医疗广告管理办法》"
    "第六条），审查证明和误报确认都不能豁免：请按医生页面修改，或先在医生团队中登记或修改医生页面"
)


HIDDEN_CHARACTER_RULES = frozenset({BIDI_RULE, CONTROL_RULE})
HIDDEN_NOT_COVERED = (
    "控制字符和双向文字控制符会让页面显示的文字与保存、审查的文字不同，审查证明和误报确认都不能豁免："
    "请删除这些字符（常见于从其他软件粘贴的文字）后重新保存"
)


# Pages that are not medical ads (科普 articles, videos, hubs, the doctors' pages) neither
# carry nor read a 医疗广告审查证明: a certificate approves an ad, and such a page is not one
# and shows none (review of issue 17, round 13, F7: a number recorded on a 科普 page cleared
# its 第十六条 claims while the page displayed no certificate). A blocking finding there is
# reworded, or a medical-ad reviewer rules it a false match (误报) for exactly this text.
NOT_RULED = (
    "科普等非广告页面不能凭医疗广告审查证明发布：请修改措辞；如确属误判，"
    "须由“医疗广告审查”组成员勾选“确认审查”（文号留空）确认为误报"
)
NOT_AN_AD_NO_CERTIFICATE = (
    "科普等非广告页面不是医疗广告，不记录医疗广告审查证明文号（审查证明只用于落地页、"
    "转化文章和服务包）。如需确认阻止发布的问题属于误报，请留空文号并勾选“确认审查”"
)


def _not_an_ad_decision(*, page, report: ComplianceReport) -> GateDecision:
    if not report.has_blocking:
        return GateDecision(True, "clean", "", report)
    disguised = [f for f in report.blocking if f.rule.startswith(SCIENCE_ONLY_PREFIX)]
    if disguised:
        # 广告法第十九条: health-science content may not carry an ad at all; no reviewer's
        # ruling turns a consultation link or a phone number on a 科普 page into a false match.
        why = "科普内容不得含有咨询、联系方式等广告内容（广告法第十九条），审查证明不能豁免，请删除"
        return GateDecision(
            False, "science_ad", f"存在医疗广告合规问题：{_summary(report)}。{why}", report
        )
    problem = _ruling_problem(page)
    if problem is None:
        covered = set(page.ad_review_scope or [])
        if all(f.scope_key() in covered for f in report.blocking):
            return GateDecision(True, "ruled", "", report)
        problem = ("uncovered", "审查人员确认误报后又出现了新的问题，须由审查人员重新确认")
    reason, why = problem
    return GateDecision(False, reason, f"存在医疗广告合规问题：{_summary(report)}。{why}", report)


def _ruling_problem(page) -> tuple[str, str] | None:
    """(reason, zh-hans why) when no reviewer has ruled the findings of this exact text false
    matches; None when one has. A record that carries a number is a certificate, not a
    ruling: a reviewer who approved an ad did not judge its claims false matches on a page
    that is no ad (round 13 verification, F1: a certified 转化 article switched to 科普
    published its 「三天见效，治愈率95%」 as health science on the certificate's record)."""
    recorded_by = page.ad_review_recorded_by if page.ad_review_recorded_by_id else None
    if recorded_by is None or (page.ad_review_certificate or "").strip():
        return "not_ruled", NOT_RULED
    if not is_reviewer(recorded_by):
        return "not_reviewer", "误报确认不是由具有审查权限的人员记录的，不能作为发布依据"
    if (page.ad_review_text_hash or "") != approved_digest(page):
        return "content_changed", "内容在审查人员确认误报后有改动，须由审查人员重新确认"
    return None


# 《医疗广告管理办法》第三条、第八条: a medical institution publishes a medical ad only with a
# 《医疗广告审查证明》. Landing pages and 转化 articles exist to bring patients in: ads.
AD_PAGE_NEEDS_CERTIFICATE = "落地页和转化文章属于医疗广告（《医疗广告管理办法》第三条、第八条），"
AD_PACKAGE_NEEDS_CERTIFICATE = "服务包属于医疗广告（《医疗广告管理办法》第三条、第八条），"


def ad_needs_certificate(obj) -> str:
    """The opening of a refusal for an ad with no finding, naming what `obj` is: a page
    (landing page, 转化 article) or a service package (review of issue 17, round 2, L2: a
    refused package was called a landing page)."""
    from wagtail.models import Page

    return AD_PAGE_NEEDS_CERTIFICATE if isinstance(obj, Page) else AD_PACKAGE_NEEDS_CERTIFICATE


def is_medical_ad(page) -> bool:
    """Whether the page is a medical ad as a whole (`BasePage.is_medical_ad`): published only
    on a reviewer's certificate for its text, even with no finding."""
    check = getattr(page, "is_medical_ad", None)
    return bool(check()) if callable(check) else False


def _certificate_problem(page) -> tuple[str, str] | None:
    """(reason, zh-hans why) when the page's certificate cannot be relied on: none, not
    recorded by a reviewer, already the certificate of another ad, or recorded for another
    text; None when it can."""
    certificate = (page.ad_review_certificate or "").strip()
    recorded_by = page.ad_review_recorded_by if page.ad_review_recorded_by_id else None
    if not certificate:
        return "no_certificate", "须由医疗广告审查人员记录医疗广告审查证明文号后才能发布"
    if _has_aliases(page):
        return "aliased", ALIASED_AD
    if not is_reviewer(recorded_by):
        return "not_reviewer", "审查证明文号不是由具有审查权限的人员记录的，不能作为发布依据"
    if certificate_taken(obj=page, certificate=certificate):
        return "duplicate", CERTIFICATE_TAKEN
    if (page.ad_review_text_hash or "") != approved_digest(page):
        # A certificate approves a text, not a rule and a word: any change to what the
        # check reads (one sentence rewritten around an approved claim) needs the reviewer
        # again. A certificate recorded before digests were kept has none: the same.
        return "content_changed", "内容在记录审查证明后有改动，须由审查人员重新确认"
    return None


def certificate_problem_of(obj) -> str | None:
    """The reason a reviewer must act on the medical ad `obj` (a page or package version)
    before it can go live, judged from its certificate record alone (no text check):
    "expired", or `_certificate_problem`'s reason; None when its certificate covers it."""
    if certificate_expired(obj):
        return "expired"
    problem = _certificate_problem(obj)
    return problem[0] if problem else None


def page_publish_gate(*, page, user=None, report: ComplianceReport | None = None):
    """Checks `page` (the revision about to go live; its report when already known); raises
    CompliancePublishBlocked."""
    report = report if report is not None else check_page(page)
    decision = publish_decision(page=page, report=report)
    if not decision.allowed:
        raise CompliancePublishBlocked(decision)
    certificate = (getattr(page, "ad_review_certificate", "") or "").strip()
    if certificate and page.pk is not None and decision.reason == "certified":
        # The number goes live on this ad: register it (a certificate recorded before the
        # register existed is claimed here, by the first ad that publishes on it).
        try:
            certificate_claim(obj=page, certificate=certificate)
        except ValidationError:
            raise CompliancePublishBlocked(
                GateDecision(False, "duplicate", CERTIFICATE_TAKEN, report)
            ) from None
    return report


def package_publish_check(package, user=None, revision=None) -> None:
    """The gate for a service package (registered in `funnel.ad_gate` by `CmsConfig.ready`):
    `package` is the revision's content about to go live, judged with the current review
    record (`current_review_record`: a scheduled version older than a withdrawal carries the
    withdrawn certificate), which is then written onto `revision` (`review_record_onto`), so
    the package goes live showing it. Raises CompliancePublishBlocked."""
    current_review_record(package)
    page_publish_gate(page=package, user=user)
    if revision is not None:
        review_record_onto(revision)


# --- one certificate, one ad ------------------------------------------------------------

CERTIFICATE_TAKEN = (
    "该医疗广告审查证明文号已记录在另一个广告（页面或服务包）上：一份审查证明只批准一个广告，"
    "请核对文号"
)
# The parts of a certificate number: runs of Chinese characters, runs of letters and digits.
_NUMBER_PART = re.compile(r"[一-鿿]+|[0-9A-Z]+")
# 第 and 号 are words around the number, not part of it: 「第08-12-0011号」, 「08-12-0011」
# and 「第 08-12-0011 号」 are one certificate.
_AROUND_THE_NUMBER = frozenset({"第", "号", "第号"})
# A digit run's leading zeros (0011 = 11; a lone 0 stays 0).
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+([0-9])")


def certificate_normalise(certificate: str) -> str:
    """The canonical number the register compares (review of issue 17, round 2, M3: a
    respelling got a held number onto a second ad). NFKC (full-width ２０２６ and （ ） become
    2026 and ( )), letters upper case (P0011 = p0011); then only the number's parts are kept,
    in order and each apart: the province, 医广, the year and the serial's letter-and-digit
    groups, with the leading zeros of each digit run dropped; brackets of any shape, the kind
    of dash, spaces and the words 第 and 号 around the number are not part of it. So
    「（沪）医广【2026】第 08-12-p0011 号」 and 「(沪)医广[2026]008－12－P0011-」 are one number,
    沪-医广-2026-8-12-P11. Where the serial's groups part is part of the number: 01-23-001 and
    12-03-001 are two certificates, and so are 0812P0011 and 08-12-P0011 (twentieth
    verification B2: dropping the dashes made 01-23-001 and 12-03-001 one number, so a
    reviewer could not record a second, real certificate)."""
    folded = unicodedata.normalize("NFKC", certificate or "").upper()
    parts = [p for p in _NUMBER_PART.findall(folded) if p not in _AROUND_THE_NUMBER]
    return "-".join(_LEADING_ZEROS.sub(r"\1", part) for part in parts)


def _owner(obj) -> tuple[int, str]:
    """(content type id, object id) naming the ad: a page as wagtailcore.Page, whatever its
    type (a revision's copy and the live page are one ad); any other model as itself."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page

    model = Page if isinstance(obj, Page) else type(obj)
    return ContentType.objects.get_for_model(model).pk, str(obj.pk)


def certificate_taken(*, obj, certificate: str) -> bool:
    """The number is registered to another ad than `obj` (an unsaved `obj` owns nothing)."""
    from cms.models import AdReviewCertificate

    row = AdReviewCertificate.objects.filter(number=certificate_normalise(certificate)).first()
    if row is None:
        return False
    if obj.pk is None:
        return True
    return (row.content_type_id, row.object_id) != _owner(obj)


def certificate_claim(*, obj, certificate: str) -> None:
    """Registers `certificate` to `obj` (saved), or leaves it with `obj` when it is already
    its own (a new revision of the same ad). Raises ValidationError(CERTIFICATE_TAKEN) when
    another ad holds it. Race-free: the unique number decides (INSERT … ON CONFLICT DO
    NOTHING, then read who won), never a check before the insert."""
    from cms.models import AdReviewCertificate

    content_type_id, object_id = _owner(obj)
    number = certificate_normalise(certificate)
    AdReviewCertificate.objects.bulk_create(
        [
            AdReviewCertificate(
                number=number,
                shown=certificate.strip(),
                content_type_id=content_type_id,
                object_id=object_id,
            )
        ],
        ignore_conflicts=True,
    )
    row = AdReviewCertificate.objects.get(number=number)
    if (row.content_type_id, row.object_id) != (content_type_id, object_id):
        raise ValidationError(CERTIFICATE_TAKEN)


def approved_digest(obj) -> str:
    """What a certificate approves (SHA-256, 64 hex): `checked_text_digest` of the page, and
    for an ad with facts the text check does not read (a package's prices, period and promo
    deadline: `ad_review_facts()`), those too, so a new price needs the reviewer again."""
    text = checked_text_digest(obj)
    facts = getattr(obj, "ad_review_facts", None)
    if not callable(facts):
        return text  # pages: unchanged, so certificates recorded before stay valid
    import hashlib
    import json

    payload = json.dumps([text, facts()], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def certificate_apply(
    *,
    page,
    user,
    certificate: str,
    report: ComplianceReport,
    valid_until: datetime.date | None = None,
) -> None:
    """Record (or clear) the certificate on the in-memory page; the caller saves it.
    `valid_until` is the date printed on the certificate, required with a number (callers
    check it with `valid_until_error` first). Raises ValueError without it."""
    certificate = (certificate or "").strip()
    page.ad_review_expired_at = None
    if not certificate:
        page.ad_review_certificate = ""
        page.ad_review_recorded_by = None
        page.ad_review_recorded_at = None
        page.ad_review_valid_until = None
        page.ad_review_scope = []
        page.ad_review_text_hash = ""
        return
    if valid_until is None:
        raise ValueError("a certificate is recorded with the validity printed on it")
    page.ad_review_certificate = certificate
    page.ad_review_recorded_by = user
    page.ad_review_recorded_at = timezone.now()
    page.ad_review_valid_until = valid_until
    page.ad_review_scope = sorted({f.scope_key() for f in report.blocking})
    # the text the reviewer saw, as the check reads it: the gate refuses any other
    page.ad_review_text_hash = approved_digest(page)


def false_match_apply(*, page, user, report: ComplianceReport) -> None:
    """A reviewer rules the blocking findings of a page that is not a medical ad (a 科普
    article, a video, a hub) false matches for the text as it is now, on the in-memory
    page; the caller saves it. No certificate number or validity is kept (there is none
    for a page that is no ad): who, when, which findings and the digest of the text, so
    any later change needs the reviewer again (`_ruling_problem`)."""
    page.ad_review_expired_at = None
    page.ad_review_certificate = ""
    page.ad_review_valid_until = None
    page.ad_review_recorded_by = user
    page.ad_review_recorded_at = timezone.now()
    page.ad_review_scope = sorted({f.scope_key() for f in report.blocking})
    page.ad_review_text_hash = approved_digest(page)


# Four eyes (issue 17, round-2 tester: the reviewer could write and certify the same text): the
# review the clinic records is someone else's reading of what an editor wrote, so a reviewer
# does not approve text of her own; another reviewer does.
SELF_REVIEW = "审查人不能确认自己撰写或修改的内容：请保存后由另一位审查人审查"


def wrote_since_review(obj, user) -> bool:
    """Whether `user` changed `obj`'s checked text (`approved_digest`) in any saved revision
    since the last one a reviewer's confirmation stamped (any part she wrote stays hers: an
    editor's later save of another field does not make it the editor's; fresh tester of the
    four-eyes rule). A confirmation is the revision where the stamp (`ad_review_recorded_at`)
    changes; later revisions carry it unchanged, so they are writing. Reads back as far as the
    last confirmation, however many saves ago (a window of 20 revisions let her confirm her
    own text after 20 empty saves: round-3 tester); the stamp is read from each revision's
    stored content, and only her revisions and the ones before them are rebuilt. A revision
    with no user (the seed, an import) is nobody's."""
    from itertools import chain, pairwise

    revisions = getattr(obj, "revisions", None)
    if obj.pk is None or revisions is None or user is None:
        return False
    ordered = revisions.order_by("-created_at", "-id").iterator(chunk_size=50)
    for revision, older in pairwise(chain(ordered, [None])):
        stamp = (revision.content or {}).get("ad_review_recorded_at")
        before = (older.content or {}).get("ad_review_recorded_at") if older else None
        if stamp is not None and (older is None or before != stamp):
            return False  # read and confirmed here: what came before was reviewed
        if revision.user_id != user.pk:
            continue
        if older is None or approved_digest(older.as_object()) != approved_digest(
            revision.as_object()
        ):
            return True
    return False


def changed_in_form(obj) -> bool:
    """Whether the text of `obj` (an admin form's instance, the posted fields applied) is not
    its latest saved revision's: the user posting it wrote it now (a new page too)."""
    revisions = getattr(obj, "revisions", None)
    if obj.pk is None or revisions is None:
        return True
    latest = revisions.order_by("-created_at", "-id").first()
    # a page made in code has no revision yet: the row as saved is what the form was opened on
    saved = latest.as_object() if latest else type(obj)._default_manager.get(pk=obj.pk)
    return approved_digest(saved) != approved_digest(obj)


def reviewer_wrote_it(obj, user, *, form: bool = False) -> bool:
    """Whether `user` wrote any of the text of `obj` she is about to approve: in this very
    form (`form=True`, `changed_in_form`) or in a save since the last review
    (`wrote_since_review`)."""
    if form and changed_in_form(obj):
        return True
    return wrote_since_review(obj, user)


def page_false_match_record(*, page, user):
    """A reviewer rules the current blocking findings of `page` (not a medical ad) false
    matches and saves a revision (returned) that can then be published. Raises
    PermissionDenied (not a reviewer), ValidationError (the page is a medical ad: it needs
    its certificate, `page_ad_review_record`)."""
    if not is_reviewer(user):
        raise PermissionDenied("只有“医疗广告审查”组成员可以确认误报")
    if is_medical_ad(page):
        raise ValidationError("落地页、转化文章和服务包是医疗广告，须记录医疗广告审查证明")
    if reviewer_wrote_it(page, user):
        raise PermissionDenied(SELF_REVIEW)
    false_match_apply(page=page, user=user, report=check_page(page))
    return page.save_revision(user=user, log_action=True)


VALID_UNTIL_REQUIRED = "请填写审查证明上印的有效期截止日"


def valid_until_error(valid_until: datetime.date | None) -> str:
    """Why a validity date cannot be recorded with a certificate number ("" when it can):
    missing, already past, or later than any certificate issued today can run."""
    if valid_until is None:
        return VALID_UNTIL_REQUIRED
    if valid_until < today():
        return "审查证明已过期，不能作为发布依据"
    if valid_until > certificate_latest_valid_until():
        return "审查证明有效期为一年，截止日不能晚于一年零一天之后，请核对证明上的日期"
    return ""


CERTIFICATE_YEAR = re.compile(r"医广\s*[【\[(（]\s*(\d{4})")


def certificate_year_error(certificate: str, valid_until: datetime.date | None) -> str:
    """Why the year printed in the number cannot go with the validity ("" when it can): a
    certificate numbered 【Y】 was issued in year Y, so it runs no later than year Y + 1 and
    is not numbered after this year (review of issue 17: 【2019】 valid until 2027 passed)."""
    found = CERTIFICATE_YEAR.search(certificate or "")
    if not found:
        return ""
    year = int(found.group(1))
    if year > today().year:
        return f"审查证明文号中的年份 {year} 晚于今年，请核对文号"
    if valid_until is not None and valid_until.year > year + 1:
        return f"{year} 年的审查证明有效期不会到 {valid_until.year} 年，请核对文号与有效期"
    return ""


def page_ad_review_record(*, page, user, certificate: str, valid_until: datetime.date | None):
    """A reviewer records the certificate and the validity printed on it (required) for the
    page's (or a service package's: any saved object with the `ad_review_*` fields and
    revisions) current content; saves a revision (returned) that can then be published.
    Raises PermissionDenied (not a reviewer, or the text is hers: `SELF_REVIEW`),
    ValidationError (number format; validity
    missing, past or over a year and a day ahead; the number already another ad's; the
    page is no medical ad: `page_false_match_record`)."""
    if not is_reviewer(user):
        raise PermissionDenied("只有“医疗广告审查”组成员可以记录医疗广告审查证明")
    if not is_medical_ad(page):
        raise ValidationError(NOT_AN_AD_NO_CERTIFICATE)
    if not certificate_is_valid(certificate):
        raise ValidationError("医疗广告审查证明文号格式不正确，如：（京）医广【2026】第01-23-001号")
    if error := valid_until_error(valid_until) or certificate_year_error(certificate, valid_until):
        raise ValidationError(error)
    if reviewer_wrote_it(page, user):
        raise PermissionDenied(SELF_REVIEW)
    certificate_claim(obj=page, certificate=certificate)
    certificate_apply(
        page=page,
        user=user,
        certificate=certificate,
        report=check_page(page),
        valid_until=valid_until,
    )
    return page.save_revision(user=user, log_action=True)


def compliance_result_data(*, report: ComplianceReport, state: str, decision: str) -> dict:
    return {
        "checked_at": timezone.now().isoformat(),
        "state": state,
        "rules_version": report.rules_version,
        "decision": decision,
        "blocking": len(report.blocking),
        "warnings": len(report.findings) - len(report.blocking),
        "findings": report.as_dicts(),
    }


def page_compliance_store(*, page, report: ComplianceReport, state: str) -> dict:
    """Writes the last result on the page row only (not a new revision)."""
    decision = publish_decision(page=page, report=report).reason
    data = compliance_result_data(report=report, state=state, decision=decision)
    if any(field.name == "compliance_result" for field in type(page)._meta.concrete_fields):
        # pages keep it; a service package (gated too, scheduled through the same sweep)
        # has no such column: its editor shows the gate's reason instead
        type(page).objects.filter(pk=page.pk).update(compliance_result=data)
    page.compliance_result = data
    return data


# The page history's entry for a scheduled publication the gate refused at go-live
# (registered in cms.compliance.wagtail_hooks, shown in 历史 and the site history report).
SCHEDULE_REFUSED_ACTION = "cms.schedule_refused"
SCHEDULE_REFUSED_SUBJECT = "定时发布未执行：{title}"
SCHEDULE_REFUSED_BODY = (
    "「{title}」定于 {go_live} 发布的版本未能发布，已取消定时：{message}\n"
    "草稿仍在，处理后请重新提交：{url}"
)


def _schedule_refusal_tell(*, page, revision, decision: GateDecision) -> None:
    """Write the refusal into the page's history and mail it to whoever scheduled the
    version and the page's owner (when they have an address): a dropped publication that
    only a log line records is one the editor learns of from a patient (twentieth session).
    A mail that cannot be sent is logged; the history entry stays."""
    import logging

    from django.conf import settings
    from django.core.mail import send_mail
    from wagtail.admin.admin_url_finder import AdminURLFinder
    from wagtail.log_actions import log

    go_live = revision.approved_go_live_at
    log(
        instance=page,
        action=SCHEDULE_REFUSED_ACTION,
        revision=revision,
        data={
            "reason": decision.reason,
            "message": decision.message,
            "go_live_at": go_live.isoformat() if go_live else "",
        },
    )
    people = {revision.user, getattr(page, "owner", None)}
    addresses = sorted({p.email for p in people if p is not None and p.is_active and p.email})
    if not addresses:
        return
    # a page or a service package (a snippet): Wagtail knows either's editor
    edit = AdminURLFinder().get_edit_url(page) or ""
    title = getattr(page, "title", "") or str(page)
    when = timezone.localtime(go_live).strftime("%Y-%m-%d %H:%M") if go_live else ""
    body = SCHEDULE_REFUSED_BODY.format(
        title=title,
        go_live=when,
        message=decision.message,
        url=f"{getattr(settings, 'WAGTAILADMIN_BASE_URL', '').rstrip('/')}{edit}",
    )
    try:
        send_mail(SCHEDULE_REFUSED_SUBJECT.format(title=title), body, None, addresses)
    except Exception:  # the history entry above is the record; the mail is a courtesy
        logging.getLogger("yinliu.cms.compliance").exception(
            "could not mail the refused schedule of %s", title
        )


def scheduled_refusals_unschedule() -> list[str]:
    """Due scheduled revisions of gated pages that the gate refuses now: each is taken off the
    schedule (`approved_go_live_at` cleared; the draft stays), its result stored on the page
    for the editor, written into the page's history (SCHEDULE_REFUSED_ACTION), mailed to
    whoever scheduled it and the owner, and logged. Returns one line per revision
    ("页面标题: reason message")."""
    import logging

    from wagtail.models import Revision

    from cms.compliance.page import check_revision

    logger = logging.getLogger("yinliu.cms.compliance")
    lines = []
    due = Revision.objects.filter(approved_go_live_at__lt=timezone.now()).order_by("pk")
    for revision in due:
        page = revision.as_object()
        if not hasattr(page, "ad_review_certificate"):
            continue  # not a gated page type
        current_review_record(page)  # a withdrawal after the scheduling counts
        report = check_revision(revision)
        decision = publish_decision(page=page, report=report)
        if decision.allowed:
            continue
        Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=None)
        page_compliance_store(page=page, report=report, state="draft")
        _schedule_refusal_tell(page=page, revision=revision, decision=decision)
        line = f"{getattr(page, 'title', '') or page}: {decision.reason} {decision.message}"
        logger.warning("scheduled publication refused and unscheduled: %s", line)
        lines.append(line)
    return lines


def published_page_recheck(*, page, revision=None) -> bool:
    """On `page_published`: a page that went live other than through `BasePage.publish`
    (Wagtail's copy with 发布副本 publishes the copy directly, certificate dropped) is judged
    now, and unpublished again when the gate refuses it (review of issue 17: a copied landing
    page went live with no certificate). Publications through the gate pass again (the
    revision's check is cached). Returns True when the page was taken down."""
    import logging

    from cms.compliance.page import check_revision

    specific = page.specific
    if not hasattr(specific, "ad_review_certificate"):
        return False
    candidate = revision.as_object() if revision is not None else specific
    if revision is not None:
        current_review_record(candidate)
    report = check_revision(revision) if revision is not None else check_page(specific)
    decision = publish_decision(page=candidate, report=report)
    if decision.allowed:
        return False
    specific.unpublish(log_action="wagtail.unpublish")
    page_compliance_store(page=candidate, report=report, state="draft")
    logging.getLogger("yinliu.cms.compliance").warning(
        "page %s went live without the gate and was unpublished: %s", page.pk, decision.message
    )
    return True


def review_record_onto(revision) -> None:
    """Writes the current review record (its object's latest revision's, as
    `current_review_record` reads it for the gate) over `revision`'s before `revision` goes
    live, so the live row shows the certificate and validity the gate judged: a scheduled
    version approved before the reviewer recorded a new number went live showing the old
    number, valid two days longer, and the serving refusal and the daily sweep read that
    row's date (nineteenth verification B-F1). Nothing when `revision` is the latest."""
    from wagtail.models import Revision

    obj = revision.as_object()
    model = type(obj)
    latest_id = (
        model._default_manager.filter(pk=obj.pk).values_list("latest_revision_id", flat=True)
    ).first()
    if latest_id is None or latest_id == revision.pk:
        return
    latest = Revision.objects.filter(pk=latest_id).first()
    if latest is not None:
        keep_review_record(revision=revision, record_from=latest)


def keep_review_record(*, revision, record_from) -> None:
    """Writes `record_from`'s medical-ad review record (`BasePage.REVIEW_RECORD_FIELDS`:
    certificate, validity, recorder, approved digest, last result) over `revision`'s, and
    saves it: a revert takes an old revision's content, not the record it carried then."""
    from cms.models.base import BasePage

    content = dict(revision.content)
    for name in BasePage.REVIEW_RECORD_FIELDS:
        for key in (name, f"{name}_id"):
            if key in record_from.content:
                content[key] = record_from.content[key]
            else:
                content.pop(key, None)
    revision.content = content
    revision.save(update_fields=["content"])


def current_review_record(obj) -> None:
    """Sets on `obj` (a page or package loaded from one of its revisions, not yet saved) the
    review record of its latest revision (`BasePage.REVIEW_RECORD_FIELDS`): the admin's 恢复
    (revert) loads an old revision with the record it carried then, and saving it would bring
    back a certificate, validity or ruling the reviewer has since replaced or cleared
    (seventeenth verification F3-1: an old number, valid nine months longer, went live
    again). The content is the old revision's; the record is always the current one (as
    `keep_review_record` for the admin API's revert). Nothing for a new object."""
    from django.core.exceptions import FieldDoesNotExist
    from wagtail.models import Revision

    from cms.models.base import BasePage

    if obj.pk is None:
        return
    model = type(obj)
    latest = (
        model._default_manager.filter(pk=obj.pk).values_list("latest_revision_id", flat=True)
    ).first()
    revision = Revision.objects.filter(pk=latest).first() if latest else None
    if revision is None:
        return
    current = revision.as_object()
    for name in getattr(model, "REVIEW_RECORD_FIELDS", BasePage.REVIEW_RECORD_FIELDS):
        try:
            attname = model._meta.get_field(name).attname
        except FieldDoesNotExist:
            continue
        setattr(obj, attname, getattr(current, attname, None))


def certificate_revoked_take_down(page, *, user) -> bool:
    """Unpublishes the live medical ad `page` (the revision just saved) when its certificate
    has been cleared in that revision while the live version still shows one: the reviewer
    emptied the number and confirmed (文号留空并确认), i.e. withdrew the certificate, and an ad
    without one is an unreviewed medical ad (《医疗广告管理办法》第三条、第八条). Before, the
    live ad kept serving the withdrawn number until its printed date, and the reviewer has
    no right to unpublish (seventeenth verification F3-6). Only a reviewer can clear the
    number (the field is disabled for everyone else). Returns True when it was taken down."""
    if page.pk is None or not is_medical_ad(page) or (page.ad_review_certificate or "").strip():
        return False
    from wagtail.actions.unpublish import UnpublishAction
    from wagtail.actions.unpublish_page import UnpublishPageAction
    from wagtail.models import Page

    live = type(page).objects.filter(pk=page.pk, live=True).exclude(ad_review_certificate="")
    shown = live.first()
    if shown is None:
        return False
    # The reviewer withdraws the certificate; the take-down follows from it, not from a
    # publishing right she does not hold (the demo reviewer has none on pages: seventeenth
    # re-verification C-0, 「没有权限访问」 and the ad stayed live). Logged under her name.
    action = UnpublishPageAction if isinstance(shown, Page) else UnpublishAction
    action(shown, user=user, log_action="wagtail.unpublish").execute(skip_permission_checks=True)
    return True


def certificate_withdrawn_unschedule(obj, *, user) -> int:
    """Takes the scheduled versions of the medical ad `obj` (a page or a service package, the
    version just saved) off the schedule when the reviewer has withdrawn its certificate in
    that version (文号留空并确认): scheduled before, each would go live on the withdrawn
    number (eighteenth verification F3; the take-down of a live ad is
    `certificate_revoked_take_down`). Logged as Wagtail's 取消定时发布 under her name. Only
    the reviewer's save counts: the number is disabled for everyone else, and an editor's
    draft of an ad never certified leaves the schedule to the gate. Returns how many."""
    if obj.pk is None or not is_medical_ad(obj) or (obj.ad_review_certificate or "").strip():
        return 0
    if not is_reviewer(user):
        return 0
    from wagtail.models import Revision

    scheduled = Revision.objects.for_instance(obj).filter(approved_go_live_at__isnull=False)
    count = 0
    for revision in scheduled:
        revision.approved_go_live_at = None
        revision.save(user=user, update_fields=["approved_go_live_at"])
        count += 1
    return count


CERTIFICATE_UNSCHEDULED = "医疗广告审查证明已撤销（文号已清空）：已取消该广告的定时发布"


CERTIFICATE_REVOKED = (
    "医疗广告审查证明已撤销（文号已清空）：该广告已下线，重新记录审查证明后方可再次发布"
)


# --- moves --------------------------------------------------------------------------------

MOVE_OF_AN_AD = (
    "落地页和转化文章属于医疗广告，不能移到其他页面下：它的咨询入口、服务包和病种随所在专科而定，"
    "移动后展示的内容与审查证明不符（请在目标位置新建页面，并由审查人员记录其审查证明）"
)


def move_refused(page, *, parent_after) -> str:
    """Why `page` may not be moved under `parent_after` ("" when it may): it is a medical ad
    and the parent changes. A 转化 article takes its consultation link, package cards and
    condition from its hub's specialty (`cms.selectors.article_context`), so under another
    hub the certified ad sells another specialty (fifteenth verification H2); a move is no
    publication, so the gate never saw it. A reorder under the same parent is no move."""
    parent_before = page.get_parent()
    if parent_after is not None and parent_before is not None:
        if parent_before.pk == parent_after.pk:
            return ""
    return MOVE_OF_AN_AD if is_medical_ad(page.specific) else ""


def hub_change_refused(page) -> str:
    """Why `page` (the revision about to go live) may not be published ("" when it may): a
    specialty hub whose 专科 differs from the one it has now, while medical ads sit under it
    (`cms.selectors.ads_under_hub`: live 转化 articles, certified drafts). Each takes its
    consultation link, package cards and condition from the hub's specialty, so the change
    would make the certified hair-loss ad sell insomnia (found by verification); the hub is
    a 科普 page with no certificate of its own, so nothing else stopped it."""
    from cms.models import SpecialtyPage
    from cms.selectors import ads_under_hub

    if not isinstance(page, SpecialtyPage) or page.pk is None:
        return ""
    rows = SpecialtyPage.objects.filter(pk=page.pk).values_list("specialty_id", flat=True)
    before = rows.first()
    if before is None or before == page.specialty_id:
        return ""
    ads = ads_under_hub(hub=page)
    if not ads:
        return ""
    return HUB_CHANGE_UNDER_ADS.format(ads=quoted_titles(ads))


def quoted_titles(titles) -> str:
    """「“甲”、“乙”」: the pages a refusal names, as the messages quote them."""
    return "、".join(f"“{title}”" for title in titles)


HUB_CHANGE_UNDER_ADS = (
    "本专科主页下有医疗广告（转化文章 {ads}），它们的咨询入口、服务包和病种随本页的专科而定："
    "更换专科后展示的内容与审查证明不符，不能发布。请保留原专科；如确需更换，请先下线这些广告，"
    "并由审查人员清除其审查证明文号（文号留空并确认），更换专科后再重新审查"
)


def doctor_change_refused(page) -> str:
    """Why `page` (the revision about to go live) may not be published ("" when it may): a
    doctor page whose name, 职称 or licence number changes while live pages state the ones it
    has now in their text (`doctors.pages_misstating`): published, they would state
    credentials the register no longer holds (《医疗广告管理办法》第六条), an ad among them
    on a certificate for that text; or whose name, 职称, hospital or licence number changes
    while live medical ads choose her (`doctors.ads_showing_changed`: a landing page's 医生
    block, a doctor card, a 转化 article's 审核医生 render her page, so the certified ad would
    change without the reviewer)."""
    from cms.compliance.doctors import ads_showing_changed, pages_misstating

    if titles := pages_misstating(page):
        return DOCTOR_CHANGE_UNDER_PAGES.format(pages=quoted_titles(titles))
    if titles := ads_showing_changed(page):
        return DOCTOR_CHANGE_UNDER_ADS.format(pages=quoted_titles(titles))
    return ""


def doctor_licence_taken(page) -> str:
    """Why the doctor page `page` (the revision about to go live) may not be published ("" when
    it may): its 医师执业证书编码 is on another live doctor's page. One doctor, one set of
    credentials: a copied page kept the number and went live under another name (eighteenth
    verification A-F7), and an ad's 「王建国（执业证号…）」 then matched the register. A
    draft holding the number (a copy not yet edited) does not hold up the live doctor's own
    page; aliases show their original and are left out. Judged at publication, not when a
    draft is saved: Wagtail's copy saves the copy with the number before anyone edits it."""
    from cms.models import DoctorPage

    if not isinstance(page, DoctorPage) or page.alias_of_id:
        return ""
    number = (page.licence_number or "").strip()
    if not number:
        return ""
    holder = (
        DoctorPage.objects.filter(licence_number=number, live=True, alias_of__isnull=True)
        .exclude(pk=page.pk)
        .order_by("pk")
        .first()
    )
    return LICENCE_TAKEN.format(name=holder.title) if holder is not None else ""


LICENCE_TAKEN = (
    "该医师执业证书编码已登记在医生「{name}」的页面（一位医生一个执业证书编码），请核对后再发布"
)


def doctor_removal_refused(pages, *, with_descendants: bool) -> str:
    """Why the pages `pages` may not be taken down or deleted ("" when they may): a live doctor
    page among them (or among their descendants, `with_descendants`: unpublishing 「医生团队」
    with its subpages, deleting it) is named with her 职称 or licence number by live pages,
    which would then introduce a doctor who has no page (issue 17 point 6; 《医疗广告管理办法》
    第六条). The landing pages' doctor blocks hide a doctor whose page is not live; text
    cannot follow her."""
    from cms.compliance.doctors import pages_choosing, pages_naming_removed
    from cms.models import DoctorPage

    pks: set[int] = set()
    for page in pages:
        doctors = DoctorPage.objects.live()
        if with_descendants:
            pks.update(doctors.descendant_of(page, inclusive=True).values_list("pk", flat=True))
        elif isinstance(page.specific_deferred, DoctorPage) and page.live:
            pks.add(page.pk)
    if not pks:
        return ""
    if titles := pages_naming_removed(frozenset(pks)):
        return DOCTOR_REMOVED_UNDER_PAGES.format(pages=quoted_titles(titles))
    if titles := pages_choosing(frozenset(pks)):
        return DOCTOR_CHOSEN_BY_PAGES.format(pages=quoted_titles(titles), action="下线或删除")
    return ""


def doctor_expiry_refused(page) -> str:
    """Why the doctor page `page` (the revision about to go live) may not be published with a
    scheduled take-down (定时下线, `expire_at`) ("" when it may): live pages introduce her by
    职称 or licence number, and Wagtail's scheduled unpublishing runs no hook, so they would
    present a doctor with no page when it comes (nineteenth re-verification E-F5; the same
    rule as unpublishing her, `doctor_removal_refused`)."""
    from cms.compliance.doctors import pages_choosing, pages_naming_removed
    from cms.models import DoctorPage

    if not isinstance(page, DoctorPage) or page.pk is None or not page.expire_at:
        return ""
    if titles := pages_naming_removed(frozenset({page.pk})):
        return DOCTOR_EXPIRY_UNDER_PAGES.format(pages=quoted_titles(titles))
    if titles := pages_choosing(frozenset({page.pk})):
        return DOCTOR_CHOSEN_BY_PAGES.format(pages=quoted_titles(titles), action="设置定时下线")
    return ""


DOCTOR_EXPIRY_UNDER_PAGES = (
    "以下已发布页面的正文以职称或执业证号介绍本医生：{pages}。医生页面定时下线后，这些页面介绍的"
    "将是没有医生页面的医生，因此不能设置定时下线。请先修改或下线这些页面，再设置定时下线"
)


DOCTOR_CHOSEN_BY_PAGES = (
    "以下已发布页面选用了本医生（审核医生、医生卡片或落地页的医生模块）：{pages}。医生页面下线后，"
    "这些页面将失去审核医生或医生信息，与审核时不同，因此不能{action}。请先在这些页面改选其他医生"
    "（落地页和转化文章须由审查人员重新记录审查证明），或下线这些页面"
)
DOCTOR_REMOVED_UNDER_PAGES = (
    "以下已发布页面的正文以职称或执业证号介绍本医生：{pages}。医生页面下线或删除后，这些页面"
    "介绍的将是没有医生页面的医生，因此不能下线或删除。请先修改或下线这些页面（落地页和转化文章"
    "须由审查人员重新记录审查证明），再下线或删除医生页面"
)


DOCTOR_CHANGE_UNDER_ADS = (
    "以下医疗广告选用了本医生，展示其姓名、职称、医院和执业证号（落地页的医生模块、医生卡片或审核"
    "医生）：{pages}。其医疗广告审查证明是按医生页面现在的内容审查的，修改后广告内容将与审查证明"
    "不符，不能发布。请先在这些广告中改选其他医生或下线这些广告，发布医生页面的修改后，再由审查"
    "人员重新审查"
)
DOCTOR_CHANGE_UNDER_PAGES = (
    "以下已发布页面的正文按本医生现在的姓名、职称或执业证号介绍该医生：{pages}。"
    "修改后这些页面介绍的资质将与医生页面不一致，不能发布。请先修改这些页面（落地页和转化文章"
    "须由审查人员重新记录审查证明），再发布医生页面的修改"
)


class MoveRefused(ValidationError):
    """Raised by the `pre_page_move` receiver (`cms.signals`) for a move `move_refused`
    refuses: the last guard for every path (the admin API answers it 400 with
    `{"compliance": [why]}`; the move and bulk-move views are stopped earlier by hooks with a
    message)."""

    def __init__(self, why: str):
        super().__init__({"compliance": [why]})


# --- aliases ------------------------------------------------------------------------------

ALIAS_OF_AN_AD = (
    "落地页和转化文章属于医疗广告，不能创建别名：别名是同一广告在另一地址的第二个副本，"
    "一份医疗广告审查证明只批准一个广告（请新建页面并由审查人员记录其审查证明）"
)


ALIASED_AD = (
    "该页面有别名（同一内容在其他地址的副本，随原页面一同发布）：医疗广告不能有别名，"
    "请先删除别名再发布"
)


def _has_aliases(page) -> bool:
    """Live-following copies of `page` exist (Wagtail aliases, `alias_of`): publishing it as
    an ad would publish them too, each a second ad under one certificate (round 13
    verification, thirteenth F1: a 科普 article aliased, then turned 转化 and certified)."""
    from wagtail.models import Page

    if not isinstance(page, Page) or page.pk is None:
        return False  # a service package has no aliases
    return Page.objects.filter(alias_of_id=page.pk).exists()


def alias_refused(page, *, recursive: bool) -> str:
    """Why an alias of `page` (and, `recursive`, of its subtree) may not be created ("" when
    it may): a medical ad among them. An alias is a second live copy at another address
    that follows its original without passing the gate, under the original's certificate
    (round 13 verification F3: a 转化 article aliased under another hub)."""
    from wagtail.models import Page

    pages = Page.objects.descendant_of(page, inclusive=True) if recursive else None
    candidates = pages.specific() if pages is not None else [page.specific]
    return ALIAS_OF_AN_AD if any(is_medical_ad(p) for p in candidates) else ""
