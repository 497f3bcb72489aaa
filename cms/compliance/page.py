"""check_page: the text rules over every public text of a page, plus the structural
《广告法》第十九条 check on 科普 pages (a service-package entry or a landing-page link turns
health science into a disguised ad), in the fields and in the page as served."""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterator

from celery.signals import task_prerun
from django.core.signals import request_started
from django.db import models
from wagtail.fields import StreamField
from wagtail.models import Page

from cms import errors
from cms.compliance import classifier
from cms.compliance.checker import ComplianceReport, Finding, check_report
from cms.compliance.doctors import doctor_credential_findings, shown_doctor_credentials
from cms.compliance.extract import block_texts, page_texts
from cms.compliance.ours import own_names
from cms.compliance.qr import MISSING_FILE, document_codes
from cms.compliance.rendered import (
    LINK_WHAT,
    disguised_ad_finding,
    linked_file_scan,
    rendered_report,
)
from cms.compliance.rules import load_rules
from cms.html_text import Link, html_links
from cms.links import link_reading_scope, prime_links, read_link
from config.errors import ApplicationError

SCIENCE = "science"
# The most distinct links a 科普 page's fields may hold (`check_link_budget`). A long clinic
# article cites a few dozen sources and related pages; 300 leaves room for a reading list
# or a glossary, and reading them all (twice: fields and served page) stays within seconds.
MAX_PAGE_LINKS = 300
LINKS_FIELD = "links"  # the field a finding on the page's links as a whole names
# links to lead capture, medical-ad pages, shops and short links, read as
# `cms.links.link_kind` reads them (the rendered check too) and named as it names them;
# contact links are left to the rendered check (one finding for the element)
_LEAD_CAPTURE = {
    **{kind: what for kind, what in LINK_WHAT.items() if kind != "contact"},
    "landing": "落地页链接",
    "package": "服务包链接",
}


def page_scopes(page) -> frozenset[str]:
    """Health-science pages get the 第十九条 rules (and the structural and rendered checks):
    every page whose `is_health_science()` says so (articles of every layer but 转化, videos,
    hubs, the home page, doctor pages, patient stories); an object without that method
    (not a `BasePage`) qualifies by a `layer` of science."""
    is_health_science = getattr(page, "is_health_science", None)
    if callable(is_health_science):
        science = bool(is_health_science())
    else:
        science = getattr(page, "layer", "") == SCIENCE
    return frozenset({SCIENCE}) if science else frozenset()


def _structural_finding(*, field: str, text: str, what: str) -> Finding:
    message = f"科普内容不得放置{what}（变相发布医疗广告）"
    return disguised_ad_finding(field=field, line=1, text=text, message=message)


def _ad_page_kinds(ids: set[int]) -> dict[int, str]:
    """Page id → "landing" / "ad_page" for the pages among `ids` that are medical ads
    (`is_medical_ad()`: landing pages, 转化 articles), whether live or not."""
    if not ids:
        return {}
    kinds = {}
    for page in Page.objects.filter(id__in=ids).specific():
        is_medical_ad = getattr(page, "is_medical_ad", None)
        if callable(is_medical_ad) and is_medical_ad():
            kinds[page.pk] = "landing" if page._meta.app_label == "landing" else "ad_page"
    return kinds


