"""A 科普 video page plays our own file or an allowed platform's player, nothing else (eighth
verification of issue 17: 视频地址 took any address, and the page played another host's file,
which can be swapped for a promotion with a QR code at any time, unread by the gate). The
article's video block already kept this rule (review round 2, H3): one rule, `video_player`."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import ValidationError

from cms.compliance import check_page
from cms.models import VideoPage
from tests.cms.compliance_support import draft, hub, own_video

pytestmark = pytest.mark.django_db

REFUSED = [
    "https://cdn.some-clinic-ads.cn/promo.mp4",
    "http://1.2.3.4:8080/qr.mp4",
    "https://v.douyin.com/abc123/",
    "https://work.weixin.qq.com/ca/cawcde",
    "/lp/hair-loss/",
    "javascript:alert(1)",
    "/media/../lp/x.mp4",
    "https://v.qq.com.evil.cn/txp/iframe/player.html?vid=x",
    "https://v.qq.com@evil.cn/x.mp4",
    "//evil.cn/x.mp4",
    "  https://cdn.some-clinic-ads.cn/promo.mp4  ",
]


@pytest.mark.parametrize("url", REFUSED)
def test_an_address_off_the_allow_list_is_refused_on_save(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        hub().add_child(instance=VideoPage(title="放松练习", slug="v", video_url=url))

    assert "只能嵌入本站上传的视频文件" in str(refused.value.message_dict["video_url"])


def test_the_admin_form_says_why(admin_client) -> None:
    parent = hub()
    page = draft(parent, VideoPage(title="放松练习", slug="v", video_url=own_video("/media/v.mp4")))
    from tests.cms.test_workflow import _edit_form_data

    url = f"/admin/pages/{page.pk}/edit/"
    data = _edit_form_data(admin_client.get(url).content.decode())
    data.update({"video_url": ["https://cdn.some-clinic-ads.cn/promo.mp4"], "video_file": [""]})
    data["action-publish"] = ["action-publish"]

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "只能嵌入本站上传的视频文件" in response.content.decode()
    assert not VideoPage.objects.get(pk=page.pk).live


@pytest.mark.parametrize(
    ("url", "tag"),
    [
        ("/media/v.mp4", "video"),
        ("https://player.bilibili.com/player.html?bvid=BV1xx", "iframe"),
    ],
)
def test_an_allowed_address_is_played_or_framed(client, url: str, tag: str) -> None:
    parent = hub()
    parent.save_revision().publish()
    address = own_video(url) if url.startswith("/media/") else url
    page = draft(parent, VideoPage(title="放松练习", slug="v", video_url=address))
    page.save_revision().publish()

    html = client.get(page.url).content.decode()
    (ld,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    video = next(n for n in json.loads(ld) if n["@type"] == "VideoObject")

    assert f"<{tag} " in html
    assert ("contentUrl" in video) is (tag == "video")
    assert ("embedUrl" in video) is (tag == "iframe")


def test_a_stored_address_off_the_list_is_never_shown_and_the_gate_refuses_it(client) -> None:
    """A row written around the form (an old row, a script): the template shows no player and
    JSON-LD no address, so the served page holds nothing from that host."""
    parent = hub()
    parent.save_revision().publish()
    page = draft(parent, VideoPage(title="放松练习", slug="v", video_url=own_video("/media/v.mp4")))
    VideoPage.objects.filter(pk=page.pk).update(video_url="https://cdn.evil.cn/promo.mp4")
    page.refresh_from_db()

    assert page.player() == ""
    assert page.source_url() == ""
    report = check_page(page, rendered=True)
    assert "cdn.evil.cn" not in json.dumps(page.json_ld_main(None), ensure_ascii=False)
    assert not [f for f in report.blocking if "cdn.evil.cn" in f.text]  # nothing shown


@pytest.mark.parametrize(
    "address", ["/static/x.mp4", "/static/video/intro.webm", "http://localhost/static/v.mp4"]
)
def test_a_static_video_path_naming_no_file_is_refused_on_save(address) -> None:
    """Static files ship with the code: no upload can fill the path later, so a typo would
    publish a video whose contentUrl answers 404 (fifteenth verification L1)."""
    from cms.blocks import VIDEO_FILE_MISSING

    with pytest.raises(ValidationError) as refused:
        hub().add_child(instance=VideoPage(title="放松练习", slug="v", video_url=address))

    assert VIDEO_FILE_MISSING in str(refused.value)


def test_a_static_file_that_ships_is_accepted() -> None:
    page = hub().add_child(
        instance=VideoPage(title="放松练习", slug="v", video_url="/static/img/share-default.png")
    )
    assert page.player() == "own"
