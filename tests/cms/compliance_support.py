"""Builders shared by the compliance tests (pages are added as drafts: publishing is what
the gate is about, so each test publishes explicitly)."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.core.files.images import ImageFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from cms.compliance.gate import REVIEWER_GROUP, today
from cms.models import HomePage, SpecialtyPage
from tests.funnel.factories import SpecialtyFactory, UserFactory

CERTIFICATE = f"（京）医广【{datetime.datetime.now(ZoneInfo('Asia/Shanghai')).year}】第01-23-001号"


def certificate_for(obj) -> str:
    """A certificate number of this year for one ad only (a certificate approves one ad:
    the register refuses a number another page or package holds)."""
    year = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).year
    kind = "P" if isinstance(obj, Page) else "S"
    return f"（京）医广【{year}】第01-23-{kind}{obj.pk:04d}号"


def printed_until() -> datetime.date:
    """The validity a certificate issued today prints: a year on."""
    return today() + datetime.timedelta(days=365)


def rich(*paragraphs: str) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def image(title: str, description: str = "") -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), (90, 120, 90)).save(buffer, format="PNG")
    return Image.objects.create(
        title=title,
        description=description,
        file=ImageFile(io.BytesIO(buffer.getvalue()), name="compliance-test.png"),
    )


def draft(parent: Page, page: Page) -> Page:
    page.live = False
    parent.add_child(instance=page)
    return page


def hub(slug: str = "insomnia", name: str = "失眠") -> SpecialtyPage:
    specialty = SpecialtyFactory(slug=slug, name=name)
    page = SpecialtyPage(title=f"{name}专科", slug=slug, specialty=specialty, intro=rich("导语"))
    HomePage.objects.get().add_child(instance=page)
    return page


def moderators() -> Group:
    """Wagtail's own Moderators group: admin access and publish rights on the whole tree."""
    return Group.objects.get(name="Moderators")


def editor(username: str = "bianji"):
    user = UserFactory(username=username)
    user.groups.add(moderators())
    return user


def reviewer(username: str = "shencha"):
    user = editor(username)
    user.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    return user


def own_video(url: str) -> str:
    """Put a real small MP4 (the demo's) where the own-site video `url` points, as an upload
    would, and return the URL to use: a /media/ path gets the file at that name; a
    /documents/<id>/<name> path gets a document of that name and its real id. A video path of
    ours with no file behind it is refused by the gate (fifth verification): tests that
    publish one upload it first."""
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.core.files import File
    from django.core.files.storage import default_storage
    from wagtail.documents.models import Document

    from cms.seed import DEMO_VIDEO

    path = urlsplit(url.strip()).path
    with DEMO_VIDEO.open("rb") as handle:
        if path.startswith("/documents/"):
            name = path.rsplit("/", 1)[1]
            document = Document.objects.create(title="视频", file=File(handle, name=name))
            return document.url
        if path.startswith(settings.MEDIA_URL):
            name = path[len(settings.MEDIA_URL) :]
            default_storage.delete(name)
            saved = default_storage.save(name, File(handle))
            assert saved == name, (saved, name)
    return url


def growth_ratio(make_line, *, small: int = 4000, large: int = 16000, repeats: int = 3) -> float:
    """How much longer the checker takes on a line `large / small` times as long (rules
    alone, 科普 scope): best of `repeats` runs each, taken in turns, in this process's CPU
    time (`time.process_time`), so other processes on the machine (parallel test processes,
    a busy CI runner) do not count. Linear reading gives about large / small (4 by
    default); reading each start to the line's end gives its square (16). The figure, not
    a wall-clock bound, is what a test asserts."""
    import time

    from cms.compliance.checker import check_report

    def once(line: str) -> float:
        started = time.process_time()
        check_report(line, scopes=("science",), second_reader=False)
        return time.process_time() - started

    check_report("预热", scopes=("science",), second_reader=False)
    short, long = make_line(small), make_line(large)
    small_runs, large_runs = [], []
    for _ in range(repeats):
        small_runs.append(once(short))
        large_runs.append(once(long))
    return min(large_runs) / max(min(small_runs), 1e-4)


def call_growth_ratio(read, unit: str, *, small: int, large: int, repeats: int = 3) -> float:
    """How much longer `read(text)` takes on `unit * large` than on `unit * small`, in this
    process's CPU time, best of `repeats` each (as `growth_ratio`, for a reader other than the
    whole checker: the doctor reader's `_mentions`, `_dotted_names`)."""
    import time

    def once(n: int) -> float:
        started = time.process_time()
        read(unit * n)
        return time.process_time() - started

    once(10)
    small_time = min(once(small) for _ in range(repeats))
    large_time = min(once(large) for _ in range(repeats))
    return large_time / max(small_time, 1e-4)


def blocking_rules(
    text: str, second_reader: bool, scopes: tuple[str, ...] = ("science",)
) -> set[str]:
    """The ids of the rules that block `text` (科普 scope unless `scopes` says otherwise),
    through the real checker, with the second reader or the rules alone."""
    from cms.compliance.checker import check_report

    report = check_report(text, scopes=scopes, second_reader=second_reader)
    return {f.rule for f in report.blocking}


def two_hubs_with_an_ad():
    """(insomnia hub, diabetes hub, a live certified 转化 article under the first)."""
    from cms.models import ArticlePage
    from cms.seed import publish_ad_page

    parent = hub()
    other = hub("diabetes", "糖尿病")
    ad = draft(
        parent,
        ArticlePage(
            title="失眠评估与方案",
            slug="plan",
            layer="conversion",
            body=[{"type": "paragraph", "value": rich("评估后制定方案。")}],
        ),
    )
    publish_ad_page(ad)
    return parent, other, ArticlePage.objects.get(pk=ad.pk)


def live_landing_page(specialty, *, slug: str = ""):
    """A live, certified landing page of `specialty` at /lp/<slug>/ (the specialty's slug
    by default): a 转化 article shows 「在线咨询」 only while one of its specialty answers."""
    from cms.seed import publish_ad_page
    from landing.models import LandingIndexPage, LandingPage

    index = LandingIndexPage.objects.first()
    if index is None:
        index = HomePage.objects.get().add_child(
            instance=LandingIndexPage(title="专科咨询", slug="lp")
        )
    page = LandingPage(
        title=f"{specialty.name}咨询",
        slug=slug or specialty.slug,
        specialty=specialty,
        headline=f"{specialty.name}困扰？先做评估",
    )
    index.add_child(instance=page)
    publish_ad_page(page)
    return LandingPage.objects.get(pk=page.pk)


def article_edit_post(client, page, html: str, *, layer: str = "science"):
    """POST the admin edit form of the ArticlePage `page` with one paragraph `html` in its
    body and every other field empty (a draft save): the response."""
    data = {
        "title": page.title,
        "slug": page.slug,
        "layer": layer,
        "summary": "",
        "cover": "",
        "reviewer": "",
        "published_on": "",
        "tags": "",
        "body": streamfield([("paragraph", rich_text(html))]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "canonical_url": "",
        "share_image": "",
        "ad_review_certificate": "",
        "ad_review_valid_until": "",
    }
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), nested_form_data(data))
