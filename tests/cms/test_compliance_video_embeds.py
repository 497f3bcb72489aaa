"""Review of issue 17, round 2, H3: a 科普 page frames only our own files and the allowed video
players (`cms.links.VIDEO_PLAYERS`). The video block refuses any other address on save, its
template frames nothing else, and the rendered check reports any other frame, embed or object
however it reached the page (a template, raw HTML in rich text)."""

from __future__ import annotations

import pytest
from wagtail.blocks.stream_block import StreamBlockValidationError
from wagtail.blocks.struct_block import StructBlockValidationError

from cms.blocks import VIDEO_URL_REFUSED, ArticleStreamBlock, VideoEmbedBlock
from cms.compliance import check_page
from cms.compliance.gate import CompliancePublishBlocked
from cms.compliance.rendered import rendered_html
from cms.links import video_player
from cms.models import ArticlePage
from tests.cms.compliance_support import draft, hub, own_video, rich

pytestmark = pytest.mark.django_db

# The players' embed addresses (each platform's share → 嵌入代码), spelled as browsers read them.
PLAYERS = [
    "https://v.qq.com/txp/iframe/player.html?vid=m0137rrajuc",
    "https://V.QQ.COM/txp/iframe/player.html?vid=m0137rrajuc",  # a host is case-insensitive
    "https://v.qq.com/iframe/player.html?vid=k0015trfczz&auto=0",
    "https://player.bilibili.com/player.html?bvid=BV1uv411q7Mv&page=1",
    "https://player.youku.com/embed/XNTg2NjA3NjQw",
    "https://www.ixigua.com/iframe/6580983790653407747?autoplay=0",
    "https://open.douyin.com/player/video?vid=7388149561765760266&autoplay=0",
    "https://v.qq.com:443/txp/iframe/player.html?vid=x",
    "//player.bilibili.com/player.html?bvid=x",  # protocol-relative: https on our https site
]
# Our own video files (Wagtail documents and media), on the Site's host name.
OWN_FILES = ["https://localhost/media/videos/sleep.mp4", "http://localhost/documents/3/sleep.mp4"]
# Siblings of "an external host framed": none of them may be framed.
REFUSED = [
    "https://shop.example.cn/qr.html",
    "http://v.qq.com/txp/iframe/player.html?vid=x",  # plain http: rewritable on the way
    "https://v.qq.com.evil.cn/txp/iframe/player.html?vid=x",
    "https://evil.cn/v.qq.com/txp/iframe/player.html?vid=x",
    "https://evil.cn/?u=https://v.qq.com/txp/iframe/player.html",
    "https://v.qq.com@evil.cn/txp/iframe/player.html?vid=x",
    "https://evil.cn@v.qq.com/txp/iframe/player.html?vid=x",
    "https://v.qq.com:8443/txp/iframe/player.html?vid=x",
    "https://v.qq.com/x/cover/zrxyhghf3n8xhxl.html",  # the platform's page, not its player
    "https://v.qq.com/txp/../x/cover/a.html",
    "https://www.bilibili.com/video/BV1uv411q7Mv",
    "https://player.bilibili.com.evil.cn/player.html?bvid=x",
    "https://fakeplayer.bilibili.com/player.html?bvid=x",
    "https://weixin.qq.com/sph/A1b2C3",  # 视频号: no web player, a WeChat page
    "https://evil.cn/media/videos/sleep.mp4",  # our path on another host
    "https://localhost/hair-loss/some-article/",  # our page, not a file
    "javascript:alert(1)//v.qq.com/txp/iframe/player.html",
    "data:text/html;base64,PGgxPuWKoOW+ruS/oTwvaDE+",
]


def _block_value(url: str):
    block = VideoEmbedBlock()
    return block, block.to_python({"url": url, "caption": "睡前放松"})


@pytest.mark.parametrize("url", PLAYERS + OWN_FILES)
def test_the_video_block_accepts_our_files_and_the_allowed_players(url) -> None:
    block, value = _block_value(url)

    # (the URL field writes a protocol-relative address out with https)
    assert block.clean(value)["url"] in (url, f"https:{url}")


@pytest.mark.parametrize("url", REFUSED)
def test_the_video_block_refuses_any_other_address_with_a_clear_error(url) -> None:
    block, value = _block_value(url)

    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(value)

    errors = refused.value.block_errors["url"]
    messages = errors.messages if hasattr(errors, "messages") else [str(errors)]
    # a scheme the URL field itself refuses gets Django's message; every other address ours
    assert VIDEO_URL_REFUSED in messages or url.startswith(("javascript:", "data:"))


