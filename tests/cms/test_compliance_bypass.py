"""Ways around the publish gate that are not the publish button (review of issue 17): a
copy published by Wagtail's copy view, scheduled publishing, and swapping the file of a
picture a live page shows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.models import Revision

from cms.models import ArticlePage
from cms.seed import publish_ad_page
from tests.cms.compliance_support import draft, editor, hub, image, rich, two_hubs_with_an_ad

pytestmark = pytest.mark.django_db


def _conversion() -> ArticlePage:
    page = draft(
        hub(),
        ArticlePage(
            title="失眠门诊咨询",
            slug="clinic",
            layer="conversion",
            body=[{"type": "paragraph", "value": rich("由睡眠门诊医生评估后制定调理方案。")}],
        ),
    )
    publish_ad_page(page)
    return ArticlePage.objects.get(pk=page.pk)


def test_a_copy_published_by_the_copy_view_is_taken_down_without_its_certificate():
    original = _conversion()
    assert original.live

    copy = original.copy(
        update_attrs={"slug": "clinic-copy", "title": "失眠门诊咨询（副本）"}, keep_live=True
    )

    copy = ArticlePage.objects.get(pk=copy.pk)
    assert copy.ad_review_certificate == ""
    assert copy.live is False  # a medical ad without its certificate is not left live
    assert copy.compliance_result["decision"] == "no_certificate"
    assert ArticlePage.objects.get(pk=original.pk).live  # the original is untouched


def test_a_clean_science_copy_stays_live():
    page = draft(hub(), ArticlePage(title="睡眠卫生", slug="hygiene", layer="science", body=[]))
    page.save_revision().publish()
    page = ArticlePage.objects.get(pk=page.pk)
    copy = page.copy(update_attrs={"slug": "hygiene-2", "title": "睡眠卫生 2"}, keep_live=True)
    assert ArticlePage.objects.get(pk=copy.pk).live


def test_a_refused_scheduled_revision_never_stops_the_others():
    parent = hub()
    refused = draft(
        parent,
        ArticlePage(title="失眠评估", slug="assess", layer="conversion", body=[]),
    )
    clean = draft(parent, ArticlePage(title="睡眠小贴士", slug="tips", layer="science", body=[]))
    past = timezone.now() - dt.timedelta(minutes=5)
    for page in (refused, clean):
        revision = page.save_revision()
        Revision.objects.filter(pk=revision.pk).update(approved_go_live_at=past)

    err = io.StringIO()
    call_command("publish_scheduled", stdout=io.StringIO(), stderr=err)

    assert ArticlePage.objects.get(pk=clean.pk).live
    assert not ArticlePage.objects.get(pk=refused.pk).live
    assert "失眠评估" in err.getvalue()
    # taken off the schedule: the next run does not meet it again
    assert not Revision.objects.filter(approved_go_live_at__isnull=False).exists()
    call_command("publish_scheduled", stdout=io.StringIO(), stderr=io.StringIO())


def test_scheduled_publishing_runs_from_beat():
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="cms.publish_scheduled", enabled=True).exists()


def _qr_jpeg() -> bytes:
    code = io.BytesIO()
    segno.make("https://work.weixin.qq.com/ca/x", error="m").save(code, kind="png", scale=8)
    code.seek(0)
    out = io.BytesIO()
    PILImage.open(code).convert("RGB").save(out, format="JPEG")
    return out.getvalue()


def test_a_picture_a_live_page_shows_cannot_be_swapped_in_place(client):
    cover = image("配图")
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠卫生",
            slug="hygiene",
            layer="science",
            cover=cover,
            body=[{"type": "paragraph", "value": rich("固定起床时间。")}],
        ),
    )
    page.save_revision().publish()
    client.force_login(editor())
    url = reverse("wagtailimages:edit", args=[cover.pk])

    swapped = client.post(
        url,
        {
            "title": "配图",
            "file": SimpleUploadedFile("photo.jpg", _qr_jpeg(), content_type="image/jpeg"),
            "collection": cover.collection_id,
            "tags": "",
            "focal_point_x": "",
            "focal_point_y": "",
            "focal_point_width": "",
            "focal_point_height": "",
        },
    )

    assert swapped.status_code == 200
    assert "不能直接替换文件" in swapped.content.decode()
    cover.refresh_from_db()
    assert "compliance-test" in cover.file.name  # the old file, not photo.jpg
    # the title alone may change
    renamed = client.post(
        url,
        {
            "title": "睡眠配图",
            "collection": cover.collection_id,
            "tags": "",
            "focal_point_x": "",
            "focal_point_y": "",
            "focal_point_width": "",
            "focal_point_height": "",
        },
    )
    assert renamed.status_code == 302


def test_the_focal_point_of_a_picture_a_live_page_shows_cannot_move(client):
    # Review of issue 17 (round 2): moving the focal point onto a corner the gate never saw
    # (a QR code at the edge of a wide banner) changed the live page's crop without a publish.
    cover = image("配图")
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠卫生",
            slug="hygiene-focal",
            layer="science",
            cover=cover,
            body=[{"type": "paragraph", "value": rich("固定起床时间。")}],
        ),
    )
    page.save_revision().publish()
    client.force_login(editor())
    url = reverse("wagtailimages:edit", args=[cover.pk])
    form = {"title": "配图", "collection": cover.collection_id, "tags": ""}

    moved = client.post(
        url,
        {
            **form,
            "focal_point_x": "5",
            "focal_point_y": "5",
            "focal_point_width": "4",
            "focal_point_height": "4",
        },
    )

    assert moved.status_code == 200
    assert "不能修改焦点区域" in moved.content.decode()
    cover.refresh_from_db()
    assert cover.focal_point_x is None
    # a picture no live page shows keeps its focal point editable
    spare = image("备用图")
    free = client.post(
        reverse("wagtailimages:edit", args=[spare.pk]),
        {
            **form,
            "title": "备用图",
            "collection": spare.collection_id,
            "focal_point_x": "5",
            "focal_point_y": "5",
            "focal_point_width": "4",
            "focal_point_height": "4",
        },
    )
    assert free.status_code == 302
    spare.refresh_from_db()
    assert spare.focal_point_x == 5


def test_a_video_file_a_live_page_plays_cannot_be_swapped_in_place(client):
    """The sibling of the picture: a VideoPage plays a Wagtail document."""
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    from cms.models import VideoPage

    video = Document.objects.create(title="演示视频", file=ContentFile(b"\\x00" * 64, name="v.mp4"))
    page = draft(
        hub(),
        VideoPage(title="睡前放松练习", slug="relax", video_file=video, transcript="放松呼吸。"),
    )
    page.save_revision().publish()
    client.force_login(editor())

    swapped = client.post(
        reverse("wagtaildocs:edit", args=[video.pk]),
        {
            "title": "演示视频",
            "file": SimpleUploadedFile("other.mp4", b"\\x01" * 64, content_type="video/mp4"),
            "collection": video.collection_id,
            "tags": "",
        },
    )

    assert swapped.status_code == 200
    assert "不能直接替换文件" in swapped.content.decode()
    video.refresh_from_db()
    assert video.file.name.startswith("documents/v")


def test_bulk_publish_refuses_a_blocked_page_by_name_and_publishes_nothing(client):
    # given two drafts under one hub: a clean 科普 article and one inviting a consultation
    parent = hub()
    clean = draft(
        parent,
        ArticlePage(
            title="睡眠卫生",
            slug="hygiene",
            layer="science",
            body=[{"type": "paragraph", "value": rich("固定起床时间有助于稳定生物钟。")}],
        ),
    )
    blocked = draft(
        parent,
        ArticlePage(
            title="失眠怎么办",
            slug="what-to-do",
            layer="science",
            body=[{"type": "paragraph", "value": rich("有失眠困扰？立即在线咨询，限时优惠。")}],
        ),
    )
    client.force_login(editor())
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
    # when an editor selects both in the explorer and publishes them in bulk
    response = client.post(
        f"{url}?id={clean.pk}&id={blocked.pk}&next=/admin/pages/{parent.pk}/",
        {"include_descendants": ""},
    )
    # then nothing is published, and the editor is told which page and why (not a 403)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{parent.pk}/"
    assert not ArticlePage.objects.filter(pk__in=[clean.pk, blocked.pk], live=True).exists()
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("未批量发布" in m and "“失眠怎么办”" in m and "睡眠卫生" not in m for m in shown)


def test_bulk_publish_of_clean_pages_still_publishes(client):
    page = draft(
        hub(),
        ArticlePage(
            title="睡眠卫生",
            slug="hygiene",
            layer="science",
            body=[{"type": "paragraph", "value": rich("固定起床时间有助于稳定生物钟。")}],
        ),
    )
    client.force_login(editor())
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
    response = client.post(
        f"{url}?id={page.pk}&next=/admin/pages/", {"include_descendants": ""}, follow=True
    )
    assert ArticlePage.objects.get(pk=page.pk).live
    # told in Chinese (Wagtail 8 ships this message untranslated: locale/zh_Hans)
    said = [str(m) for m in response.context["messages"]]
    assert any(m.strip() == "已发布 1 个页面" for m in said), said


def test_bulk_publish_never_redirects_off_site(client):
    page = draft(
        hub(),
        ArticlePage(
            title="失眠怎么办",
            slug="what-to-do",
            layer="science",
            body=[{"type": "paragraph", "value": rich("有失眠困扰？立即在线咨询。")}],
        ),
    )
    client.force_login(editor())
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))
    response = client.post(f"{url}?id={page.pk}&next=https://evil.example/", {})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_the_admin_api_publish_action_is_refused_with_the_reason_and_publishes_nothing(client):
    # given a 科普 draft that invites a consultation, and a clean one
    parent = hub()
    blocked = draft(
        parent,
        ArticlePage(
            title="失眠怎么办",
            slug="what-to-do",
            layer="science",
            body=[{"type": "paragraph", "value": rich("有失眠困扰？立即在线咨询，限时优惠。")}],
        ),
    )
    clean = draft(
        parent,
        ArticlePage(
            title="睡眠卫生",
            slug="hygiene",
            layer="science",
            body=[{"type": "paragraph", "value": rich("固定起床时间有助于稳定生物钟。")}],
        ),
    )
    client.force_login(editor())
    # when an editor publishes each through the admin API (sixth verification: 200 on refusal)
    refused = client.post(f"/admin/api/main/pages/{blocked.pk}/action/publish/")
    published = client.post(f"/admin/api/main/pages/{clean.pk}/action/publish/")
    # then the blocked one gets 400 with the gate's reason and never goes live
    assert refused.status_code == 400
    assert "未发布" in refused.json()["compliance"][0]
    assert ArticlePage.objects.get(pk=blocked.pk).live is False
    assert ArticlePage.objects.get(pk=blocked.pk).compliance_result["state"] == "draft"
    # and the clean one is published as before
    assert published.status_code == 200
    assert ArticlePage.objects.get(pk=clean.pk).live


_two_hubs_with_an_ad = two_hubs_with_an_ad


@pytest.mark.parametrize("recursive", [False, True])
def test_no_alias_of_a_medical_ad_through_the_admin_api(client, recursive):
    """Round 13 verification F3: the API's create_alias put a second live copy of a certified
    转化 article under another hub, with the same certificate and no check; aliasing a hub
    (recursive) carries its ads along."""
    parent, other, ad = _two_hubs_with_an_ad()
    source = parent if recursive else ad
    client.force_login(editor())

    response = client.post(
        f"/admin/api/main/pages/{source.pk}/action/create_alias/",
        {"destination_page_id": other.pk, "recursive": recursive, "update_slug": "copy"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "不能创建别名" in response.json()["compliance"][0]
    assert not ArticlePage.objects.filter(alias_of=ad).exists()


def test_a_science_page_may_still_be_aliased_through_the_admin_api(client):
    parent, other, _ad = _two_hubs_with_an_ad()
    science = draft(parent, ArticlePage(title="睡眠卫生", slug="hygiene", layer="science"))
    client.force_login(editor())

    response = client.post(
        f"/admin/api/main/pages/{science.pk}/action/create_alias/",
        {"destination_page_id": other.pk},
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert ArticlePage.objects.filter(alias_of=science).count() == 1


def test_no_alias_of_a_medical_ad_from_the_copy_view(client):
    parent, other, ad = _two_hubs_with_an_ad()
    client.force_login(editor())

    response = client.post(
        reverse("wagtailadmin_pages:copy", args=[ad.pk]),
        {
            "new_title": ad.title,
            "new_slug": "plan-alias",
            "new_parent_page": other.pk,
            "alias": "on",
        },
    )

    assert response.status_code == 302
    assert not ArticlePage.objects.filter(alias_of=ad).exists()
    follow = client.get(response["Location"]).content.decode()
    assert "不能创建别名" in follow


def test_a_science_page_with_an_alias_cannot_be_published_as_an_ad(client):
    """Thirteenth verification F1: a 科普 article was aliased (allowed), then turned 转化 and
    certified; publishing it published the alias too, a second copy of the ad."""
    from cms.compliance.gate import CompliancePublishBlocked, page_ad_review_record
    from tests.cms.compliance_support import CERTIFICATE, printed_until, reviewer

    parent, other, _ad = _two_hubs_with_an_ad()
    science = draft(parent, ArticlePage(title="睡眠卫生", slug="hygiene", layer="science"))
    science.save_revision().publish()
    science.create_alias(parent=other, update_slug="hygiene-alias")

    science = ArticlePage.objects.get(pk=science.pk)
    science.layer = "conversion"
    user = reviewer("shencha-alias")
    revision = page_ad_review_record(
        page=science, user=user, certificate=CERTIFICATE, valid_until=printed_until()
    )
    with pytest.raises(CompliancePublishBlocked) as blocked:
        revision.publish(user=user)

    assert blocked.value.decision.reason == "aliased"
    alias = ArticlePage.objects.get(alias_of=science)
    assert alias.layer == "science"
    assert ArticlePage.objects.get(pk=science.pk).layer == "science"


@pytest.mark.parametrize(
    "extra",
    [
        {},  # a plain copy
        {"alias": "on"},
        {"copy_subpages": "on", "publish_copies": "on"},
    ],
)
def test_copying_a_hub_is_refused_with_why_not_a_500(client, extra):
    """Fourteenth verification: a hub is its specialty's one page (one-to-one), and every
    copy of one answered 500 from inside Wagtail's copy."""
    from cms.models import HomePage, SpecialtyPage

    parent = hub()
    client.force_login(editor())
    url = reverse("wagtailadmin_pages:copy", args=[parent.pk])

    opened = client.get(url)
    posted = client.post(
        url,
        {
            "new_title": "失眠专科（副本）",
            "new_slug": "insomnia-copy",
            "new_parent_page": HomePage.objects.get().pk,
            **extra,
        },
    )

    assert opened.status_code == 302
    assert posted.status_code == 302
    assert "不能复制或创建别名" in client.get(posted["Location"]).content.decode()
    assert SpecialtyPage.objects.count() == 1


