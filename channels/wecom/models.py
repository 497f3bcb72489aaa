"""WeCom (企业微信) private domain: the connected company and the customer contacts its members
hold (WECOM_FACTS.md). Loaded with `channels.models` (the channels app owns these tables).

Raw callbacks are the funnel's intake records (`InboundLead`, channel `wecom`), stored before
anything else happens; these rows are what processing them decided."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Coalesce, Lower

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
        constraints = [
            # One company, one account: two would import its members' behaviour twice
            # (the assistant board would sum it) and answer its callbacks twice.
            models.UniqueConstraint(
                Lower("corp_id"),
                condition=models.Q(is_active=True),
                name="wecomaccount_active_corp_unique",
                violation_error_message="该企业 ID 已由另一个启用的账户连接（一个企业只连接一次）",
            )
        ]

    def __str__(self) -> str:
        return f"企业微信 · {self.name}"


class WecomContact(models.Model):
    """A customer contact (外部联系人) held by one member: who added whom, when, and the lead it
    belongs to. `lead` empty: an add whose state named no lead (未匹配), listed in the admin for
    staff to bind. The external userid identifies a person: encrypted, found by its keyed hash.

    Callbacks may arrive out of order: `last_event_at` is the CreateTime of the newest add or
    delete applied to `status`, and an older one never overrides it (an older add still fills
    in `added_at` and the lead). A delete for a contact we have not seen yet makes the row
    (no `added_at`), so the add arriving after it cannot bring the contact back."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        ADDED = "added", "已添加"
        # add_half_external_contact: the patient added the member, who has not accepted yet
        PENDING = "pending", "待通过"
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
    # The full add (add_external_contact): what 已加微 and time-to-add count. A half add
    # (add_half_external_contact: the patient asked, the member has not accepted) is a request,
    # not an add: it keeps its own time and never sets this one.
    added_at = models.DateTimeField("添加时间", null=True, blank=True)
    half_added_at = models.DateTimeField("申请添加时间（待通过）", null=True, blank=True)
    deleted_at = models.DateTimeField("删除时间", null=True, blank=True)
    last_event_at = models.DateTimeField("最近状态事件时间", null=True, blank=True)
    edited_at = models.DateTimeField("最近编辑时间", null=True, blank=True)
    # When we wrote an add of this contact (our clock): set only by the add handlers (an add, a
    # half add, an add again after a deletion), never by an edit, a deletion, a transfer or
    # staff binding it, which bump `updated_at` too. A temporary code is spent by an add
    # written after it was made (`contactways._spent`), not by those rewrites.
    add_recorded_at = models.DateTimeField("添加记录时间", null=True, blank=True, editable=False)
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
    # False: made for a public submission that matched a known phone; its adds are never
    # bound by themselves (the submitter only typed a phone number).
    verified = models.BooleanField("可自动绑定", default=True)
    # An unverified code is made per submission (its thank-you token's nonce): one kept per
    # lead would tell a visitor submitting twice that the phone was known (the same code).
    submission = models.CharField("留资批次", max_length=32, blank=True, default="")
    # What the submission itself chose (the page's specialty and the consent text it showed):
    # an unmatched add through this code is welcomed with these, never with the lead's.
    specialty = models.ForeignKey(
        "funnel.Specialty",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="留资专科",
    )
    consent_version = models.CharField("留资授权文本版本", max_length=40, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "企业微信联系我"
        verbose_name_plural = "企业微信联系我"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "lead", "member_userid", "verified", "submission"],
                name="wecomcontactway_unique",
            )
        ]

    def __str__(self) -> str:
        return f"联系我 {self.member_userid} · 线索 #{self.lead_id}"


class WecomWelcomeTemplate(models.Model):
    """欢迎语模板: the text a patient receives when they add their assistant (WECOM_FACTS.md,
    "Welcome message"). One per specialty; the row without a specialty (默认) serves leads
    whose specialty has none. The consent notice and the care-plan link are added by the
    sender (`channels.wecom.welcome`), so no template can leave them out. Checked against the
    medical-ad rules on save and again, with what is added, before each send."""

    wagtail_reference_index_ignore = True

    specialty = models.ForeignKey(
        "funnel.Specialty",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="wecom_welcome_templates",
        verbose_name="专科",
        help_text="留空：默认模板（用于没有专属模板的专科）",
    )
    text = models.TextField(
        "欢迎语正文",
        max_length=1000,
        help_text="发送时自动附上个人信息告知与护理计划链接（如有）；保存前做医疗广告合规检查",
    )
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "企业微信欢迎语模板"
        verbose_name_plural = "企业微信欢迎语模板"
        ordering = ["specialty_id", "pk"]
        constraints = [
            # One per specialty, and one default (NULL reads as 0: never a specialty's id).
            models.UniqueConstraint(
                Coalesce("specialty", models.Value(0)),
                name="wecomwelcometemplate_one_per_specialty",
                violation_error_message="该专科（或默认）已有欢迎语模板",
            )
        ]

    def __str__(self) -> str:
        return f"欢迎语 · {self.specialty or '默认'}"


