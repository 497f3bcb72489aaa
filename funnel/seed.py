"""Demo funnel: specialties, packages, clinics, assistants, pools, rules, roles, and a few
hundred leads at every stage with orders, follow-ups and referrals. Deterministic and
idempotent: leads enter through the inbox with fixed external ids, so a second run replays."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from funnel.models import (
    STAGE_MAIN_PATH,
    Assistant,
    AssistantPool,
    Clinic,
    FollowUp,
    Lead,
    LeadEvent,
    PoolMember,
    PrivateGroup,
    RoutingRule,
    ScoringRule,
    ServicePackage,
    Specialty,
    Stage,
)
from funnel.payload import Consent, LeadPayload
from funnel.services.followups import followup_schedule, lead_birthday_set
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.referrals import referral_code_ensure
from funnel.services.stages import lead_stage_change, order_record

DEMO_PASSWORD = "yinliu-demo"  # noqa: S105  demo accounts, printed by make demo

SPECIALTIES = [
    ("hair-loss", "脱发", "雄激素性脱发、斑秃、产后脱发的评估与长期管理"),
    ("insomnia", "失眠", "入睡困难、早醒与焦虑相关睡眠问题的评估与调理"),
    ("diabetes", "糖尿病", "2 型糖尿病的血糖监测、饮食运动与用药随访"),
]
PACKAGES = [
    (
        "hair-loss",
        "hair-loss-starter",
        "脱发初诊评估套餐",
        "毛囊检测 + 医生面诊 + 30 天居家护理指导",
        "毛囊镜检测\n皮肤科医生面诊\n30 天护理计划",
        "399.00",
        "299.00",
        30,
    ),
    (
        "hair-loss",
        "hair-loss-3m",
        "脱发3个月管理套餐",
        "三个月线上复诊与护理跟进",
        "每月线上复诊\n头皮护理 4 次\n医助全程随访",
        "2680.00",
        "1980.00",
        90,
    ),
    (
        "insomnia",
        "insomnia-cbti",
        "失眠认知行为调理 6 周",
        "睡眠日记 + 6 次线上 CBT-I 指导",
        "睡眠评估\n6 次线上指导\n睡眠日记点评",
        "1200.00",
        "899.00",
        42,
    ),
    (
        "insomnia",
        "insomnia-consult",
        "睡眠门诊初诊",
        "睡眠医生面诊与量表评估",
        "量表评估\n医生面诊",
        "199.00",
        None,
        14,
    ),
    (
        "diabetes",
        "diabetes-3m",
        "糖尿病3个月管理套餐",
        "线上复诊 + 血糖监测 + 饮食指导",
        "每两周线上复诊\n血糖数据解读\n营养师饮食指导",
        "2399.00",
        "1999.00",
        90,
    ),
    (
        "diabetes",
        "diabetes-refill",
        "糖尿病续方随访月卡",
        "每月续方与用药提醒",
        "月度续方\n用药提醒\n医助随访",
        "299.00",
        None,
        30,
    ),
]
ASSISTANTS = [
    # username, name, title, clinic, specialties, weight, cap
    ("yizhu_lin", "林晓雯", "资深医助 · 脱发管理", "上海徐汇门店", ["hair-loss"], 3, 60),
    ("yizhu_zhou", "周敏", "医助 · 毛发护理", "上海徐汇门店", ["hair-loss"], 2, 40),
    ("yizhu_chen", "陈思远", "睡眠健康管理师", "杭州西湖门店", ["insomnia"], 2, 50),
    ("yizhu_wang", "王佳怡", "医助 · 睡眠随访", "杭州西湖门店", ["insomnia"], 1, 30),
    ("yizhu_zhao", "赵磊", "糖尿病健康管理师", "北京朝阳门店", ["diabetes"], 3, 60),
    ("yizhu_sun", "孙婷", "医助 · 慢病随访", "北京朝阳门店", ["diabetes"], 1, None),
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉鑫斌宇浩凯健俊帆帅旭"
    "宁龙林欣怡晨雨婷琳悦思佳梦雪慧颖倩雯瑶蕾"
)
CITIES = ["上海", "杭州", "北京", "南京", "苏州", "广州", "深圳", "成都", "武汉", "天津"]
KEYWORDS = {
    "hair-loss": ["脱发怎么治疗", "头发稀疏怎么办", "产后脱发", "植发前要做什么检查", "斑秃 医院"],
    "insomnia": ["失眠怎么调理", "晚上睡不着怎么办", "早醒 焦虑", "睡眠门诊 挂号", "失眠 中医"],
    "diabetes": ["血糖高怎么控制", "糖尿病饮食", "二型糖尿病 管理", "糖尿病 复诊", "空腹血糖 7"],
}
CHANNELS = [
    ("douyin", "抖音-脱发科普-信息流", 0.35),
    ("baidu", "百度-搜索-专病词", 0.30),
    ("xiaohongshu", "小红书-笔记-种草", 0.20),
    ("landing", "", 0.15),
]
# How far down the funnel the demo leads get (share of leads stopping at each stage).
STAGE_MIX = [
    (Stage.NEW, 0.18),
    (Stage.CONTACTED, 0.20),
    (Stage.PROFILED, 0.14),
    (Stage.CONSULTED, 0.12),
    (Stage.PRESCRIBED, 0.08),
    (Stage.PAID, 0.14),
    (Stage.REPURCHASED, 0.06),
    (Stage.INVALID, 0.04),
    (Stage.LOST, 0.04),
]
LEAD_COUNT = 320


def _specialties() -> dict[str, Specialty]:
    found = {}
    for slug, name, description in SPECIALTIES:
        specialty, _ = Specialty.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        found[slug] = specialty
    return found


def _packages(specialties: dict[str, Specialty]) -> dict[str, ServicePackage]:
    found = {}
    for order, (spec, slug, name, summary, includes, price, promo, days) in enumerate(PACKAGES):
        # by its name too: staff may have changed its slug, and a rerun made a second one
        # (nineteenth re-verification F-F1)
        renamed = ServicePackage.objects.filter(specialty=specialties[spec], name=name).first()
        if renamed is not None and not ServicePackage.objects.filter(slug=slug).exists():
            found[slug] = renamed
            continue
        package, _ = ServicePackage.objects.get_or_create(
            slug=slug,
            defaults={
                "specialty": specialties[spec],
                "name": name,
                "summary": summary,
                "includes": includes,
                "list_price": Decimal(price),
                "promo_price": Decimal(promo) if promo else None,
                "duration_days": days,
                "sort_order": order,
            },
        )
        found[slug] = package
    return found


def _roles() -> dict[str, Group]:
    def perms(*codenames: str) -> list[Permission]:
        return list(Permission.objects.filter(codename__in=codenames))

    access_admin = perms("access_admin")
    # Choosers need the chosen model's view permission: the lead form picks a specialty,
    # landing pages and article blocks a specialty and a service package.
    assistants, _ = Group.objects.get_or_create(name="医助")
    assistants.permissions.add(
        *access_admin,
        *perms("view_lead", "change_lead", "view_followup", "view_privategroup", "view_specialty"),
    )
    growth, _ = Group.objects.get_or_create(name="增长")
    growth.permissions.add(
        *access_admin,
        *perms(
            "view_lead",
            "change_lead",
            "view_specialty",
            "reveal_pii",
            "assign_lead",
            "view_privategroup",
            # Supervisors act on a patient's withdrawal request; assistants do not.
            "withdraw_consent",
            # the quarantine queue and its fix & replay (docs/days.md): the growth lead owns
            # what the channels bring in; the list, queue and replay pages show masked
            # phones and names only, never the raw body
            "view_inboundlead",
            "change_inboundlead",
            # landing pages' A/B tests (落地页 A/B 测试): the growth team runs them. Arm B's
            # texts are the ad's too, so B is served only once the page's certificate covers
            # them (landing.selectors.ab_arm_b_certified): editing a test cannot put
            # unreviewed text in front of a patient
            "view_abtest",
            "add_abtest",
            "change_abtest",
        ),
    )
    editors, _ = Group.objects.get_or_create(name="编辑")  # content only: no lead permission
    # 编辑 and 运营 write service-package drafts; the medical-ad reviewer publishes them on a
    # certificate (cms.seed grants the reviewer's part; review of issue 17, round 2, H3)
    editors.permissions.add(
        *access_admin,
        *perms("view_specialty", "view_servicepackage", "add_servicepackage"),
        *perms("change_servicepackage"),
    )
    # 主管: also reads the export audit (who took full phones and names out), the growth
    # reports and assistant board, follow-ups (the churn follow-ups are theirs), and does the
    # WeCom desk work: binds unmatched contacts, edits welcome templates, reads the welcome,
    # stage-tag, transfer and postback logs. (Codenames only: funnel imports no other app.)
    supervisors, _ = Group.objects.get_or_create(name="主管")
    supervisors.permissions.add(
        *access_admin,
        *perms(
            "view_exportaudit",
            "view_growth_reports",
            "view_followup",
            "change_followup",
            "view_wecomcontact",
            "change_wecomcontact",
            "view_wecomwelcome",
            "view_wecomwelcometemplate",
            "add_wecomwelcometemplate",
            "change_wecomwelcometemplate",
            "view_wecomtagmark",
            "view_wecomtransfer",
            "view_postbacklog",
        ),
    )
    return {
        "assistants": assistants,
        "growth": growth,
        "editors": editors,
        "supervisors": supervisors,
    }


def _assistants(specialties, groups) -> dict[str, Assistant]:
    user_model = get_user_model()
    found = {}
    for username, name, title, clinic_name, specs, _weight, cap in ASSISTANTS:
        clinic, _ = Clinic.objects.get_or_create(
            name=clinic_name, defaults={"city": clinic_name[:2]}
        )
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"first_name": name, "is_staff": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(groups["assistants"])
        assistant, _ = Assistant.objects.get_or_create(
            user=user,
            defaults={
                "name": name,
                "title": title,
                "clinic": clinic,
                "daily_cap": cap,
                "wecom_userid": username,
                "wecom_qr_url": f"https://work.weixin.qq.com/ca/demo_{username}",
            },
        )
        assistant.specialties.add(*[specialties[s] for s in specs])
        found[username] = assistant
    return found


def _supervisor(groups):
    """主管: alerted when a missed 加微 SLA finds nobody free (every pool and clinic names her)."""
    user, created = get_user_model().objects.get_or_create(
        username=SUPERVISOR, defaults={"first_name": "何主管", "is_staff": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    user.groups.add(groups["growth"], groups["supervisors"])
    Clinic.objects.filter(supervisor__isnull=True).update(supervisor=user)
    return user


SUPERVISOR = "zhuguan_he"


def _pools(specialties, packages, assistants, camps, supervisor) -> None:
    general, _ = AssistantPool.objects.get_or_create(
        slug="general", defaults={"name": "综合活码（溢出）", "sla_minutes": 60}
    )
    for spec_slug, members in {
        "hair-loss": ["yizhu_lin", "yizhu_zhou"],
        "insomnia": ["yizhu_chen", "yizhu_wang"],
        "diabetes": ["yizhu_zhao", "yizhu_sun"],
    }.items():
        pool, _ = AssistantPool.objects.get_or_create(
            slug=f"{spec_slug}-pool",
            defaults={"name": f"{specialties[spec_slug].name}活码", "overflow": general},
        )
        for username in members:
            weight = next(a[5] for a in ASSISTANTS if a[0] == username)
            PoolMember.objects.get_or_create(
                pool=pool, assistant=assistants[username], defaults={"weight": weight}
            )
            PoolMember.objects.get_or_create(
                pool=general, assistant=assistants[username], defaults={"weight": 1}
            )
        package_slug = {
            "hair-loss": "hair-loss-starter",
            "insomnia": "insomnia-cbti",
            "diabetes": "diabetes-3m",
        }[spec_slug]
        RoutingRule.objects.get_or_create(
            name=f"{specialties[spec_slug].name} → {pool.name}",
            defaults={
                "priority": 10,
                "specialty": specialties[spec_slug],
                "package": packages[package_slug],
                "pool": pool,
                # 失眠 leads also join the sleep camp (until it is full: the rest is noted)
                "group": camps.get(spec_slug) if spec_slug == "insomnia" else None,
            },
        )
    RoutingRule.objects.get_or_create(
        name="高意向植发咨询 → 脱发3个月管理",
        defaults={
            "priority": 5,
            "specialty": specialties["hair-loss"],
            "min_score": 60,
            "package": packages["hair-loss-3m"],
            "pool": AssistantPool.objects.get(slug="hair-loss-pool"),
        },
    )
    RoutingRule.objects.get_or_create(
        name="其他 → 综合活码", defaults={"priority": 1000, "pool": general}
    )
    AssistantPool.objects.filter(supervisor__isnull=True).update(supervisor=supervisor)


def _groups(specialties, assistants) -> dict[str, PrivateGroup]:
    """The demo's groups and camps; returns the camps by specialty slug."""
    today = timezone.localdate()
    camps_by_specialty: dict[str, PrivateGroup] = {}
    camps = [
        ("13天控糖训练营·第12期", "camp", "diabetes", "yizhu_zhao", 120, 13),
        ("脱发护理交流群", "group", "hair-loss", "yizhu_lin", 300, None),
        ("21天好睡眠打卡营", "camp", "insomnia", "yizhu_chen", 80, 21),
    ]
    for name, kind, spec, owner, capacity, days in camps:
        group, _ = PrivateGroup.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "specialty": specialties[spec],
                "owner": assistants[owner],
                "capacity": capacity,
                "opens_on": today if days else None,
                "closes_on": today + dt.timedelta(days=days) if days else None,
            },
        )
        if kind == "camp":
            camps_by_specialty[spec] = group
    return camps_by_specialty


