"""The sandbox's generated world, shared by every platform look-alike: people, topics,
campaigns and daily spend, all deterministic (seeded by platform and index)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓东",
    "海燕",
    "建华",
    "子涵",
]
CITIES = [
    ("北京", "北京", "朝阳区"),
    ("上海", "上海", "浦东新区"),
    ("广东", "广州", "天河区"),
    ("广东", "深圳", "南山区"),
    ("浙江", "杭州", "西湖区"),
    ("四川", "成都", "武侯区"),
    ("山东", "济南", "历下区"),
    ("湖北", "武汉", "洪山区"),
    ("江苏", "南京", "鼓楼区"),
]
PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "158",
    "159",
    "180",
    "181",
    "182",
    "185",
    "186",
    "187",
    "188",
    "189",
]
TOPICS = {
    "脱发": {
        "keywords": ["脱发怎么治疗", "头发稀疏怎么办", "发际线后移", "生发哪家好"],
        "concerns": ["脱发三年，头顶稀疏", "产后脱发严重", "洗头掉发很多", "发际线后移"],
        "answers": {"脱发年限": ["1年", "3年", "5年以上"], "脱发部位": ["头顶", "发际线", "全头"]},
    },
    "失眠": {
        "keywords": ["失眠怎么调理", "睡不着怎么办", "失眠多梦", "助眠方法"],
        "concerns": ["入睡困难，每晚两点后才睡", "早醒，一晚醒三四次", "长期多梦易醒"],
        "answers": {"失眠时长": ["半年", "1年", "3年以上"], "是否服药": ["是", "否"]},
    },
    "糖尿病": {
        "keywords": ["糖尿病饮食", "血糖高怎么办", "糖尿病能治好吗", "控糖方法"],
        "concerns": ["空腹血糖8.5，想控糖", "二型糖尿病五年", "餐后血糖偏高"],
        "answers": {"确诊年限": ["1年内", "1-5年", "5年以上"], "是否打胰岛素": ["是", "否"]},
    },
}
# Douyin campaigns are promotions (广告, the unit level of the 2.0 system: a clue's
# `promotion_id`); they sit inside projects (项目, `cdp_project_id`) whose ids differ, so that
# spend joined at the wrong level finds no leads (API_FACTS, "Spend and leads must join at one
# level").
DOUYIN_PROJECTS = {
    "7363000000000000001": ("7362000000000000101", "项目-脱发失眠"),
    "7363000000000000002": ("7362000000000000101", "项目-脱发失眠"),
    "7363000000000000003": ("7362000000000000102", "项目-糖尿病"),
}
CAMPAIGNS = {
    "douyin": [
        ("7363000000000000001", "脱发-表单-北京", "脱发"),
        ("7363000000000000002", "失眠-表单-上海", "失眠"),
        ("7363000000000000003", "糖尿病-咨询-广州", "糖尿病"),
    ],
    "xiaohongshu": [
        ("1234567", "脱发笔记-留资-北京", "脱发"),
        ("1234568", "失眠科普-留资", "失眠"),
        ("1234569", "控糖食谱-留资", "糖尿病"),
    ],
    "baidu": [
        ("101", "脱发-品牌词", "脱发"),
        ("102", "失眠-通用词", "失眠"),
        ("103", "糖尿病-疾病词", "糖尿病"),
        ("104", "脱发-竞品词", "脱发"),
    ],
}


def rng(platform: str, i: int) -> random.Random:
    return random.Random(f"{platform}:{i}")  # noqa: S311  (deterministic demo data)


def person(r: random.Random) -> dict[str, Any]:
    province, city, district = r.choice(CITIES)
    return {
        "name": r.choice(SURNAMES) + r.choice(GIVEN),
        "phone": r.choice(PREFIXES) + f"{r.randrange(10**8):08d}",
        "gender": r.choice([1, 2, 2, 0]),
        "age": r.randrange(22, 66),
        "province": province,
        "city": city,
        "district": district,
    }


def parse_time(text: str) -> dt.datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=BEIJING)
        except ValueError:
            continue
    raise ValueError(text)


SpendFact = tuple[dt.date, str, str, Decimal, int, int, int]


def spend_rows(platform: str, start: dt.date, end: dt.date) -> Iterator[SpendFact]:
    """(day, campaign id, name, cost, impressions, clicks, conversions) per campaign and day."""
    day = start
    while day <= end:
        for campaign_id, name, _topic in CAMPAIGNS[platform]:
            r = random.Random(f"spend:{platform}:{campaign_id}:{day}")  # noqa: S311
            impressions = r.randrange(8000, 60000)
            clicks = int(impressions * r.uniform(0.01, 0.04))
            cost = (Decimal(clicks) * Decimal(str(round(r.uniform(1.5, 6.5), 2)))).quantize(
                Decimal("0.01")
            )
            yield day, campaign_id, name, cost, impressions, clicks, max(1, clicks // 40)
        day += dt.timedelta(days=1)