def test_copying_the_home_page_with_its_hubs_is_refused(client):
    from cms.models import HomePage, SpecialtyPage

    hub()
    home = HomePage.objects.get()
    client.force_login(editor())

    posted = client.post(
        reverse("wagtailadmin_pages:copy", args=[home.pk]),
        {"new_title": "首页副本", "new_slug": "home-copy", "new_parent_page": home.pk,
         "copy_subpages": "on"},
    )  # fmt: skip

    assert posted.status_code == 302
    assert SpecialtyPage.objects.count() == 1


def test_an_api_revert_keeps_the_reviewers_current_certificate(client):
    """Sixteenth verification M2: the reviewer replaced a certificate (number and validity);
    the admin API's revert_to_page_revision to an older revision, then publish, put the old
    number and its later validity back on the live page."""
    import datetime as dt

    from cms.compliance.gate import page_ad_review_record
    from cms.models import ArticlePage
    from tests.cms.compliance_support import printed_until, reviewer

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    old_revision = ad.live_revision
    old_number = ad.ad_review_certificate
    user = reviewer("shencha-revert")
    year = printed_until().year - 1
    new_number = f"（京）医广【{year}】第01-23-P9{ad.pk:03d}号"
    shorter = printed_until() - dt.timedelta(days=30)
    revision = page_ad_review_record(
        page=ArticlePage.objects.get(pk=ad.pk),
        user=user,
        certificate=new_number,
        valid_until=shorter,
    )
    revision.publish(user=user)
    assert ArticlePage.objects.get(pk=ad.pk).ad_review_certificate == new_number
    client.force_login(user)

    reverted = client.post(
        f"/admin/api/main/pages/{ad.pk}/action/revert_to_page_revision/",
        {"revision_id": old_revision.pk},
        content_type="application/json",
    )
    published = client.post(
        f"/admin/api/main/pages/{ad.pk}/action/publish/", {}, content_type="application/json"
    )

    assert reverted.status_code == 200, reverted.content
    assert published.status_code == 200, published.content
    live = ArticlePage.objects.get(pk=ad.pk)
    assert live.ad_review_certificate == new_number != old_number
    assert live.ad_review_valid_until == shorter