class WecomWelcome(models.Model):
    """One welcome message for one add event (`send_welcome_msg` with its WelcomeCode): what
    was decided and what WeCom answered. Unique per (account, code): a replayed or re-processed
    add finds the row and sends nothing again. `text` is what went out with the care-plan link
    replaced by a marker (the link opens the patient's plan: never kept here); the welcome
    code itself is kept only as a keyed digest."""

    wagtail_reference_index_ignore = True

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"  # WeCom refused or could not be reached
        NOT_SENT = "not_sent", "未发送"  # our decision; `reason` says why

    account = models.ForeignKey(WecomAccount, on_delete=models.PROTECT, related_name="welcomes")
    # None: an add that bound no lead (未匹配): it gets the plain welcome of the code's
    # submission (template and consent notice, nothing of any lead; issue 13 point 1).
    lead = models.ForeignKey(
        "funnel.Lead",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="wecom_welcomes",
        verbose_name="线索",
    )
    specialty = models.ForeignKey(
        "funnel.Specialty",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="专科（未匹配时）",
    )
    consent_version = models.CharField(
        "授权文本版本（未匹配时）", max_length=40, blank=True, default=""
    )
    contact = models.ForeignKey(
        WecomContact,
        null=True,
        on_delete=models.SET_NULL,
        related_name="welcomes",
        verbose_name="企业微信客户",
    )
    member_userid = models.CharField("成员 userid", max_length=64)
    code_key = models.CharField("欢迎语 code 指纹", max_length=64, editable=False)
    event_at = models.DateTimeField("添加事件时间")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField("原因", max_length=40, blank=True, default="")
    detail = models.TextField("说明", blank=True, default="")
    text = models.TextField("发送内容", blank=True, default="")
    inbound_id = models.PositiveBigIntegerField("回调记录", null=True, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "企业微信欢迎语记录"
        verbose_name_plural = "企业微信欢迎语记录"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "code_key"], name="wecomwelcome_one_per_code"
            )
        ]

    def __str__(self) -> str:
        return f"欢迎语 · 线索 #{self.lead_id} · {self.get_status_display()}"


class WecomGroupWay(models.Model):
    """The WeCom group join code (加入群聊 活码) of one private group / camp
    (`externalcontact/groupchat/add_join_way`, scene 2 = QR, `state` naming the group;
    WECOM_FACTS.md "Customer groups and group join ways"). Made once per (account, group) and
    kept: a lost `config_id` cannot be listed back. `chat_ids` are the chats the code opened
    with; WeCom opens more (`auto_create_room`) when one is full, and members who join through
    any of them carry the code's `state`. The state names a group, not a person."""

    wagtail_reference_index_ignore = True

    account = models.ForeignKey(WecomAccount, on_delete=models.PROTECT, related_name="group_ways")
    group = models.ForeignKey(
        "funnel.PrivateGroup",
        on_delete=models.CASCADE,
        related_name="wecom_ways",
        verbose_name="社群",
    )
    config_id = models.CharField("入群方式 config_id", max_length=64)
    qr_code = models.URLField("群二维码图片", max_length=500)
    state = models.CharField("渠道参数 state", max_length=30)
    chat_ids = models.JSONField("群 ID", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "企业微信群活码"
        verbose_name_plural = "企业微信群活码"
        constraints = [
            models.UniqueConstraint(fields=["account", "group"], name="wecomgroupway_unique")
        ]

    def __str__(self) -> str:
        return f"群活码 · {self.group_id}"


class WecomChatMember(models.Model):
    """One stay of an external contact (a customer) in a WeCom customer group, as we learn it
    from `change_external_chat` events and `groupchat/get` (WECOM_FACTS.md). `lead` is the
    person's lead when one of our members holds them as a contact (`WecomContact`, by the
    external userid's keyed fingerprint); `group` the private group whose join code they used
    (`state`). `outcome`: what joining did to the group's membership (see `OUTCOMES`).

    At most one open stay per (account, chat, person): a replayed add finds it and does nothing.
    The external userid identifies a person: encrypted, found by its keyed hash, wiped on
    withdrawal (`channels.services.privacy`)."""

    wagtail_reference_index_ignore = True

    class Outcome(models.TextChoices):
        JOINED = "joined", "已入群"
        ALREADY_MEMBER = "already_member", "已是成员"
        OVER_CAPACITY = "group_full", "超出容量"
        CLOSED = "group_closed", "已结营"
        NO_LEAD = "no_lead", "未匹配线索"
        NOT_OURS = "not_ours", "非本群活码"

    account = models.ForeignKey(WecomAccount, on_delete=models.PROTECT, related_name="chat_members")
    chat_id = models.CharField("群 ID", max_length=64)
    group = models.ForeignKey(
        "funnel.PrivateGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wecom_members",
        verbose_name="社群",
    )
    lead = models.ForeignKey(
        "funnel.Lead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wecom_chat_stays",
        verbose_name="线索",
    )
    external_userid = EncryptedTextField("外部联系人 ID")
    external_key = models.CharField("外部联系人指纹", max_length=64, editable=False)
    state = models.CharField("渠道参数 state", max_length=30, blank=True, default="")
    outcome = models.CharField("入群结果", max_length=20, choices=Outcome.choices)
    joined_at = models.DateTimeField("入群时间")
    left_at = models.DateTimeField("退群时间", null=True, blank=True)
    inbound_id = models.PositiveBigIntegerField("回调记录", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "企业微信群成员"
        verbose_name_plural = "企业微信群成员"
        ordering = ["-joined_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "chat_id", "external_key"],
                condition=models.Q(left_at__isnull=True),
                name="wecomchatmember_one_open",
            )
        ]
        indexes = [models.Index(fields=["external_key"], name="wecomchatmember_ext_idx")]

    def __str__(self) -> str:
        return f"群 {self.chat_id} · 客户 {self.external_key[:8]}"


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
        # Reassigned again while an earlier transfer of the customer was under way (WeCom
        # allows one at a time): called when that one ends, from whoever holds the customer.
        QUEUED = "queued", "等待上一次转接结束"
        SUPERSEDED = "superseded", "已被后续改派取代"  # a later reassignment queued after it

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
    waits_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="queued_after",
        verbose_name="等待的转接",
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
