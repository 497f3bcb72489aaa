"""WeCom (企业微信) private domain: the connected company and the customer contacts its members
hold (WECOM_FACTS.md). Loaded with `channels.models` (the channels app owns these tables).

Raw callbacks are the funnel's intake records (`InboundLead`, channel `wecom`), stored before
anything else happens; these rows are what processing them decided."""

from __future__ import annotations

from django.db import models

from funnel.crypto import EncryptedTextField

OFFICIAL_BASE_URL = "https://qyapi.weixin.qq.com"
# Where a company's secret and access tokens may go (channels.base.api_url_problem).
WECOM_API_DOMAINS = ("qyapi.weixin.qq.com",)


class WecomAccount(models.Model):
    """One WeCom company (customer contact). The secret, the callback token and the
    EncodingAESKey are encrypted at rest and never shown (WECOM_FACTS.md, "Access" and
    "Callback encryption")."""

    wagtail_reference_index_ignore = True

    name = models.SlugField("账户名", max_length=80, unique=True, allow_unicode=True)
    corp_id = models.CharField("企业 ID（CorpID）", max_length=64)
    secret = EncryptedTextField("客户联系 / 应用 Secret", blank=True, default="")
    agent_id = models.CharField("应用 AgentId", max_length=32, blank=True, default="")
    token = EncryptedTextField("回调 Token", blank=True, default="")
    aes_key = EncryptedTextField("回调 EncodingAESKey", blank=True, default="")
    api_base_url = models.URLField("API 地址", default=OFFICIAL_BASE_URL)
    settings = models.JSONField("其他配置", default=dict, blank=True)  # non-secret knobs
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "企业微信账户"
        verbose_name_plural = "企业微信账户"

    def __str__(self) -> str:
        return f"企业微信 · {self.name}"


