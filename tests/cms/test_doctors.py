"""One doctor, one set of credentials: landing pages take their doctors from the doctor
pages, the migration converts the old typed-in doctors, and a doctor page lists the
articles its doctor reviewed."""

from __future__ import annotations

import importlib
import io
import json

import pytest
from django.apps import apps

from cms.models import ArticlePage, DoctorPage
from landing import seed as landing_seed
from landing.models import LandingPage

pytestmark = pytest.mark.django_db

migration = importlib.import_module("landing.migrations.0005_trust_doctor_from_doctor_pages")


@pytest.fixture
def landing(seeded, django_capture_on_commit_callbacks) -> LandingPage:
    with django_capture_on_commit_callbacks(execute=True):
        landing_seed.seed(stdout=io.StringIO())
    return LandingPage.objects.get(slug="hair-loss")


def test_landing_page_shows_the_doctor_page_credentials(landing, client):
    # given the hair-loss landing page and its specialty's first doctor page
    doctor = DoctorPage.objects.filter(specialties__slug="hair-loss").order_by("path").first()

    # when a visitor opens the landing page
    html = client.get("/lp/hair-loss/").content.decode()

    # then the doctor is the doctor page's, with its rank, hospital and licence number
    assert [b.value["doctor"].pk for b in landing.trust if b.block_type == "doctor"] == [doctor.pk]
    assert f'<a href="{doctor.url}">{doctor.title}</a></strong> · {doctor.rank}' in html
    assert f"医师执业证书编码：{doctor.licence_number}" in html


def test_a_doctor_whose_page_is_unpublished_is_not_shown(landing, client):
    doctor = DoctorPage.objects.filter(specialties__slug="hair-loss").order_by("path").first()
    doctor.unpublish()

    html = client.get("/lp/hair-loss/").content.decode()

    assert doctor.licence_number not in html


def test_a_doctor_past_her_expiry_leaves_the_landing_page_and_the_index(
    landing, client, settings, django_capture_on_commit_callbacks
):
    """Round 35, second tester F5.1: a doctor page saved with a past 过期时间 (no publish)
    answered 404, but the landing page kept her name, 职称 and licence, from the cache and on a
    fresh render (`shown_publicly` read `live` only), and the doctors index listed her."""
    import datetime as dt

    from django.utils import timezone

    settings.LANDING_CACHE_SECONDS = 600
    doctor = DoctorPage.objects.filter(specialties__slug="hair-loss").order_by("path").first()
    assert doctor.licence_number in client.get("/lp/hair-loss/").content.decode()
    assert client.get("/lp/hair-loss/")["X-Page-Cache"] == "HIT"

    doctor.expire_at = timezone.now() - dt.timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        doctor.save()
    after = client.get("/lp/hair-loss/")

    assert after.get("X-Page-Cache") != "HIT"
    assert doctor.licence_number not in after.content.decode()
    assert doctor.title not in client.get(doctor.get_parent().url).content.decode()


def test_migration_links_typed_in_doctors_to_their_pages_and_drops_the_rest(landing):
    # given old-format doctor blocks on the page and in its latest revision: one named after
    # a doctor page (with a stale licence number), one matching only by licence, one unknown
    doctor = DoctorPage.objects.filter(specialties__slug="hair-loss").order_by("path").first()
    old = [
        {
            "type": "doctor",
            "id": "a",
            "value": {
                "name": doctor.title,
                "title": "主任医师",
                "credential": "000",
                "intro": "擅长脱发",
            },
        },
        {
            "type": "doctor",
            "id": "b",
            "value": {
                "name": "别名",
                "title": "医师",
                "credential": doctor.licence_number,
                "intro": "",
            },
        },
        {
            "type": "doctor",
            "id": "c",
            "value": {"name": "无此人", "title": "医师", "credential": "999", "intro": ""},
        },
        {
            "type": "review",
            "id": "d",
            "value": {"quote": "好", "author": "张女士", "consent_on_file": True},
        },
    ]
    LandingPage.objects.filter(pk=landing.pk).update(trust=json.dumps(old))
    revision = landing.get_latest_revision()
    revision.content["trust"] = json.dumps(old)
    revision.save(update_fields=["content"])

    # when the data migration runs
    migration.forwards(apps, None)

    # then both known doctors point at the page, the unknown one is gone, reviews stay
    expected = [
        {"type": "doctor", "id": "a", "value": {"doctor": doctor.pk, "intro": "擅长脱发"}},
        {"type": "doctor", "id": "b", "value": {"doctor": doctor.pk, "intro": ""}},
        old[3],
    ]
    page = LandingPage.objects.get(pk=landing.pk)
    assert list(page.trust.raw_data) == expected
    revision.refresh_from_db()
    assert json.loads(revision.content["trust"]) == expected


