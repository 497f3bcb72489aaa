"""Channel drafts generated from an article: one per article and channel, editable."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from cms import drafts


class ChannelDraft(models.Model):
    class Kind(models.TextChoices):
        XIAOHONGSHU = "xiaohongshu", "小红书笔记"
        DOUYIN = "douyin", "抖音口播脚本"
        BAIDU = "baidu", "百度搜索摘要"

    article = models.ForeignKey(
        "cms.ArticlePage",
        on_delete=models.CASCADE,
        related_name="channel_drafts",
        verbose_name="源文章",
    )
    kind = models.CharField("渠道", max_length=12, choices=Kind.choices)
    title = models.CharField("标题", max_length=60)
    body = models.TextField("正文 / 脚本 / 描述")
    hashtags = models.CharField(
        "话题标签", max_length=300, blank=True, default="", help_text="以空格分隔，不含 #"
    )
    compliance = models.JSONField("合规检查结果", default=list, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "渠道稿"
        verbose_name_plural = "渠道稿"
        ordering = ["article_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["article", "kind"], name="channel_draft_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    def hashtag_list(self) -> list[str]:
        return [tag.lstrip("#＃") for tag in self.hashtags.split() if tag.lstrip("#＃")]

    def copy_text(self) -> str:
        """What the editor pastes into the platform."""
        if self.kind == self.Kind.XIAOHONGSHU:
            tags = " ".join(f"#{t}" for t in self.hashtag_list())
            return f"{self.title}\n\n{self.body}\n\n{tags}".strip()
        if self.kind == self.Kind.BAIDU:
            return f"{self.title}\n{self.body}"
        return self.body

    def blocking_count(self) -> int:
        return sum(1 for f in self.compliance if f.get("severity") == "block")

    blocking_count.short_description = "禁止项"

    def read_seconds(self) -> float:
        return drafts.read_seconds(self.body)

    def clean(self) -> None:
        """Each channel's limits hold for hand edits too."""
        errors: dict[str, str] = {}
        if self.kind == self.Kind.XIAOHONGSHU:
            if len(self.title) > drafts.XHS_TITLE_MAX:
                errors["title"] = f"小红书标题不超过 {drafts.XHS_TITLE_MAX} 字"
            posted = len(self.body) + 2 + len(" ".join(f"#{t}" for t in self.hashtag_list()))
            if posted > drafts.XHS_BODY_MAX:
                errors["body"] = f"正文连同话题不超过 {drafts.XHS_BODY_MAX} 字（现 {posted} 字）"
            count = len(self.hashtag_list())
            if not drafts.XHS_TAGS_MIN <= count <= drafts.XHS_TAGS_MAX:
                errors["hashtags"] = (
                    f"话题 {drafts.XHS_TAGS_MIN}–{drafts.XHS_TAGS_MAX} 个（现 {count} 个）"
                )
        elif self.kind == self.Kind.DOUYIN:
            spoken = drafts.spoken_length(self.body)
            if spoken > drafts.DOUYIN_SPOKEN_MAX:
                errors["body"] = (
                    f"口播不超过 {drafts.DOUYIN_SECONDS_MAX} 秒：按每秒 "
                    f"{drafts.DOUYIN_CHARS_PER_SECOND} 字最多 {drafts.DOUYIN_SPOKEN_MAX} 字"
                    f"（现 {spoken} 字）"
                )
        elif self.kind == self.Kind.BAIDU:
            if len(self.title) > drafts.BAIDU_TITLE_MAX:
                errors["title"] = f"百度标题不超过 {drafts.BAIDU_TITLE_MAX} 字"
            if len(self.body) > drafts.BAIDU_DESCRIPTION_MAX:
                errors["body"] = f"百度描述不超过 {drafts.BAIDU_DESCRIPTION_MAX} 字"
        if errors:
            raise ValidationError(errors)