class WecomContact(models.Model):
    """A customer contact (外部联系人) held by one member: who added whom, when, and the lead it
    belongs to. `lead` empty: an add whose state named no lead (未匹配), listed in the admin for
    staff to bind. The external userid identifies a person: encrypted, found by its keyed hash."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        ADDED = "added", "已添加"
        DELETED_BY_CUSTOMER = "deleted_by_customer", "客户已删除医助"
        REMOVED_BY_MEMBER = "removed_by_member", "医助已删除客户"
        # 在职继承 done (`transfer_result` status 1): the customer is now another member's.
        TRANSFERRED = "transferred", "已转接给其他医助"

    account = models.ForeignKey(WecomAccount, on_delete=models.PROTECT, related_name="contacts")
    lead = models.ForeignKey(
        "funnel.Lead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wecom_contacts",
        verbose_name="线索",
    )
    member_userid = models.CharField("成员 userid", max_length=64)
    external_userid = EncryptedTextField("外部联系人 ID")
    external_key = models.CharField("外部联系人指纹", max_length=64, editable=False)
    state = models.CharField("渠道参数 state", max_length=80, blank=True, default="")
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.ADDED)
    added_at = models.DateTimeField("添加时间")
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True)
    inbound_id = models.PositiveBigIntegerField("回调记录", null=True, blank=True)
    bound_by = models.CharField("绑定人", max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "企业微信客户"
        verbose_name_plural = "企业微信客户"
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "member_userid", "external_key"], name="wecomcontact_unique"
            )
        ]
        indexes = [models.Index(fields=["external_key"], name="wecomcontact_ext_idx")]

    def __str__(self) -> str:
        return f"{self.member_userid} ↔ 客户 {self.external_key[:8]}"


class WecomContactWay(models.Model):
    """A 联系我 code made for one lead and one member (`externalcontact/add_contact_way`, scene
    2 = QR, `state` naming the lead; WECOM_FACTS.md "联系我"). Made once per (account, lead,
    member) and shown again on every page that offers that contact: a lost `config_id` cannot
    be listed back from WeCom, so it is kept here. Deleted with the lead's personal data (its
    state names the lead)."""

    wagtail_reference_index_ignore = True

    account = models.ForeignKey(WecomAccount, on_delete=models.PROTECT, related_name="ways")
    lead = models.ForeignKey(
        "funnel.Lead", on_delete=models.CASCADE, related_name="wecom_ways", verbose_name="线索"
    )
    member_userid = models.CharField("成员 userid", max_length=64)
    config_id = models.CharField("联系方式 config_id", max_length=64)
    qr_code = models.URLField("二维码图片", max_length=500)
    state = models.CharField("渠道参数 state", max_length=30)
    is_temp = models.BooleanField("临时会话", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "企业微信联系我"
        verbose_name_plural = "企业微信联系我"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "lead", "member_userid"], name="wecomcontactway_unique"
            )
        ]

    def __str__(self) -> str:
        return f"联系我 {self.member_userid} · 线索 #{self.lead_id}"


class WecomTagMark(models.Model):
    """One `externalcontact/mark_tag` we made (or decided not to make) on one contact for one
    stage event (issue 16 point 5). API changes raise no callback (WECOM_FACTS.md "Callback
    events"), so this log is how staff see which stage tag WeCom holds: the newest `done` row
    of a contact. One row per (event, contact): a replayed outbox delivery finds its row and
    marks nothing twice. No personal data: ids of the tags and of the member, and WeCom's
    error code."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        PENDING = "pending", "待标记"
        SENDING = "sending", "标记中"
        DONE = "done", "已标记"
        ERROR = "error", "失败，重试中"  # the outbox tries the delivery again
        FAILED = "failed", "失败，不再重试"  # the relationship is gone (errcode 84061 …)
        SUPERSEDED = "superseded", "已被后续阶段取代"  # a later stage was marked first

    account = models.ForeignKey(WecomAccount, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        WecomContact,
        on_delete=models.CASCADE,
        related_name="tag_marks",
        verbose_name="企业微信客户",
    )
    lead = models.ForeignKey(
        "funnel.Lead", on_delete=models.CASCADE, related_name="+", verbose_name="线索"
    )
    event = models.ForeignKey(
        "funnel.LeadEvent", on_delete=models.CASCADE, related_name="+", verbose_name="阶段事件"
    )
    event_at = models.DateTimeField("阶段变更时间")  # decides order, not arrival
    member_userid = models.CharField("成员 userid", max_length=64)
    stage = models.CharField("阶段", max_length=20)
    add_tags = models.JSONField("添加的标签", default=list, blank=True)
    remove_tags = models.JSONField("移除的标签", default=list, blank=True)
    status = models.CharField(
        "结果", max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    tries = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_answer = models.CharField("企业微信应答", max_length=200, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    marked_at = models.DateTimeField("标记时间", null=True, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业微信阶段标签"
        verbose_name_plural = "企业微信阶段标签"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "contact"], name="wecomtagmark_unique")
        ]
        indexes = [models.Index(fields=["contact", "status"], name="wecomtagmark_contact_idx")]

    def __str__(self) -> str:
        return f"{self.member_userid} · {self.stage} · {self.get_status_display()}"


class WecomTransfer(models.Model):
    """One reassignment's `externalcontact/transfer_customer` (在职继承) of one contact, and
    what became of it (`transfer_result`, the `transfer_fail` callback), issue 16 point 8.
    WeCom allows a customer at most two transfers in 90 days (WECOM_FACTS.md "Reassigning
    customers"): these rows are what we count before calling. One row per (reassignment
    event, contact): a replayed delivery transfers once."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        PENDING = "pending", "待转接"
        SENDING = "sending", "转接中"
        ERROR = "error", "调用失败，重试中"  # the outbox tries the delivery again
        WAITING = "waiting", "等待接替"  # WeCom accepted; the new member takes over in 24 h
        DONE = "done", "接替完毕"
        REFUSED = "refused", "客户拒绝"
        TAKEOVER_LIMIT = "takeover_limit", "接替医助客户已达上限"
        LIMIT_REACHED = "limit_reached", "90 天内已转接 2 次，未调用"
        FAILED = "failed", "企业微信拒绝"
        SKIPPED = "skipped", "无需转接"

    # WeCom accepted these: they count towards its 2-in-90-days limit.
    COUNTED = (Status.WAITING, Status.DONE, Status.REFUSED, Status.TAKEOVER_LIMIT)
    OPEN = (Status.PENDING, Status.SENDING, Status.ERROR)

    account = models.ForeignKey(WecomAccount, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(
        WecomContact,
        on_delete=models.CASCADE,
        related_name="transfers",
        verbose_name="企业微信客户",
    )
    lead = models.ForeignKey(
        "funnel.Lead", on_delete=models.CASCADE, related_name="+", verbose_name="线索"
    )
    event = models.ForeignKey(
        "funnel.LeadEvent", on_delete=models.CASCADE, related_name="+", verbose_name="改派事件"
    )
    handover_userid = models.CharField("原医助 userid", max_length=64)
    takeover_userid = models.CharField("接替医助 userid", max_length=64, blank=True, default="")
    status = models.CharField(
        "结果", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    tries = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_answer = models.CharField("企业微信应答", max_length=200, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    requested_at = models.DateTimeField("企业微信受理时间", null=True, blank=True)
    next_check_at = models.DateTimeField("下次查询结果", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业微信客户转接"
        verbose_name_plural = "企业微信客户转接"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "contact"], name="wecomtransfer_unique")
        ]
        indexes = [models.Index(fields=["status", "next_check_at"], name="wecomtransfer_check_idx")]

    def __str__(self) -> str:
        return f"{self.handover_userid} → {self.takeover_userid} · {self.get_status_display()}"