def test_doctor_page_lists_the_articles_its_doctor_reviewed(seeded, client):
    doctor = DoctorPage.objects.filter(specialties__slug="hair-loss").order_by("path").first()
    reviewed = ArticlePage.objects.live().filter(reviewer=doctor).order_by("-first_published_at")
    assert reviewed.count() == 4
    conversion = [a for a in reviewed if a.layer == "conversion"]
    assert len(conversion) == 1

    html = client.get(doctor.url).content.decode()

    assert f"{doctor.title}审核的文章" in html
    for article in reviewed:
        if article.layer != "conversion":
            assert f'<a href="{article.url}">{article.title}</a>' in html
    # the doctor page is a 科普 page: the 转化 article they reviewed is not listed
    # (《广告法》第十九条; review of issue 17, round 2, M6)
    assert conversion[0].url not in html


def test_doctor_page_lists_an_aliased_article_once(seeded, client):
    """An alias (the same article shown under a second hub) is one article: the doctor page
    lists the original, not the copy beside it (the alias's canonical is the original)."""
    from cms.models import SpecialtyPage

    doctor = DoctorPage.objects.filter(specialties__slug="hair-loss").order_by("path").first()
    article = (
        ArticlePage.objects.live()
        .filter(reviewer=doctor, layer="science")
        .order_by("-first_published_at")
        .first()
    )
    other = SpecialtyPage.objects.exclude(pk=article.get_parent().pk).order_by("path").first()
    alias = article.create_alias(parent=other, update_slug=f"{article.slug}-alias")
    assert ArticlePage.objects.live().filter(pk=alias.pk).exists()

    html = client.get(doctor.url).content.decode()

    assert html.count(f">{article.title}</a>") == 1
    assert f'<a href="{article.url}">{article.title}</a>' in html


def test_a_licence_number_on_another_doctors_page_is_refused(seeded, client):
    """Eighteenth verification A-F7: a doctor page copied as 「王建国」 kept 李文静's number and
    was published; an ad's 「王建国（执业证号…）」 then matched the register."""
    from cms.compliance.gate import CompliancePublishBlocked

    doctor = DoctorPage.objects.live().order_by("path").first()
    copy = doctor.copy(update_attrs={"title": "王建国", "slug": "wang-jianguo", "live": False})
    copy = DoctorPage.objects.get(pk=copy.pk)
    revision = copy.save_revision()  # a draft may hold it (the copy view saves it so)

    with pytest.raises(CompliancePublishBlocked) as refused:
        revision.publish()

    assert f"已登记在医生「{doctor.title}」的页面" in str(refused.value)
    assert not DoctorPage.objects.get(pk=copy.pk).live
    # the live doctor's own page is not held up by the draft copy
    DoctorPage.objects.get(pk=doctor.pk).save_revision().publish()
    # with its own number, the copy publishes
    copy = DoctorPage.objects.get(pk=copy.pk)
    copy.licence_number = "110310000077777"
    copy.save_revision().publish()
    assert DoctorPage.objects.get(pk=copy.pk).live


