"""The medical-ad publish gate for funnel objects that are ads (a service package: a priced
medical service, 《医疗广告管理办法》第三条、第八条).

The gate and its checker belong to the content app (`cms.compliance.gate`); the funnel holds
only this hook, the way it holds the public-text checker (`funnel.public_text`): cms registers
its gate here in its `AppConfig.ready()`. Nothing registered means nothing may be published:
`ad_publish_check` fails closed.

The same hook tells which live medical ads show a specialty's name (`specialty_rename_refused`):
a certified ad that reads 「有脱发困扰？」 may not come to read another name without a reviewer,
so a specialty is not renamed under it. Nothing registered: no rename (fails closed too)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from wagtail.locks import ScheduledForPublishLock

# (object about to go live — the revision's content —, publishing user or None, the revision
# or None) → None, or raises PermissionDenied with a zh-hans message when the gate refuses it;
# the gate may write the current review record onto the revision before it goes live.
PublishCheck = Callable[[object, object, object], None]

NO_GATE = "医疗广告审查未启用，服务包不能发布"
NO_GATE_RENAME = "医疗广告审查未启用，已有专科不能改名"

# (specialty id) → labels of the medical ads showing that specialty's name, e.g.
# ["转化文章“脱发评估与方案”", "服务包“脱发管理月度包”"]; [] when none does.
AdsShowingSpecialty = Callable[[int], list[str]]

SPECIALTY_NAMED_BY_ADS = (
    "以下医疗广告展示该专科名称：{ads}。改名后它们展示的内容与医疗广告审查证明不符，不能改名。"
    "请保留原名；如确需改名，请先下线这些广告，改名后再由审查人员重新审查"
)


@dataclass(frozen=True)
class AdGate:
    publish_check: PublishCheck
    # the admin form base class of an ad object's editor (certificate fields, the check)
    form_class: type
    ads_showing_specialty: AdsShowingSpecialty | None = None
    # (user) → True when the user may edit an ad while a version of it is scheduled: the
    # reviewer, to withdraw its certificate (the scheduled version would go live on it)
    edits_while_scheduled: Callable[[object], bool] | None = None


_gate: list[AdGate] = []


def ad_gate_register(
    *,
    publish_check: PublishCheck,
    form_class: type,
    ads_showing_specialty: AdsShowingSpecialty | None = None,
    edits_while_scheduled: Callable[[object], bool] | None = None,
) -> None:
    """cms calls this once in `AppConfig.ready()`; a second call replaces the first."""
    _gate[:] = [
        AdGate(
            publish_check=publish_check,
            form_class=form_class,
            ads_showing_specialty=ads_showing_specialty,
            edits_while_scheduled=edits_while_scheduled,
        )
    ]


def ad_gate() -> AdGate | None:
    return _gate[0] if _gate else None


class ScheduledAdLock(ScheduledForPublishLock):
    """Wagtail's lock on a scheduled object ("nobody can edit something that's scheduled for
    publish"), except for whom the registered gate names (`edits_while_scheduled`): the
    medical-ad reviewer withdraws a certificate by emptying its number, and the lock kept
    her out while the scheduled version went live on the withdrawn certificate (eighteenth
    verification F3; she holds no publishing right, so Wagtail's 取消定时发布 is not hers)."""

    def for_user(self, user) -> bool:
        gate = ad_gate()
        if gate is not None and gate.edits_while_scheduled is not None:
            return not gate.edits_while_scheduled(user)
        return True

    def get_message(self, user):
        """The banner, in Chinese (Wagtail's own reads 「页面 '…' is locked and has been
        scheduled to go live at …」: its string has no zh-hans translation), and telling the
        reviewer what she may do instead of that the page is locked (eighteenth
        re-verification C-F5)."""
        from django.utils.html import format_html
        from wagtail.utils.timestamps import render_timestamp

        revision = self.object.scheduled_revision
        when = render_timestamp(revision.approved_go_live_at) if revision else ""
        title = revision.object_str if revision else str(self.object)
        if not self.for_user(user):
            return format_html(
                "“{}”已定时于 {} 发布。您是医疗广告审查人员：清空审查证明文号并确认审查即可撤销"
                "证明，定时发布随之取消",
                title,
                when,
            )
        return format_html("“{}”已定时于 {} 发布，在此之前已锁定，不能编辑", title, when)


def ad_publish_check(obj, user=None, revision=None) -> None:
    """Raises PermissionDenied when `obj` (the content of `revision` about to go live) may not
    be published: refused by the registered gate, or no gate registered. The gate may write
    the current review record onto `revision` first."""
    gate = ad_gate()
    if gate is None:
        raise PermissionDenied(NO_GATE)
    gate.publish_check(obj, user, revision)


def specialty_rename_refused(specialty) -> str:
    """Why `specialty` (a funnel.Specialty about to be saved) may not be saved under its
    name ("" when it may): it exists with another name and medical ads show that name (the
    registered `ads_showing_specialty`: 转化 articles under its hub, packages on sale).
    Their certificates approved the name they show; a rename would change it under them
    with no reviewer (found by verification: 失眠 → 焦虑抑郁 changed a certified ad's
    「有失眠困扰？」 and its JSON-LD condition at once). A new specialty, or a save that
    keeps the name, is never refused. Fails closed: no gate registered, no rename."""
    if specialty.pk is None:
        return ""
    rows = type(specialty).objects.filter(pk=specialty.pk).values_list("name", flat=True)
    before = rows.first()
    if before is None or before == specialty.name:
        return ""
    gate = ad_gate()
    if gate is None or gate.ads_showing_specialty is None:
        return NO_GATE_RENAME
    ads = gate.ads_showing_specialty(specialty.pk)
    return SPECIALTY_NAMED_BY_ADS.format(ads="、".join(ads)) if ads else ""
