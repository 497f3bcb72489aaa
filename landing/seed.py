"""Landing demo: one landing page per specialty (keyword variants + an A/B test), the consent
text, a care plan with a shareable link. Idempotent: everything is looked up by slug/version."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Page

from cms.models import DoctorPage
from cms.seed import certify_packages, publish_ad_page, specialty_clinic
from cms.seed_content import Clinic
from funnel.models import Assistant, Lead, ServicePackage, Specialty
from landing.models import (
    ABTest,
    CarePlan,
    CarePlanItem,
    CarePlanPhoto,
    LandingIndexPage,
    LandingPage,
)
from landing.selectors import ab_arm_b_certified, consent_current
from landing.services.careplan import careplan_link_token
from landing.services.consent import consent_text_publish

CONSENT_VERSION = "health-2026-01"
CONSENT_TEXT = (
    "为向您提供咨询与随访服务，诊所将收集并处理您填写的姓名、手机号、年龄、性别及健康状况等信息，"
    "其中健康信息属于敏感个人信息。信息仅由为您服务的医生和医助查看，加密存储，保存期限不超过两年；"
    "您可以随时联系医助查询、更正、删除信息或撤回本授权，撤回不影响撤回前已进行的处理。"
)

SPECIALTIES = [("hair-loss", "脱发"), ("insomnia", "失眠"), ("diabetes", "糖尿病")]
FALLBACK_PACKAGES = {
    "hair-loss": ("hair-loss-3m", "脱发3个月管理套餐", "1980.00", 90),
    "insomnia": ("insomnia-cbti", "失眠认知行为调理 6 周", "899.00", 42),
    "diabetes": ("diabetes-3m", "糖尿病3个月管理套餐", "1680.00", 90),
}

PAGES = {
    "hair-loss": {
        "title": "脱发问题专科咨询",
        "headline": "脱发困扰？先做一次毛囊检测，弄清原因再调理",
        "sub": "皮肤科医生面诊 + 医助全程随访，方案因人而异",
        "body": "<p>脱发的原因很多：雄激素性脱发、休止期脱发、斑秃……原因不同，调理方法也不同。"
        "先由医生通过毛囊镜检测判断类型，再制定适合您的护理和复诊计划。</p>",
        "ab_b": "头发越来越少？皮肤科医生帮您找原因",
        "variants": [
            (
                "脂溢性脱发,头皮出油,头油",
                "头皮出油、掉发多？先查清是不是脂溢性脱发",
                "头皮油脂分泌旺盛可能与脱发有关。医生会结合毛囊检测给出清洁、用药与作息建议。",
            ),
            (
                "产后脱发,产后掉发",
                "产后掉发别慌，医生帮您判断是否需要干预",
                "多数产后脱发属于休止期脱发，会逐渐恢复；哺乳期用药需谨慎，建议先咨询医生。",
            ),
        ],
    },
    "insomnia": {
        "title": "失眠问题专科咨询",
        "headline": "入睡难、易醒早醒？睡眠医生帮您做一次系统评估",
        "sub": "量表评估 + 睡眠日记 + 认知行为调理（CBT-I）",
        "body": "<p>长期失眠往往与作息、情绪和睡眠习惯有关。认知行为疗法（CBT-I）是常用的"
        "失眠非药物干预方式之一，我们的睡眠管理师会陪您坚持完成。</p>",
        "ab_b": "总是睡不好？试试睡眠医生指导的 6 周调理计划",
        "variants": [
            (
                "入睡困难,睡不着,入睡难",
                "躺下一两个小时还睡不着？从调整睡眠习惯开始",
                "入睡困难常与睡前过度清醒有关，睡眠管理师会指导您做刺激控制和放松训练。",
            ),
            (
                "早醒,半夜醒,易醒",
                "凌晨三四点就醒？先记录一周睡眠日记",
                "早醒的原因需要医生结合睡眠日记和量表评估判断，必要时建议到院进一步检查。",
            ),
        ],
    },
    "diabetes": {
        "title": "糖尿病管理咨询",
        "headline": "血糖总是控制不稳？营养师和医生陪您做3个月血糖管理",
        "sub": "线上复诊 + 血糖监测点评 + 饮食指导",
        "body": "<p>糖尿病管理需要长期坚持：规律监测血糖、合理饮食、适量运动和遵医嘱用药。"
        "我们的健康管理师每周点评您的血糖记录，帮助您养成可持续的习惯。</p>",
        "ab_b": "控糖不是一个人的事：加入3个月血糖管理计划",
        "variants": [
            (
                "餐后血糖,血糖高,控糖",
                "餐后血糖偏高？从调整每一餐的搭配开始",
                "营养师会根据您的饮食记录给出主食、蛋白质和蔬菜的搭配建议，配合医生的用药方案。",
            ),
            (
                "糖尿病饮食,糖尿病吃什么",
                "糖尿病饮食怎么吃？营养师一对一给建议",
                "不需要完全戒掉主食，关键是控制总量、选择低升糖指数的食物并规律进餐。",
            ),
        ],
    },
}


def _package(specialty: Specialty) -> ServicePackage:
    slug, name, price, days = FALLBACK_PACKAGES[specialty.slug]
    existing = ServicePackage.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    if LandingPage.objects.filter(specialty=specialty).exists():
        # seeded before, and staff changed the package's slug: the specialty's package, not a
        # second one certified on a made-up number (nineteenth re-verification F-F1)
        renamed = ServicePackage.objects.filter(specialty=specialty).order_by("pk").first()
        if renamed is not None:
            return renamed
    package, _ = ServicePackage.objects.get_or_create(
        slug=slug,
        defaults={
            "specialty": specialty,
            "name": name,
            "list_price": Decimal(price),
            "duration_days": days,
        },
    )
    return package


def _index() -> LandingIndexPage:
    index = LandingIndexPage.objects.first()
    if index is None:
        home = (
            Page.objects.get(depth=2, url_path="/home/")
            if Page.objects.filter(depth=2, url_path="/home/").exists()
            else Page.objects.filter(depth=2).first()
        )
        index = home.add_child(instance=LandingIndexPage(title="专科咨询", slug="lp"))
    return index


def _doctor_blocks(specialty: Specialty, clinic: Clinic) -> list[tuple[str, dict]]:
    """The specialty's first live doctor page at `clinic` as the page's trust doctor (none
    without one: a landing page shows only doctors who have a page, with that page's
    credentials, and only the institution's whose licence it prints: tester F7)."""
    doctor = (
        DoctorPage.objects.live()
        .filter(specialties=specialty, hospital=clinic.name)
        .order_by("path")
        .first()
    )
    return [("doctor", {"doctor": doctor, "intro": ""})] if doctor is not None else []


def _landing_page(
    index: LandingIndexPage, specialty: Specialty, package: ServicePackage
) -> LandingPage:
    spec = PAGES[specialty.slug]
    page = (
        LandingPage.objects.filter(slug=specialty.slug).first()
        or LandingPage.objects.filter(specialty=specialty).order_by("pk").first()
    )
    if page is not None:
        # Left as staff left it: a rerun republished it on the seed's certificate, bringing
        # back an ad the reviewer had withdrawn (nineteenth re-verification E-F1).
        page.created_now = False
        return page
    # the clinic offering the specialty: its licence, its doctors, its province's certificate
    # (`cms.seed.demo_certificate` takes the same one)
    clinic = specialty_clinic(specialty)
    page = LandingPage(
        title=spec["title"],
        slug=specialty.slug,
        specialty=specialty,
        headline=spec["headline"],
        subheadline=spec["sub"],
        hero_body=spec["body"],
        package=package,
        clinic_licence=clinic.licence,
        # the doctor only: a patient's quote is a testimonial (《医疗广告管理办法》第七条第（六）项)
        trust=_doctor_blocks(specialty, clinic),
        search_description=spec["sub"],
    )
    index.add_child(instance=page)
    for order, (keywords, headline, body) in enumerate(spec["variants"]):
        page.keyword_variants.create(
            keywords=keywords, headline=headline, body=body, package=package, sort_order=order
        )
    # shown on the page as the certificate the gate checked, with its printed validity
    publish_ad_page(page)
    page.created_now = True
    return page


def _care_plan() -> CarePlan | None:
    plan = CarePlan.objects.filter(title="脱发3个月管理计划（演示）").first()
    if plan is not None:
        return plan
    assistant = Assistant.objects.filter(user__username="yizhu_lin").first()
    lead = (
        Lead.objects.filter(specialty__slug="hair-loss", assignee=assistant).order_by("pk").first()
        or Lead.objects.order_by("pk").first()
    )
    if lead is None:
        return None
    plan = CarePlan.objects.create(
        lead=lead,
        title="脱发3个月管理计划（演示）",
        goal="减少日常掉发量，建立规律的头皮护理习惯",
        therapist=assistant,
        therapist_intro="从事毛发健康管理 6 年，擅长脂溢性脱发的日常护理指导。",
    )
    start = timezone.localdate() - dt.timedelta(days=3)
    rows = []
    for week in range(12):
        day = start + dt.timedelta(days=7 * week)
        rows.append(
            CarePlanItem(
                plan=plan,
                day=day,
                kind="therapy",
                title="头皮护理",
                note="到店护理约 40 分钟",
                sort_order=week * 3,
            )
        )
        rows.append(
            CarePlanItem(
                plan=plan,
                day=day + dt.timedelta(days=1),
                kind="diet",
                title="饮食提醒",
                note="少油少糖，保证优质蛋白",
                sort_order=week * 3 + 1,
            )
        )
        if week % 4 == 3:
            rows.append(
                CarePlanItem(
                    plan=plan,
                    day=day + dt.timedelta(days=2),
                    kind="revisit",
                    title="线上复诊",
                    note="医生查看毛囊检测对比",
                    sort_order=week * 3 + 2,
                )
            )
    rows.append(
        CarePlanItem(
            plan=plan,
            day=start,
            kind="medication",
            title="遵医嘱外用药",
            note="每晚一次，具体用法以医生处方为准",
            sort_order=999,
        )
    )
    CarePlanItem.objects.bulk_create(rows)
    _care_plan_photos(plan, start)
    return plan


def _care_plan_photos(plan: CarePlan, start: dt.date) -> None:
    """Monthly progress photos, front and top, as generated placeholders (no downloads)."""
    from django.core.files.base import ContentFile

    from cms.seed import _image

    for month in range(3):
        for angle, color in (("正面", (120, 100, 90)), ("头顶", (100, 90, 80))):
            shade = tuple(c + 20 * month for c in color)
            month_day = (start + dt.timedelta(days=30 * month)).replace(day=1)
            if CarePlanPhoto.objects.filter(plan=plan, month=month_day, angle=angle).exists():
                continue
            # Drawn as a Wagtail image, then kept privately (patients' photos never stay in
            # the image library: landing/storage.py); the library copy is removed again.
            image = _image(f"进展照片 第{month + 1}月 {angle}", shade)
            with image.file.open("rb") as source:
                content = ContentFile(source.read(), name="photo.jpg")
            image.delete()
            CarePlanPhoto.objects.create(plan=plan, month=month_day, angle=angle, photo=content)


def seed(*, stdout) -> None:
    current = consent_current()
    if current is None or current.version != CONSENT_VERSION:
        if not current:
            consent_text_publish(version=CONSENT_VERSION, text=CONSENT_TEXT)
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    index = _index()
    for slug, name in SPECIALTIES:
        specialty, _ = Specialty.objects.get_or_create(slug=slug, defaults={"name": name})
        package = _package(specialty)
        certify_packages()  # a package is a medical ad: live on its own certificate
        package.refresh_from_db()
        page = _landing_page(index, specialty, package)
        if not ABTest.objects.filter(page=page).exists():
            ABTest.objects.create(
                page=page,
                name=f"{name}落地页标题测试",
                headline_b=PAGES[slug]["ab_b"],
                horizon=1000,
            )
        if page.created_now and not ab_arm_b_certified(page=page):
            # the B headline is the ad's text too: the reviewer's certificate covers it
            publish_ad_page(page)
        keyword = PAGES[slug]["variants"][0][0].split(",")[0]
        stdout.write(f"  landing: {base}/lp/{slug}/?utm_term={keyword}&bd_vid=demo123")
        stdout.write(
            f"  packages: {base}/packages/{package.slug}/  {base}/packages/compare/{slug}/"
        )
    plan = _care_plan()
    if plan is not None:
        token = careplan_link_token(plan_id=plan.pk)
        stdout.write(f"  care plan: {base}{reverse('landing:careplan', args=[token])}")
    stdout.write(f"  assistant H5: {base}/h5/assistant/  (login yizhu_lin / yinliu-demo)")
