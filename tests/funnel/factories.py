from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from funnel.models import (
    Assistant,
    AssistantPool,
    PoolMember,
    RoutingRule,
    ServicePackage,
    Specialty,
)
from funnel.payload import Consent, LeadPayload


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True


class SpecialtyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Specialty
        django_get_or_create = ("slug",)

    slug = "hair-loss"
    name = "脱发"


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePackage

    specialty = factory.SubFactory(SpecialtyFactory)
    name = "脱发3个月管理套餐"
    slug = factory.Sequence(lambda n: f"pkg-{n}")
    list_price = "2680.00"
    promo_price = "1980.00"
    duration_days = 90


class AssistantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assistant

    name = factory.Sequence(lambda n: f"医助{n}")
    wecom_qr_url = factory.Sequence(lambda n: f"https://work.weixin.qq.com/ca/test{n}")


class PoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssistantPool

    name = factory.Sequence(lambda n: f"活码{n}")
    slug = factory.Sequence(lambda n: f"pool-{n}")


def pool_with(weights: list[int], caps: list[int | None] | None = None, **pool_kwargs):
    pool = PoolFactory(**pool_kwargs)
    assistants = []
    for i, weight in enumerate(weights):
        assistant = AssistantFactory(daily_cap=(caps[i] if caps else None))
        PoolMember.objects.create(pool=pool, assistant=assistant, weight=weight)
        assistants.append(assistant)
    return pool, assistants


def catch_all_rule(pool, package=None, **kwargs) -> RoutingRule:
    return RoutingRule.objects.create(
        name="全部", priority=1000, pool=pool, package=package, **kwargs
    )


def payload(phone: str = "13800138000", **kwargs) -> LeadPayload:
    values = {
        "phone": phone,
        "name": "张三",
        "channel": "landing",
        "specialty": "hair-loss",
        "consent": Consent(given=True, version="health-2026-01", source="landing"),
    }
    values.update(kwargs)
    return LeadPayload(**values)