def _scoring() -> None:
    rules = [
        ("专科明确", ScoringRule.Kind.SPECIALTY_MATCH, {}, 20),
        ("资料完整", ScoringRule.Kind.COMPLETENESS, {}, 20),
        ("搜索渠道意向高", ScoringRule.Kind.CHANNEL, {"channels": ["baidu"]}, 15),
        (
            "关键词含就医意向",
            ScoringRule.Kind.KEYWORD_INTENT,
            {"words": ["怎么治疗", "医院", "挂号", "复诊", "管理"]},
            20,
        ),
        ("核心年龄段 25-55", ScoringRule.Kind.AGE_BAND, {"min": 25, "max": 55}, 10),
        ("多次留资", ScoringRule.Kind.REPEAT_TOUCH, {}, 15),
    ]
    for order, (name, kind, params, points) in enumerate(rules):
        ScoringRule.objects.get_or_create(
            name=name,
            defaults={"kind": kind, "params": params, "points": points, "sort_order": order},
        )


def _pick(rng: random.Random, weighted):
    roll = rng.random()
    for item in weighted:
        roll -= item[-1]
        if roll <= 0:
            return item
    return weighted[-1]


def _lead_payload(i: int, rng: random.Random, now: dt.datetime) -> tuple[LeadPayload, dt.datetime]:
    spec = ("hair-loss", "insomnia", "diabetes")[i % 3]
    channel, campaign, _ = _pick(rng, CHANNELS)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    phone = f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
    if i % 9 == 4 and i > 20:
        phone = _PHONES[i - 17]  # repeat visitors: same person, another touch
    _PHONES[i] = phone
    when = now - dt.timedelta(days=rng.randint(0, 59), minutes=rng.randint(0, 1200))
    keyword = rng.choice(KEYWORDS[spec])
    payload = LeadPayload(
        phone=phone,
        name=name,
        gender=rng.choice("mf"),
        age=rng.randint(19, 68),
        city=rng.choice(CITIES),
        specialty=spec,
        concern=f"想了解{keyword}",
        channel=channel,
        account=f"demo-{channel}" if channel != "landing" else "",
        external_id=f"seed-{i:04d}",
        campaign_id=f"{channel[:2].upper()}{1000 + (i % 4)}" if campaign else "",
        campaign_name=f"{campaign}-{(i % 4) + 1}" if campaign else "",
        keyword=keyword if channel in ("baidu", "landing") else "",
        click_ids={"bd_vid": f"bdvid{i:06d}"}
        if channel == "baidu"
        else ({"clickid": f"ck{i:06d}"} if channel == "douyin" else {}),
        consent=Consent(given=True, version="health-2026-01", at=when.isoformat(), source=channel),
        consent_required=channel == "landing",
        occurred_at=when.isoformat(),
    )
    return payload, when


