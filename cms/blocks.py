"""StreamField blocks shared by the content pages (one module, as bakerydemo keeps them)."""

from __future__ import annotations

from wagtail import blocks
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


class VideoEmbedBlock(blocks.StructBlock):
    url = blocks.URLBlock(label="视频地址（mp4 或平台播放页）")
    caption = blocks.CharBlock(label="说明", required=False, max_length=200)

    class Meta:
        icon = "media"
        label = "视频"
        template = "cms/blocks/video.html"


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