def _replaced_certificate(ad, *, publish: bool):
    """The reviewer records another number with a shorter validity on the certified ad
    (published or left as the latest draft); returns (old revision, new number, validity)."""
    import datetime as dt

    from cms.compliance.gate import page_ad_review_record
    from cms.models import ArticlePage
    from tests.cms.compliance_support import printed_until, reviewer

    old_revision = ad.live_revision
    user = reviewer("shencha-ui-revert")
    new_number = f"（京）医广【{printed_until().year - 1}】第01-23-P8{ad.pk:03d}号"
    shorter = printed_until() - dt.timedelta(days=60)
    revision = page_ad_review_record(
        page=ArticlePage.objects.get(pk=ad.pk),
        user=user,
        certificate=new_number,
        valid_until=shorter,
    )
    if publish:
        revision.publish(user=user)
    return old_revision, new_number, shorter


def _moderator(django_user_model, username: str):
    """A publisher who is no reviewer (Wagtail's Moderators): the certificate fields are
    disabled for them, so what the form shows is what it keeps."""
    from tests.cms.compliance_support import moderators

    user = django_user_model.objects.create_user(username, f"{username}@example.com", "x")
    user.groups.add(moderators())
    return user


def _post_revert(client, ad, revision, *, certificate: str):
    """The 恢复 form of `revision` posted with 发布, its body and the certificate field as
    `certificate` (ignored by a disabled field)."""
    from django.urls import reverse
    from wagtail.test.utils.form_data import (
        inline_formset,
        nested_form_data,
        rich_text,
        streamfield,
    )

    data = {
        "title": ad.title,
        "slug": ad.slug,
        "layer": ad.layer,
        "summary": "",
        "cover": "",
        "reviewer": "",
        "published_on": "",
        "tags": "",
        "body": streamfield([("paragraph", rich_text("<p>评估后制定方案。</p>"))]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "canonical_url": "",
        "share_image": "",
        "ad_review_certificate": certificate,
        "ad_review_valid_until": "",
        "action-publish": "action-publish",
    }
    url = reverse("wagtailadmin_pages:revisions_revert", args=[ad.pk, revision.pk])
    return client.post(url, nested_form_data(data))


@pytest.mark.parametrize("publish", [True, False])
def test_the_editors_revert_keeps_the_reviewers_current_certificate(
    client, django_user_model, publish
):
    """Seventeenth verification F3-1: the admin's 恢复 (revisions/<id>/revert/) loaded the old
    revision with the certificate it carried; 发布 put the old number and its later validity
    back on the live ad, over the reviewer's newer record (published, or still a draft)."""
    from django.urls import reverse

    from cms.models import ArticlePage

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    old_number = ad.ad_review_certificate
    old_revision, new_number, shorter = _replaced_certificate(ad, publish=publish)
    client.force_login(_moderator(django_user_model, "bianji-revert"))
    url = reverse("wagtailadmin_pages:revisions_revert", args=[ad.pk, old_revision.pk])

    # the form shows the reviewer's current number, not the one the old revision carried
    html = client.get(url).content.decode()
    assert new_number in html
    assert old_number not in html

    response = _post_revert(client, ad, old_revision, certificate=old_number)

    assert response.status_code == 302, response.content.decode()[:3000]
    live = ArticlePage.objects.get(pk=ad.pk)
    assert (live.ad_review_certificate, live.ad_review_valid_until) == (new_number, shorter)


def test_a_revert_after_the_reviewer_cleared_the_certificate_is_refused(client, django_user_model):
    from cms.compliance.gate import certificate_apply
    from cms.compliance.page import check_page
    from cms.models import ArticlePage
    from tests.cms.compliance_support import reviewer

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    old_number = ad.ad_review_certificate
    old_revision = ad.live_revision
    # the reviewer empties the number and confirms (文号留空并确认): the draft has none
    cleared = ArticlePage.objects.get(pk=ad.pk)
    certificate_apply(
        page=cleared, user=reviewer("shencha-clear"), certificate="", report=check_page(cleared)
    )
    cleared.save_revision()
    client.force_login(_moderator(django_user_model, "bianji-clear"))

    response = _post_revert(client, ad, old_revision, certificate=old_number)

    assert response.status_code == 200
    assert "须由医疗广告审查人员记录医疗广告审查证明文号后才能发布" in response.content.decode()
    assert ArticlePage.objects.get(pk=ad.pk).live_revision_id == old_revision.pk


def test_the_reviewer_clearing_a_live_ads_certificate_takes_it_down(client):
    """Seventeenth verification F3-6: 文号留空并确认 on a live ad left it serving the withdrawn
    number until its printed date; the reviewer cannot unpublish pages."""
    from django.contrib.auth.models import Group

    from cms.compliance.gate import CERTIFICATE_REVOKED, REVIEWER_GROUP
    from cms.models import ArticlePage
    from tests.cms.test_compliance_admin import _post_ad
    from tests.funnel.factories import UserFactory

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    number = ad.ad_review_certificate
    assert number in client.get(ad.url).content.decode()
    # as the demo's reviewer is: the reviewers' group only, no right to publish or unpublish
    # pages (re-verification C-0: the take-down ran under her rights and was refused)
    only_reviewer = UserFactory(username="shencha-revoke")
    only_reviewer.groups.add(Group.objects.get(name=REVIEWER_GROUP))
    client.force_login(only_reviewer)

    response = _post_ad(
        client,
        ad,
        publish=False,
        paragraphs=["评估后制定方案。"],
        ad_review_certificate="",
        ad_review_confirm="on",
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not ArticlePage.objects.get(pk=ad.pk).live
    assert CERTIFICATE_REVOKED in client.get(response["Location"]).content.decode()
    client.logout()
    assert client.get(ad.url).status_code == 404


def test_an_editors_save_of_a_certified_ad_leaves_it_live(client, django_user_model):
    from cms.models import ArticlePage
    from tests.cms.test_compliance_admin import _post_ad

    _insomnia, _diabetes, ad = two_hubs_with_an_ad()
    client.force_login(_moderator(django_user_model, "bianji-save"))

    response = _post_ad(client, ad, publish=False, paragraphs=["评估后制定方案。"])

    assert response.status_code == 302, response.content.decode()[:2000]
    assert ArticlePage.objects.get(pk=ad.pk).live