def _document_urls(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    from wagtail.documents import get_document_model

    return {doc.pk: doc.url for doc in get_document_model().objects.filter(id__in=ids)}


def _stream_blocks(page) -> list[tuple[str, object, list[Link]]]:
    """(block path, StreamField child, the links in its markup) for every top-level block of
    the page's StreamFields, in order."""
    blocks = []
    for field in page._meta.concrete_fields:
        if not isinstance(field, StreamField):
            continue
        for child_index, child in enumerate(getattr(page, field.attname) or []):
            raw = child.value.source if hasattr(child.value, "source") else str(child.value)
            path = f"{field.name}[{child_index}].{child.block_type}"
            blocks.append((path, child, html_links(raw)))
    return blocks


def _link_targets(blocks: list[tuple[str, object, list[Link]]]) -> set[str]:
    """The distinct places the blocks' links lead: each href as written, or the page or
    document a stored rich-text link names (`page:12`, `document:3`)."""
    targets = set()
    for _path, _child, links in blocks:
        for link in links:
            linktype, target = link.attrs.get("linktype"), link.attrs.get("id", "")
            targets.add(link.href or f"{linktype}:{target}")
    return targets


def check_link_budget(page, blocks: list[tuple[str, object, list[Link]]] | None = None) -> None:
    """Refuse a page whose check would read more than `MAX_PAGE_LINKS` distinct links.

    Only a 科普 page's links are read (routes, redirects, linked files: `cms.links`); a page
    with thousands of them took minutes to save or open in the editor (issue 17).
    Raises `ApplicationError(cms.errors.TOO_MANY_LINKS, message, status=400)`, the message
    for the editor (Chinese) naming the count and the bound; returns None otherwise."""
    if SCIENCE not in page_scopes(page):
        return
    count = len(_link_targets(blocks if blocks is not None else _stream_blocks(page)))
    if count > MAX_PAGE_LINKS:
        raise ApplicationError(
            errors.TOO_MANY_LINKS,
            f"本页正文共有 {count} 个不同的链接，科普页面最多 {MAX_PAGE_LINKS} 个"
            "（每个链接都要逐一核查去向）；请删减链接或把内容拆成几篇后再保存",
            extra={"links": count, "limit": MAX_PAGE_LINKS},
        )


# (issue 17, round 33) The text a page's check reads in a request: the checker reads every
# sentence with every rule and the second reader (about 10 ms a line on this project's
# machines), and a tester saved 10,000 short lines (102 s) and a 200,000-character paragraph
# (64 s), past any worker's timeout. The longest seeded article holds about 1,500 characters; a
# long 科普 article about 10,000. A page over either bound is refused at save like one with too
# many links, and its check blocks publication unread (fail closed).
MAX_PAGE_CHARS = 30_000
MAX_PAGE_LINES = 1_000
TEXT_FIELD = "text"  # the field a finding on the page's text as a whole names
# a page left unread is published on no one's reading: no certificate or ruling clears it
# (`cms.compliance.gate.publish_decision`)
TEXT_UNREAD_RULE = "text-unread"
TEXT_UNREAD_REFERENCE = "《广告法》第四十六条；《医疗广告管理办法》第七条（未经检查的内容不发布）"


def check_text_budget(page, texts: list[tuple[str, str]] | None = None) -> None:
    """Refuse a page whose fields and blocks (`page_texts`) hold more than `MAX_PAGE_CHARS`
    characters or `MAX_PAGE_LINES` non-blank lines.

    Raises `ApplicationError(cms.errors.TOO_MUCH_TEXT, message, status=400)`, the message for
    the editor (Chinese) naming the counts and the bounds; returns None otherwise."""
    texts = list(page_texts(page)) if texts is None else texts
    chars = sum(len(text) for _field, text in texts)
    lines = sum(1 for _field, text in texts for line in text.splitlines() if line.strip())
    if chars > MAX_PAGE_CHARS or lines > MAX_PAGE_LINES:
        raise ApplicationError(
            errors.TOO_MUCH_TEXT,
            f"本页文字共 {chars} 字、{lines} 段，一页最多 {MAX_PAGE_CHARS} 字、{MAX_PAGE_LINES} 段"
            "（每一句都要做合规检查）；请把内容拆成几篇后再保存",
            extra={"chars": chars, "lines": lines},
        )


def _disguised_ad_findings(
    page, blocks: list[tuple[str, object, list[Link]]]
) -> Iterator[tuple[Finding, str]]:
    from funnel.models import ServicePackage

    linked: list[tuple[str, str, int]] = []
    documents: list[tuple[str, str, int]] = []
    # every path the links name routed together: a few queries, not several per link
    prime_links(link.href for _path, _child, links in blocks for link in links)
    for path, child, links in blocks:
        texts = list(block_texts(child.block, child.value, path))
        if _contains_package(child.value, ServicePackage):
            label = " ".join(t for _, t, _ in texts if t) or child.block_type
            yield _structural_finding(field=path, text=label, what="服务包入口"), label
        for link in links:
            shown = _link_shown(link)
            # a redirect of this site is followed to its end: /va3 → /documents/2/qr.pdf
            # is the document (verification round V3)
            kind, end = read_link(link.href) if link.href else ("", "")
            linktype, target = link.attrs.get("linktype"), link.attrs.get("id", "")
            if kind in _LEAD_CAPTURE:
                yield (
                    _structural_finding(field=path, text=shown, what=_LEAD_CAPTURE[kind]),
                    shown,
                )
            elif linktype == "page" and target.isdigit():
                linked.append((path, shown, int(target)))
            elif linktype == "document" and target.isdigit():
                documents.append((path, shown, int(target)))
            elif link.href and linked_file_scan(link.href, end).codes:
                # every URL a browser fetches for it: `/\host/documents/…` (verification 2, N1)
                yield _structural_finding(field=path, text=shown, what="含二维码的文档"), shown
    ad_kinds = _ad_page_kinds({page_id for _, _, page_id in linked})
    for path, link, page_id in linked:
        if page_id in ad_kinds:
            what = _LEAD_CAPTURE[ad_kinds[page_id]]
            yield _structural_finding(field=path, text=link, what=what), link
    urls = _document_urls({doc_id for _, _, doc_id in documents})
    for path, link, doc_id in documents:
        if doc_id not in urls:
            # a document not uploaded yet renders as no link; once one is uploaded with
            # that id it is live on the page unchecked (fourth verification, F1)
            message = f"科普页面链接或展示的文件无法检查：{MISSING_FILE}"
            yield disguised_ad_finding(field=path, line=1, text=link, message=message), link
        elif document_codes(urls[doc_id]):
            yield _structural_finding(field=path, text=link, what="含二维码的文档"), link


TESTIMONIAL_RULE = "ad16-testimonial"


def _is_patient_review(block) -> bool:
    """A block that quotes a named patient (a quote and its author): a testimonial whatever
    its wording, consent or not (《医疗广告管理办法》第七条第（六）项)."""
    return {"quote", "author"} <= set(getattr(block, "child_blocks", {}))


def _testimonial_findings(page) -> Iterator[tuple[Finding, str]]:
    rule = next(r for r in load_rules().rules if r.id == TESTIMONIAL_RULE)
    for field in page._meta.concrete_fields:
        if not isinstance(field, StreamField):
            continue
        for child_index, child in enumerate(getattr(page, field.attname) or []):
            if not _is_patient_review(child.block):
                continue
            shown = f"{child.value.get('author') or ''}：{child.value.get('quote') or ''}"
            finding = Finding(
                rule=rule.id,
                severity=rule.severity,
                reference=rule.reference,
                message="不得利用患者的名义或形象作证明（患者评价、现身说法，取得同意亦不可）",
                field=f"{field.name}[{child_index}].{child.block_type}",
                line=1,
                start=0,
                end=len(shown),
                text=shown,
            )
            yield finding, shown


def _link_shown(link: Link) -> str:
    """How a finding names a link to the editor: its words and where it goes, in the admin's
    terms (「下载手册」（文档 #3）), never the stored markup (sixth verification: a refusal
    quoted 「<a id="3" linktype="document">」)."""
    linktype, target = link.attrs.get("linktype"), link.attrs.get("id", "")
    if link.href:
        where = link.href
    elif linktype == "document":
        where = f"文档 #{target}"
    elif linktype == "page":
        where = f"页面 #{target}"
    else:
        where = linktype or "链接"
    words = " ".join(link.text.split()) or "（无文字）"
    return f"链接「{words}」（{where}）"


def _contains_package(value, package_model) -> bool:
    if isinstance(value, package_model):
        return True
    if hasattr(value, "values") and callable(value.values):  # StructValue
        return any(_contains_package(v, package_model) for v in value.values())
    if isinstance(value, list | tuple) or value.__class__.__name__ == "ListValue":
        return any(_contains_package(v, package_model) for v in value)
    return False


def check_page(page, *, rendered: bool = True) -> ComplianceReport:
    """All findings for a page (live or in-memory: an edit form's unsaved instance works).
    On a 科普 page, `rendered` adds the page-level check of the served HTML
    (cms.compliance.rendered): conversion elements the template shows. A 科普 page with more
    than `MAX_PAGE_LINKS` distinct links gets one blocking finding (field `LINKS_FIELD`)
    instead of the link and rendered checks (`check_link_budget`). Never raises for that."""
    if type(page) is Page:
        page = page.specific
    # each distinct link is read once for the whole check, fields and served page alike
    # (`cms.links.link_reading_scope`): the database as it is now, nothing kept after
    with link_reading_scope():
        return _check_page(page, rendered=rendered)


def _check_page(page, *, rendered: bool) -> ComplianceReport:
    scopes = page_scopes(page)
    # both readers read every field (check_report's default): the version names both
    report = ComplianceReport(rules_version=f"{load_rules().version}+{classifier.MODEL_VERSION}")
    texts = list(page_texts(page))
    try:
        check_text_budget(page, texts)
    except ApplicationError as exc:
        # more text than a request reads: none is read, and the page is not published
        # unread (fail closed); the edit form refuses the save with the same message
        text = f"{exc.extra['chars']} 字、{exc.extra['lines']} 段"
        finding = Finding(
            rule=TEXT_UNREAD_RULE,
            severity="block",
            reference=TEXT_UNREAD_REFERENCE,
            message=f"页面文字未能检查：{exc.message}",
            field=TEXT_FIELD,
            line=1,
            start=0,
            end=len(text),
            text=text,
        )
        report.findings.append(finding)
        report.lines[(finding.field, finding.line)] = text
        return report
    ours = own_names()
    for field, text in texts:
        report.extend(check_report(text, field=field, scopes=scopes, ours=ours))
    _add_joined_prose_findings(report, texts, ours)
    for finding, line in _testimonial_findings(page):
        report.findings.append(finding)
        report.lines[(finding.field, finding.line)] = line
    # a doctor's 职称 and licence in the text are the doctor page's (issue 17 point 6)
    for finding, line in doctor_credential_findings(page):
        report.findings.append(finding)
        report.lines[(finding.field, finding.line)] = line
    if SCIENCE in scopes:
        blocks = _stream_blocks(page)
        try:
            check_link_budget(page, blocks)
        except ApplicationError as exc:
            # too many links to read in a request: none is read, and the page is not
            # published unread (fail closed); the edit form refuses the save with the same
            # message (`cms.compliance.forms`)
            text = f"{exc.extra['links']} 个链接"
            message = f"科普页面的链接未能检查：{exc.message}"
            finding = disguised_ad_finding(field=LINKS_FIELD, line=1, text=text, message=message)
            report.findings.append(finding)
            report.lines[(finding.field, finding.line)] = text
            return report
        for finding, line in _disguised_ad_findings(page, blocks):
            report.findings.append(finding)
            report.lines[(finding.field, finding.line)] = line
        if rendered:
            report.extend(rendered_report(page, known=report))
    return report


# The body's prose blocks in order (paragraphs, callouts, FAQ titles, questions and answers): a
# claim made whole across two of them under the clinic's names (「一项在引流健康完成的」 over
# 「研究显示，有效率达95%。」) is read here with the names as ours; the served page's check
# reads the template's text too, without them (its header brand would run on into the first
# paragraph). Issue 17, round 37.
_PROSE_FIELD = re.compile(
    r"body\[\d+\]\.(?:paragraph|callout\.text|faq\.(?:title|items\[\d+\]\.(?:question|answer)))"
)
JOINED_FIELD = "body"


def _add_joined_prose_findings(report: ComplianceReport, texts, ours) -> None:
    """Blocking findings of the rules of claims (no 第十九条 ones: the fields had those) on
    the body's prose blocks read on into each other, that no field check made."""
    prose = [text for field, text in texts if _PROSE_FIELD.fullmatch(field) and text.strip()]
    if len(prose) < 2:
        return
    joined = check_report("\n".join(prose), field=JOINED_FIELD, second_reader=False, ours=ours)
    seen = {f.scope_key() for f in report.findings}
    for finding in joined.blocking:
        if finding.scope_key() not in seen:
            seen.add(finding.scope_key())
            report.findings.append(finding)
            report.lines[(finding.field, finding.line)] = joined.lines[
                (finding.field, finding.line)
            ]


def checked_text_digest(page) -> str:
    """SHA-256 (64 hex characters) of the text `check_page` reads from the page's own
    fields and blocks: every (field path, text) pair of `page_texts`, in order (title, SEO
    title and description, text fields, StreamField blocks at any depth, chosen images',
    pages' and snippets' texts, tags, cluster children), the chosen images' files, the
    identifiers shown, the rows chosen by ForeignKey (`_shown_choices`) and the credentials of
    the doctors chosen (`doctors.shown_doctor_credentials`). What a
    reviewer's certificate approves; the gate compares it at publication. Not in it: slug,
    URLs, the certificate's own fields, choices of a field (layer), and the rendered
    template (site header and footer, other pages' titles: they change without the page
    changing; its findings are 第十九条 ones that no certificate clears)."""
    if type(page) is Page:
        page = page.specific
    approved = [
        *page_texts(page),
        *_shown_pictures(page),
        *_shown_identifiers(page),
        *_shown_choices(page),
        *shown_doctor_credentials(page),
    ]
    payload = json.dumps(approved, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _shown_pictures(page) -> list[tuple[str, str]]:
    """("picture", file hash) for every image the page chooses (fields and blocks, through
    Wagtail's reference extraction, as its 使用情况 does): a certificate approves the ad's
    pictures too, so another picture (a before/after photo) needs the reviewer again (review
    of issue 17). Sorted: the order of extraction is not the page's."""
    from wagtail.images import get_image_model
    from wagtail.models import ReferenceIndex

    model = get_image_model()
    image_type = ReferenceIndex._get_base_content_type(model).pk
    ids = {
        int(object_id)
        for type_id, object_id, *_ in ReferenceIndex._extract_references_from_object(page)
        if type_id == image_type and str(object_id).isdigit()
    }
    hashes = model.objects.filter(pk__in=ids).values_list("pk", "file_hash")
    return sorted(("picture", f"{pk}:{file_hash}") for pk, file_hash in hashes)


# Identifiers an ad shows as such, which the text check skips (licence numbers, phone and
# reference numbers): part of what the certificate approves. Not URLs, slugs, paths or the
# certificate's own fields (a new slug or canonical URL leaves the certificate standing).
SHOWN_IDENTIFIER = re.compile(r"(^|_)(licence|license|reference|number|code|phone)$")


def _shown_identifiers(page) -> list[tuple[str, str]]:
    """(field, value) for the identifiers the page shows (a clinic's licence number …)."""
    shown = []
    for field in page._meta.concrete_fields:
        if field.name.startswith("ad_review_") or not SHOWN_IDENTIFIER.search(field.name):
            continue
        value = getattr(page, field.attname, None)
        if isinstance(value, str) and value.strip():
            shown.append((field.name, value.strip()))
    return shown


def _chosen(obj, prefix: str) -> list[tuple[str, str]]:
    """(path, chosen row's id or "") for every ForeignKey of `obj`'s own model (not Wagtail's
    page fields, not the review record, not the parent link, not pictures)."""
    from modelcluster.fields import ParentalKey
    from wagtail.documents.models import AbstractDocument
    from wagtail.images.models import AbstractImage

    chosen = []
    for field in obj._meta.concrete_fields:
        if not isinstance(field, models.ForeignKey) or field.model is Page:
            continue
        if isinstance(field, ParentalKey) or field.name.startswith("ad_review_"):
            continue
        if field.name.endswith("_ptr"):
            continue
        if issubclass(field.related_model, AbstractImage | AbstractDocument):
            continue
        chosen.append((f"{prefix}{field.name}", str(getattr(obj, field.attname, None) or "")))
    return chosen


def _shown_choices(page) -> list[tuple[str, str]]:
    """(field path, chosen row's id or "") for every row the page chooses with a ForeignKey of
    its own type or of its inline children (the landing page's 默认服务包 and 专科, each
    keyword version's 服务包, a 转化 article's 审核医生, shown as 「审核医生：李文静（…）」).
    A certificate approves the ad as shown, and the page shows those rows' names, prices and
    credentials (seventeenth verification F3-4, F3-5: a certified landing page switched to
    another specialty's package, and an article's 审核医生 swapped, republished on the old
    certificate). Images are `_shown_pictures`; a package's own rows its `ad_review_facts`."""
    from modelcluster.models import get_all_child_relations
    from taggit.models import TaggedItemBase

    if not isinstance(page, Page):
        return []  # a package's chosen rows are its `ad_review_facts` (its revisions are not)
    chosen = _chosen(page, "")
    for relation in get_all_child_relations(page):
        model = relation.related_model
        if issubclass(model, TaggedItemBase) or model.__module__.startswith("wagtail."):
            continue  # tags are read as text; comments are not shown
        name = relation.get_accessor_name()
        for i, child in enumerate(getattr(page, name).all()):
            chosen += _chosen(child, f"{name}[{i}].")
    return chosen


# Revision (id, created) → its report. One publication asks several times (the publish hook,
# Page.publish, the after-save message, the doctor's review screen and the dashboard's action
# lists), so a revision is checked once per request or task. Not longer: a revision never
# changes, but what it shows does (a picture's or document's file replaced, a redirect added
# to a path it links), and a report kept for the process let bulk 发布 and a workflow approval
# publish a draft checked before the swap (fifth verification, HIGH-1).
_BY_REVISION: OrderedDict[tuple, ComplianceReport] = OrderedDict()
_BY_REVISION_MAX = 512


def forget_revision_reports(**_signal) -> None:
    """Drop the reports of earlier requests and tasks (connected to Django's
    `request_started` and Celery's `task_prerun`)."""
    _BY_REVISION.clear()


request_started.connect(forget_revision_reports, dispatch_uid="cms.compliance.page.reports")
task_prerun.connect(forget_revision_reports, dispatch_uid="cms.compliance.page.reports")


def check_revision(revision) -> ComplianceReport:
    """`check_page` of what the revision holds (not of a possibly newer page instance)."""
    key = (revision.pk, revision.created_at)
    report = _BY_REVISION.get(key)
    if report is None:
        report = _BY_REVISION[key] = check_page(revision.as_object())
        if len(_BY_REVISION) > _BY_REVISION_MAX:
            _BY_REVISION.popitem(last=False)
    else:
        _BY_REVISION.move_to_end(key)
    return report