def test_the_article_body_refuses_the_video_on_save() -> None:
    # the stream block (the editor's form) runs the video block's check
    stream = ArticleStreamBlock()
    value = stream.to_python([{"type": "video", "value": {"url": REFUSED[0], "caption": ""}}])

    with pytest.raises(StreamBlockValidationError) as refused:
        stream.clean(value)

    assert VIDEO_URL_REFUSED in str(refused.value.as_json_data())


def _article(body) -> ArticlePage:
    return draft(hub(), ArticlePage(title="睡眠卫生", slug="sleep", layer="science", body=body))


def test_a_stored_video_outside_the_list_is_not_framed_and_the_page_passes() -> None:
    # given a video block whose address was stored without the form (an import, old data)
    body = [
        {"type": "paragraph", "value": rich("规律作息很重要。")},
        {"type": "video", "value": {"url": "https://shop.example.cn/qr.html", "caption": "x"}},
        {"type": "video", "value": {"url": PLAYERS[3], "caption": "放松"}},
    ]
    page = _article(body)

    # when the page is served
    html = rendered_html(page)

    # then only the allowed player is framed, and the gate finds nothing to block
    assert "shop.example.cn" not in html
    assert html.count("<iframe") == 1
    assert PLAYERS[3].replace("&", "&amp;") in html
    assert [f for f in check_page(page).findings if f.blocking] == []


@pytest.mark.parametrize("url", REFUSED)
def test_any_frame_outside_the_list_in_raw_html_blocks_publication(url) -> None:
    # given raw HTML in rich text (an import through the API) framing another address
    src = url.replace('"', "&quot;")
    body = [{"type": "paragraph", "value": f'<p>视频：</p><iframe src="{src}"></iframe>'}]
    page = _article(body)

    # when the gate checks the served page
    report = check_page(page)

    # then the frame is a blocking finding and the page does not go live
    frames = [f for f in report.findings if f.field in ("rendered.embeds", "rendered.frames")]
    assert len(frames) == 1, [(f.field, f.text) for f in report.findings]
    assert frames[0].blocking
    with pytest.raises(CompliancePublishBlocked):
        page.save_revision().publish()
    page.refresh_from_db()
    assert page.live is False


@pytest.mark.parametrize(
    "snippet",
    [
        '<embed src="https://shop.example.cn/qr.swf">',
        '<object data="https://shop.example.cn/qr.html"></object>',
        '<object><param name="movie" value="https://evil.cn/qr.swf"></object>',
        '<iframe srcdoc="&lt;img src=/media/images/wecom-code.png&gt;"></iframe>',
        '<iframe src="//evil.cn/txp/iframe/player.html"></iframe>',
        '<iframe src=" https://v.qq.com.evil.cn/txp/iframe/player.html"></iframe>',
    ],
    ids=["embed", "object", "object-param", "srcdoc", "protocol-relative", "spaced"],
)
def test_every_embedding_element_is_held_to_the_list(snippet) -> None:
    page = _article([{"type": "paragraph", "value": f"<p>看看</p>{snippet}"}])

    report = check_page(page)

    assert [f.field for f in report.findings if f.blocking] == ["rendered.embeds"]


@pytest.mark.parametrize("url", PLAYERS)
def test_an_allowed_player_in_raw_html_is_no_finding(url) -> None:
    src = url.replace("&", "&amp;")
    page = _article([{"type": "paragraph", "value": f'<p>视频</p><iframe src="{src}"></iframe>'}])

    assert [f for f in check_page(page).findings if f.blocking] == []


# --- our own files by path (review of issue 17, round 2, L3) --------------------------------

# The paths the help text names, and their siblings: a media file, a Wagtail document (served
# under /documents/<id>/<name>), a static file, spelled with spaces around or a query.
OWN_PATHS = [
    "/media/x.mp4",
    "/documents/1/demo-video.mp4",
    "/media/videos/2026/sleep.mp4",
    # a static path must name a file the code ships (fifteenth verification L1)
    "/static/img/share-default.png",
    " /media/x.mp4 ",
    "/media/x.mp4?v=2",
]
# Own pages and paths that only look like files: still refused.
OWN_PAGES = [
    "/hair-loss/some-article/",
    "/lp/hair-loss/",
    "/media/../lp/hair-loss/",
    "/%6Dedia/../lp/hair-loss/",
    "media/x.mp4",  # relative to the article's own URL: not a file of ours
    "/",
]


