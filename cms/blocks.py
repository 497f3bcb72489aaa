"""StreamField blocks shared by the content pages (one module, as bakerydemo keeps them)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock

RICH_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "blockquote"]


class FAQItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label="问题", max_length=200)
    answer = blocks.RichTextBlock(label="回答", features=["bold", "italic", "ol", "ul", "link"])


class FAQBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="标题", default="常见问题", max_length=100)
    items = blocks.ListBlock(FAQItemBlock(), label="问答")

    class Meta:
        icon = "help"
        label = "常见问题"
        template = "cms/blocks/faq.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("tip", "小贴士"), ("note", "提示"), ("warning", "就医提醒")],
        default="tip",
        label="类型",
    )
    text = blocks.TextBlock(label="内容", max_length=500)

    class Meta:
        icon = "warning"
        label = "提示框"
        template = "cms/blocks/callout.html"


VIDEO_URL_REFUSED = (
    "只能嵌入本站上传的视频文件（/media/、/documents/；本站静态文件 /static/）"
    "或以下平台的播放器地址（https）："
    "腾讯视频 v.qq.com/txp/iframe/player.html、哔哩哔哩 player.bilibili.com/player.html、"
    "优酷 player.youku.com/embed/、西瓜视频 www.ixigua.com/iframe/、"
    "抖音 open.douyin.com/player/video；其他网页不能嵌入科普内容"
)
VIDEO_FILE_MISSING = (
    "本站没有这个静态文件：/static/ 下只有随程序发布的文件；"
    "视频请在「文档」中上传后填写它的地址（如 /documents/1/demo-video.mp4）"
)


class VideoAddressBlock(blocks.CharBlock):
    """A video's address as typed: a path of this site (`/media/…`, `/documents/<id>/<name>`,
    served on whatever host the page is read on) or an absolute URL. Not Wagtail's URLBlock,
    whose URLField refuses a relative path, so our own files only passed with the host baked
    in (review of issue 17, round 2, L3). What it may point at is `VideoEmbedBlock.clean`'s
    (`cms.links.video_player`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def clean(self, value):
        return super().clean(_clean_address(value))


def _clean_address(value: str) -> str:
    return (value or "").strip()


class VideoEmbedBlock(blocks.StructBlock):
    """A video in an article: a file of ours played in `<video>`, or an allowed platform's
    player framed (`cms.links.VIDEO_PLAYERS`). Any other address is refused on save and never
    framed: a framed page could show a QR code or a shop inside a 科普 article (《广告法》第十九条;
    review of issue 17, round 2, H3)."""

    url = VideoAddressBlock(
        label="视频地址（mp4 或平台播放页）",
        help_text="本站文件填路径即可，如 /media/videos/sleep.mp4、/documents/1/demo-video.mp4；"
        "平台视频填播放器地址（https）",
    )
    caption = blocks.CharBlock(label="说明", required=False, max_length=200)

    class Meta:
        icon = "media"
        label = "视频"
        template = "cms/blocks/video.html"

    def clean(self, value):
        from cms.links import video_player

        value = super().clean(value)
        from cms.links import static_file_missing

        if not video_player(value.get("url") or ""):
            raise StructBlockValidationError(
                block_errors={"url": ValidationError(VIDEO_URL_REFUSED)}
            )
        if static_file_missing(value.get("url") or ""):
            raise StructBlockValidationError(
                block_errors={"url": ValidationError(VIDEO_FILE_MISSING)}
            )
        return value

    def get_context(self, value, parent_context=None):
        """`player`: "own" (play the file), "player" (frame it) or "" (show nothing): the
        template decides from the allow-list, whatever reached the stored value."""
        from cms.links import video_player

        context = super().get_context(value, parent_context=parent_context)
        context["player"] = video_player(value.get("url") or "")
        return context


class DoctorCardBlock(blocks.StructBlock):
    doctor = blocks.PageChooserBlock(page_type="cms.DoctorPage", label="医生")

    class Meta:
        icon = "user"
        label = "医生卡片"
        template = "cms/blocks/doctor_card.html"


class PackageCTABlock(blocks.StructBlock):
    package = SnippetChooserBlock("funnel.ServicePackage", label="服务包")
    text = blocks.CharBlock(label="按钮文字", default="了解服务包", max_length=30)

    class Meta:
        icon = "tag"
        label = "服务包入口"
        template = "cms/blocks/package_cta.html"


class ArticleStreamBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(label="正文", features=RICH_FEATURES)
    image = ImageBlock(label="图片")
    video = VideoEmbedBlock()
    faq = FAQBlock()
    callout = CalloutBlock()
    doctor_card = DoctorCardBlock()
    package_cta = PackageCTABlock()