@pytest.mark.parametrize("restriction_type", ["password", "login"])
def test_a_doctor_whose_page_is_private_is_not_shown(
    landing, client, django_capture_on_commit_callbacks, restriction_type
):
    """Nineteenth verification C-F2: a password-protected doctor page stayed on the landing
    page, in the article byline and in the JSON-LD `reviewedBy`, linking to 「需要密码」."""
    from wagtail.models import PageViewRestriction

    doctor = DoctorPage.objects.filter(specialties__slug="hair-loss").order_by("path").first()
    article = ArticlePage.objects.live().filter(reviewer=doctor).first()
    assert doctor.licence_number in client.get("/lp/hair-loss/").content.decode()  # cached now
    assert f'审核医生：<a href="{doctor.url}">' in client.get(article.url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        PageViewRestriction.objects.create(
            page=doctor, restriction_type=restriction_type, password="x"
        )

    landing_html = client.get("/lp/hair-loss/").content.decode()
    article_html = client.get(article.url).content.decode()
    assert doctor.licence_number not in landing_html
    assert "审核医生" not in article_html
    assert '"reviewedBy"' not in article_html


def test_a_private_doctor_named_in_an_ads_text_is_no_registered_doctor(landing) -> None:
    from wagtail.models import PageViewRestriction

    from cms.compliance.doctors import UNREGISTERED, doctor_credential_findings

    doctor = DoctorPage.objects.filter(specialties__slug="hair-loss").order_by("path").first()
    page = LandingPage.objects.get(slug="hair-loss")
    page.hero_body = f"<p>{doctor.title}{doctor.rank}远程会诊。</p>"
    assert doctor_credential_findings(page) == []

    PageViewRestriction.objects.create(page=doctor, restriction_type="password", password="x")

    (finding, _line), *_ = doctor_credential_findings(page)
    assert finding.message == f"{UNREGISTERED}（{doctor.title}）"


@pytest.mark.parametrize("which", ["doctor", "index"])
@pytest.mark.parametrize("restriction_type", ["password", "login", "groups"])
def test_the_privacy_dialog_sets_no_restriction_on_doctors(
    seeded, admin_client, which, restriction_type
):
    """Nineteenth session's note: a doctor named on live ads could be made private through
    the admin's 隐私 dialog, leaving the ads naming a doctor the public cannot look up. A
    doctor page (and the team page above it) is public or not published."""
    from django.contrib.auth.models import Group
    from django.urls import reverse
    from wagtail.models import PageViewRestriction

    from cms.models import DoctorIndexPage

    doctor = DoctorPage.objects.live().order_by("path").first()
    page = doctor if which == "doctor" else DoctorIndexPage.objects.get()
    url = reverse("wagtailadmin_pages:set_privacy", args=[page.pk])

    shown = admin_client.get(url)
    posted = admin_client.post(
        url,
        {
            "restriction_type": restriction_type,
            "password": "secret-123",
            "groups": [Group.objects.first().pk],
        },
    )

    assert shown.status_code == posted.status_code == 200
    assert not PageViewRestriction.objects.exists()
    assert doctor.get_view_restrictions().count() == 0
    assert "set_privacy_done" not in posted.content.decode()


@pytest.mark.parametrize("restricted", [None, "doctor", "index", "home"])
def test_shown_publicly_keeps_wagtails_view_restriction_rule_in_one_query(
    seeded, django_assert_num_queries, restricted
):
    """`DoctorPage.shown_publicly` is Wagtail's `get_view_restrictions()` rule (the page and
    its ancestors; an alias answers to its source) in one query instead of two. The alias
    case: an alias of the doctors index carries alias doctor pages whose own ancestors are
    aliases; a restriction on the source index hides them too."""
    from wagtail.models import PageViewRestriction

    doctor = DoctorPage.objects.live().order_by("path").first()
    index = doctor.get_parent()
    alias_index = index.create_alias(
        recursive=True, parent=index.get_parent(), update_slug="doctors-copy"
    )
    alias_doctor = DoctorPage.objects.get(path__startswith=alias_index.path, alias_of=doctor)
    target = {
        "doctor": doctor,
        "index": index,
        "home": index.get_parent(),
    }.get(restricted)
    if target is not None:
        PageViewRestriction.objects.create(page=target, restriction_type="password", password="x")

    for page in (doctor, alias_doctor):
        page = DoctorPage.objects.get(pk=page.pk)
        wagtails_rule = page.live and not page.get_view_restrictions().exists()
        with django_assert_num_queries(1):
            assert page.shown_publicly is wagtails_rule
    assert DoctorPage.objects.get(pk=alias_doctor.pk).shown_publicly is (restricted is None)