@pytest.mark.parametrize("url", OWN_PATHS)
def test_the_video_block_accepts_our_files_by_path(url) -> None:
    # given the editor's body with a video block naming our file by its path
    stream = ArticleStreamBlock()
    value = stream.to_python([{"type": "video", "value": {"url": url, "caption": "睡前放松"}}])

    # when the form's stream block cleans it: accepted, kept relative (no host baked in)
    cleaned = stream.clean(value)
    assert cleaned[0].value["url"] == url.strip()

    # and the published page plays it in <video> with that path (the file uploaded first:
    # a path of ours with no file is refused)
    url = own_video(url)
    page = _article([{"type": "video", "value": {"url": url.strip(), "caption": "睡前放松"}}])
    page.save_revision().publish()
    page.refresh_from_db()
    assert page.live is True
    html = rendered_html(page)
    assert f'<video controls preload="none" playsinline src="{url.strip()}"' in html


@pytest.mark.parametrize("url", OWN_PAGES)
def test_the_video_block_still_refuses_our_pages_by_path(url) -> None:
    block, value = _block_value(url)

    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(value)

    assert VIDEO_URL_REFUSED in refused.value.block_errors["url"].messages


# --- our own files exactly as served (a video address read case-insensitively) ---------------

# Paths that only normalise (fold case, decode, resolve dots, collapse slashes) into a file
# prefix: the server does not serve our file there (URL paths are case-sensitive, MEDIA_URL is
# `/media/`), or serves something else (a page, the admin, the document password form).
NOT_OUR_FILES = [
    "/MEDIA/x.mp4",
    "/Media/videos/sleep.mp4",
    "https://localhost/MEDIA/x.mp4",
    "/DOCUMENTS/1/demo-video.mp4",
    "/Static/video/intro.webm",
    "/media/../admin/",
    "/media/../admin/x.mp4",
    "/media//evil.example/x.mp4",
    "/media/./x.mp4",
    "/media/%2e%2e/admin/x.mp4",
    "/media/.%2E/lp/hair-loss/x.mp4",
    "/media/%252e%252e/admin/x.mp4",
    "/media/%2fevil.example/x.mp4",
    "/media\\x.mp4",
    "/media/%5c..%5cadmin/x.mp4",
    "/media/x.mp4%00.html",
    "/media/",
    "/documents/authenticate_with_password/1/",
    "/documents/1/",
]


@pytest.mark.parametrize("url", NOT_OUR_FILES)
def test_an_own_file_is_accepted_only_as_the_site_serves_it(url) -> None:
    block, value = _block_value(url)

    with pytest.raises(StructBlockValidationError) as refused:
        block.clean(value)

    assert VIDEO_URL_REFUSED in refused.value.block_errors["url"].messages
    assert video_player(url) == ""


@pytest.mark.parametrize(
    "url",
    [
        # the file itself: our file servers read no query (a cache-buster, or any other)
        "/media/x.mp4?redirect=https://evil.example/",
        # a name in Chinese, as a browser sends it
        "/media/videos/%E7%9D%A1%E7%9C%A0.mp4",
        "/documents/12/%E7%9D%A1%E7%9C%A0.mp4",
        "https://LOCALHOST/media/x.mp4",  # a host name is case-insensitive, a path is not
        "/%6Dedia/x.mp4",  # an encoded letter: the server decodes it to /media/x.mp4
    ],
)
def test_an_own_file_as_served_is_still_accepted(url) -> None:
    block, value = _block_value(url)

    assert block.clean(value)["url"] == url
    assert video_player(url) == "own"


def test_the_media_prefix_is_the_configured_one(settings) -> None:
    # given a site serving its uploads under another MEDIA_URL
    settings.MEDIA_URL = "/uploads/"

    # then that path is an own file and the old one is not
    assert video_player("/uploads/videos/sleep.mp4") == "own"
    assert video_player("/media/videos/sleep.mp4") == ""


@pytest.mark.parametrize("url", ["/MEDIA/../insomnia/guide/", "/media/../insomnia/guide/"])
def test_a_page_of_ours_behind_a_file_prefix_is_reported_when_framed(url) -> None:
    # given raw HTML jumping to a page of ours through a path that only looks like a file
    body = [{"type": "paragraph", "value": f'<p>图</p><map><area href="{url}" alt="区"></map>'}]
    page = _article(body)

    report = check_page(page)

    frames = [f for f in report.findings if f.field == "rendered.frames"]
    assert len(frames) == 1, [(f.field, f.text) for f in report.findings]
    assert frames[0].blocking
