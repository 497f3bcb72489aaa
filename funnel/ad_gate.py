"""The medical-ad publish gate for funnel objects that are ads (a service package: a priced
medical service, 《医疗广告管理办法》第三条、第八条).

The gate and its checker belong to the content app (`cms.compliance.gate`); the funnel holds
only this hook, the way it holds the public-text checker (`funnel.public_text`): cms registers
its gate here in its `AppConfig.ready()`. Nothing registered means nothing may be published:
`ad_publish_check` fails closed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

# (object about to go live — the revision's content —, publishing user or None) → None, or
# raises PermissionDenied with a zh-hans message when the gate refuses it.
PublishCheck = Callable[[object, object], None]

NO_GATE = "医疗广告审查未启用，服务包不能发布"


@dataclass(frozen=True)
class AdGate:
    publish_check: PublishCheck
    # the admin form base class of an ad object's editor (certificate fields, the check)
    form_class: type


_gate: list[AdGate] = []


def ad_gate_register(*, publish_check: PublishCheck, form_class: type) -> None:
    """cms calls this once in `AppConfig.ready()`; a second call replaces the first."""
    _gate[:] = [AdGate(publish_check=publish_check, form_class=form_class)]


def ad_gate() -> AdGate | None:
    return _gate[0] if _gate else None


def ad_publish_check(obj, user=None) -> None:
    """Raises PermissionDenied when `obj` (the content about to go live) may not be
    published: refused by the registered gate, or no gate registered."""
    gate = ad_gate()
    if gate is None:
        raise PermissionDenied(NO_GATE)
    gate.publish_check(obj, user)