_PHONES: dict[int, str] = {}


SHANGHAI = ZoneInfo("Asia/Shanghai")


def _add_delay(rng: random.Random, assigned_at: dt.datetime) -> dt.timedelta:
    """How long the patient took to add the assistant on WeCom after the assignment: most
    within the hour, some the same day, a tail over one to three days; a patient does not add
    in the Shanghai night (22:00–08:00): that add happens the next morning."""
    roll = rng.random()
    if roll < 0.40:
        minutes = rng.uniform(1, 45)
    elif roll < 0.70:
        minutes = rng.uniform(45, 240)
    elif roll < 0.90:
        minutes = rng.uniform(240, 24 * 60)
    else:
        minutes = rng.uniform(24 * 60, 3 * 24 * 60)
    local = (assigned_at + dt.timedelta(minutes=minutes)).astimezone(SHANGHAI)
    if local.hour >= 22 or local.hour < 8:
        morning = local.date() + dt.timedelta(days=1 if local.hour >= 22 else 0)
        local = dt.datetime.combine(morning, dt.time(8), tzinfo=SHANGHAI) + dt.timedelta(
            minutes=rng.uniform(0, 150)
        )
    return local - assigned_at


def _walk(
    lead_id: int,
    target: str,
    rng: random.Random,
    packages,
    actor: str,
    *,
    added_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """Move a seeded lead along the funnel to `target`. 已加微 happens at `added_at` through
    the path a WeCom add takes (`lead_stage_change(at=…)`, as `contact_mark_contacted` does);
    each later step a few hours to two days after the previous one, never after `now`."""
    order = STAGE_MAIN_PATH
    path = order[order.index(Stage.CONTACTED) : order.index(Stage.PAID)]  # 加微 … 开方
    if target in (Stage.INVALID,):
        lead_stage_change(
            lead_id=lead_id, to_stage=Stage.INVALID, actor_label=actor, note="空号/非本人"
        )
        return

    def contacted() -> None:
        lead_stage_change(
            lead_id=lead_id,
            to_stage=Stage.CONTACTED,
            actor_label="企业微信",
            note="客户已添加企业微信成员（演示数据）",
            at=added_at,
        )

    at = added_at

    def later() -> dt.datetime:
        nonlocal at
        at = min(at + dt.timedelta(minutes=rng.uniform(60, 48 * 60)), now)
        return at

    if target == Stage.LOST:
        contacted()
        lead_stage_change(
            lead_id=lead_id,
            to_stage=Stage.LOST,
            actor_label=actor,
            note="多次联系未回复",
            at=later(),
        )
        return
    for stage in path:
        if order.index(stage) > order.index(target):
            return
        if stage == Stage.CONTACTED:
            contacted()
        else:
            lead_stage_change(lead_id=lead_id, to_stage=stage, actor_label=actor, at=later())
    if target in (Stage.PAID, Stage.REPURCHASED):
        lead = Lead.objects.select_related("recommended_package").get(pk=lead_id)
        package = lead.recommended_package or packages["hair-loss-starter"]
        order_record(lead_id=lead_id, amount=package.price, package=package, actor_label=actor)
        if target == Stage.REPURCHASED:
            order_record(lead_id=lead_id, amount=package.price, package=package, actor_label=actor)


def _leads(packages, stdout) -> int:
    now = timezone.now()
    fresh = 0
    referrers: list[int] = []
    for i in range(LEAD_COUNT):
        # One generator per lead: a re-run draws the same values whatever the earlier
        # leads did, which is what keeps seed_demo idempotent.
        rng = random.Random(20261122_0000 + i)  # noqa: S311  demo data, not security
        payload, when = _lead_payload(i, rng, now)
        target = _pick(rng, STAGE_MIX)[0]
        if referrers and i % 11 == 0:
            payload.referral_code = referral_code_ensure(lead_id=referrers[i % len(referrers)])
        stored = lead_intake(
            source=IntakeSource(channel=payload.channel),
            external_id=payload.external_id,
            raw={"seed": i, "phone_hint": payload.phone[-4:]},
            payload=payload,
        )
        result = stored.outcome
        if not stored.changed or result is None:
            continue  # already seeded: a second run adds nothing
        if result.lead_id is None:
            continue
        fresh += 1
        if result.result == "created":
            # The intake ran now: put the lead, its first stage and its assignment back at
            # the submission's time (routing assigns within a minute or two), then walk it
            # with each step at its own time, so the board's 分配到加微 has a real spread.
            assigned_at = when + dt.timedelta(seconds=rng.randint(5, 120))
            added_at = min(assigned_at + _add_delay(rng, assigned_at), now)
            Lead.objects.filter(pk=result.lead_id).update(created_at=when)
            LeadEvent.objects.filter(lead_id=result.lead_id).update(created_at=assigned_at)
            LeadEvent.objects.filter(lead_id=result.lead_id, kind="stage", to_stage="new").update(
                created_at=when
            )
            walked = timezone.now()
            _walk(result.lead_id, target, rng, packages, actor="demo", added_at=added_at, now=now)
            # Steps with no time of their own (an order's 支付 stage, 无效): after the walk.
            LeadEvent.objects.filter(lead_id=result.lead_id, created_at__gte=walked).update(
                created_at=min(added_at + dt.timedelta(hours=rng.randint(1, 72)), now)
            )
            if target in (Stage.PAID, Stage.REPURCHASED):
                referrers.append(result.lead_id)
    stdout.write(f"  leads: {fresh} new this run, {Lead.objects.count()} in all")
    return fresh


def _assistant_day(username: str, stdout) -> None:
    """Today's work for the demo assistant, so the phone page is not empty on day one:
    revisits and a refill due today, and birthdays in the coming week (planned through the
    same services staff and beat use). Re-running on the same day adds nothing."""
    today = timezone.localdate()
    leads = list(
        Lead.objects.filter(
            assignee__user__username=username,
            anonymized_at__isnull=True,
            stage__in=[Stage.CONTACTED, Stage.PROFILED, Stage.CONSULTED, Stage.PAID],
        ).order_by("pk")[:6]
    )

    def at(hour: int, minute: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(today, dt.time(hour, minute)))

    plan = [
        (FollowUp.Kind.REVISIT, at(10, 0), "复诊回访：头皮情况与用药反馈"),
        (FollowUp.Kind.REVISIT, at(14, 30), "复诊回访：约本周到店复查"),
        (FollowUp.Kind.REFILL, at(16, 0), "服务包即将到期：续方"),
    ]
    for lead, (kind, due, note) in zip(leads, plan, strict=False):
        followup_schedule(lead_id=lead.pk, kind=kind, due_at=due, note=note)
    week = {
        ((today + dt.timedelta(days=d)).month, (today + dt.timedelta(days=d)).day) for d in range(7)
    }
    has_birthday = sum(
        1 for lead in leads if lead.birthday and (lead.birthday.month, lead.birthday.day) in week
    )
    offsets = iter((1, 3))
    for lead in leads[3:]:
        if has_birthday >= 2:
            break
        if lead.birthday is None:
            day = today + dt.timedelta(days=next(offsets, 5))
            year = 1970 + lead.pk % 30
            try:
                birthday = day.replace(year=year)
            except ValueError:  # 29 February in a common year
                birthday = (day - dt.timedelta(days=1)).replace(year=year)
            has_birthday += lead_birthday_set(lead_id=lead.pk, birthday=birthday)
    due = FollowUp.objects.filter(
        assignee__user__username=username,
        status__in=[FollowUp.Status.PENDING, FollowUp.Status.QUEUED, FollowUp.Status.SENT],
        due_at__lt=at(0, 0) + dt.timedelta(days=1),
    ).count()
    stdout.write(f"  {username}: {due} follow-ups due today, {has_birthday} birthdays this week")


def seed(*, stdout) -> None:
    specialties = _specialties()
    packages = _packages(specialties)
    groups = _roles()
    assistants = _assistants(specialties, groups)
    supervisor = _supervisor(groups)
    camps = _groups(specialties, assistants)
    _pools(specialties, packages, assistants, camps, supervisor)
    _scoring()
    _leads(packages, stdout)
    _assistant_day(ASSISTANTS[0][0], stdout)
    stdout.write(f"  login: assistant {ASSISTANTS[0][0]} / {DEMO_PASSWORD}")
