"""A/B tests: deterministic arms, counters, the z-test and the A/A simulation."""

from __future__ import annotations

import math
import random

import pytest

from cms.seed import publish_ad_page
from landing.models import ABArmStat, ABTest, ABVisitor, LandingPage
from landing.selectors import ab_results
from landing.services.ab import (
    ab_conversion_record,
    ab_visitor_record,
    arm_for,
    visitor_cookie_value,
)
from landing.stats import ab_decide, two_proportion_z_test
from tests.landing.conftest import certified_ab_test, form_data

# What a browser sends with the page's fetch() beacon.
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}


def aa_false_positive_rate(
    *, experiments: int, visitors: int, rate: float, alpha: float = 0.05, seed: int = 0
) -> float:
    """Share of A/A experiments (both arms the same true rate) that `ab_decide` calls for
    one arm: should be about `alpha` when the test is valid."""
    rng = random.Random(seed)  # noqa: S311 - a seeded simulation, not a secret
    positives = 0
    for _ in range(experiments):
        conv_a = sum(1 for _ in range(visitors) if rng.random() < rate)
        conv_b = sum(1 for _ in range(visitors) if rng.random() < rate)
        result = ab_decide(
            visitors_a=visitors,
            conversions_a=conv_a,
            visitors_b=visitors,
            conversions_b=conv_b,
            horizon=visitors,
            alpha=alpha,
        )
        if result.winner in ("a", "b"):
            positives += 1
    return positives / experiments


def test_z_test_matches_the_textbook_value() -> None:
    # 100/1000 vs 130/1000: pooled p = 0.115, se = sqrt(.115*.885*(2/1000)) = 0.014267
    z, p = two_proportion_z_test(
        visitors_a=1000, conversions_a=100, visitors_b=1000, conversions_b=130
    )
    assert z == pytest.approx(0.03 / math.sqrt(0.115 * 0.885 * 0.002), rel=1e-9)
    assert z == pytest.approx(2.1027, abs=1e-3)
    assert p == pytest.approx(0.03549, abs=1e-4)


def test_no_winner_before_the_horizon() -> None:
    early = ab_decide(
        visitors_a=500, conversions_a=20, visitors_b=500, conversions_b=60, horizon=1000
    )
    assert early.p_value < 0.001
    assert early.winner == ""
    done = ab_decide(
        visitors_a=1000, conversions_a=40, visitors_b=1000, conversions_b=120, horizon=1000
    )
    assert done.winner == "b"
    flat = ab_decide(
        visitors_a=1000, conversions_a=100, visitors_b=1000, conversions_b=101, horizon=1000
    )
    assert flat.winner == "none"


def test_aa_simulation_false_positive_rate_is_five_percent() -> None:
    # 1,000 A/A experiments, 2,000 visitors per arm, 8% true conversion in both arms
    fpr = aa_false_positive_rate(experiments=1000, visitors=2000, rate=0.08, seed=20261122)
    assert 0.03 <= fpr <= 0.07


def test_arm_assignment_is_deterministic_and_balanced() -> None:
    arms = [arm_for(test_id=7, visitor=f"v{i}") for i in range(4000)]
    assert arms == [arm_for(test_id=7, visitor=f"v{i}") for i in range(4000)]
    assert 1900 <= arms.count("b") <= 2100


@pytest.mark.django_db
def test_visitors_counted_once_and_conversions_recorded(client, landing) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.cookies["yl_v"] = visitor_cookie_value("visitor-1")
    arm = arm_for(test_id=test.pk, visitor="visitor-1")
    assert client.post(f"/lp/ab/{test.pk}/seen/", headers=SAME_ORIGIN).json() == {"counted": True}
    assert client.post(f"/lp/ab/{test.pk}/seen/", headers=SAME_ORIGIN).json() == {"counted": False}
    # (no search keyword: a keyword variant would keep the visitor out of a headline test)
    assert client.post("/lp/hair-loss/", form_data(utm_term=None)).status_code == 302
    stat = ABArmStat.objects.get(test=test, arm=arm)
    assert (stat.visitors, stat.conversions) == (1, 1)
    assert ABArmStat.objects.count() == 1
    result = ab_results(test=test)
    assert (result.visitors_a + result.visitors_b, result.conversions_a + result.conversions_b) == (
        1,
        1,
    )


@pytest.mark.django_db
def test_arm_b_shows_the_b_headline_without_keyword(client, landing) -> None:
    # given a test whose B headline no reviewer has certified yet
    test = ABTest.objects.create(
        page=landing.page, name="标题测试", headline_b="B 版：先检测再调理"
    )
    visitor = next(f"v{i}" for i in range(100) if arm_for(test_id=test.pk, visitor=f"v{i}") == "b")
    client.cookies["yl_v"] = visitor_cookie_value(visitor)
    # then nobody is split: a visitor of arm B reads the certified page (round 13, F1)
    waiting = client.get("/lp/hair-loss/").content.decode()
    assert "B 版：先检测再调理" not in waiting
    assert "data-ab-test" not in waiting

    # when the reviewer records the page's certificate for its text with the B headline
    publish_ad_page(LandingPage.objects.get(pk=landing.page.pk))

    # then arm B reads the B headline
    assert "B 版：先检测再调理" in client.get("/lp/hair-loss/").content.decode()
    # a matched keyword keeps its headline even in arm B
    kw = client.get("/lp/hair-loss/", {"utm_term": "脂溢性脱发"}).content.decode()
    assert "头皮出油、掉发多？先查清是不是脂溢性脱发" in kw


@pytest.mark.django_db
def test_visitor_record_ignores_finished_tests(landing) -> None:
    test = certified_ab_test(landing.page, name="旧测试", status=ABTest.Status.FINISHED)
    assert ab_visitor_record(test_id=test.pk, visitor="v1") is None
    assert ABArmStat.objects.count() == 0


@pytest.mark.django_db
def test_admin_lists_results_and_winner(admin_client, landing) -> None:
    test = certified_ab_test(landing.page, name="标题测试", horizon=100)
    ABArmStat.objects.create(test=test, arm="a", visitors=120, conversions=6)
    ABArmStat.objects.create(test=test, arm="b", visitors=120, conversions=24)
    response = admin_client.get("/admin/snippets/landing/abtest/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "24/120 (20.0%)" in body
    assert "B 版胜出" in body


def _visitors(test_id: int, arm: str, n: int, start: int = 0) -> list[str]:
    found = (
        f"v{i}" for i in range(start, 10_000) if arm_for(test_id=test_id, visitor=f"v{i}") == arm
    )
    return [next(found) for _ in range(n)]


@pytest.mark.django_db
def test_the_test_stops_at_its_horizon_and_keeps_its_verdict(landing) -> None:
    # given a test with a horizon of 3 visitors per arm
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B", horizon=3)
    a_side = _visitors(test.pk, "a", 4)
    b_side = _visitors(test.pk, "b", 4)
    # when arm A fills (no conversion) and two of B's first three convert
    for visitor in a_side[:3]:
        assert ab_visitor_record(test_id=test.pk, visitor=visitor) == "a"
    for visitor in b_side[:2]:
        assert ab_visitor_record(test_id=test.pk, visitor=visitor) == "b"
        assert ab_conversion_record(test_id=test.pk, visitor=visitor) == "b"
    assert ab_visitor_record(test_id=test.pk, visitor=a_side[3]) is None  # A is full
    test.refresh_from_db()
    assert test.status == ABTest.Status.RUNNING
    assert ab_visitor_record(test_id=test.pk, visitor=b_side[2]) == "b"
    # then the verdict is recorded at the horizon: 0/3 vs 2/3, pooled p = 1/3,
    # se = sqrt(1/3 * 2/3 * 2/3) = 0.385, z = 1.73, p = 0.083 > 0.05: no significant difference
    test.refresh_from_db()
    assert (test.status, test.winner) == (ABTest.Status.FINISHED, "none")
    assert test.finished_at is not None
    # when more people visit and convert afterwards
    assert ab_conversion_record(test_id=test.pk, visitor=b_side[2]) is None
    assert ab_visitor_record(test_id=test.pk, visitor=b_side[3]) is None
    # then nothing moves
    counts = sorted(
        ABArmStat.objects.filter(test=test).values_list("arm", "visitors", "conversions")
    )
    assert counts == [("a", 3, 0), ("b", 3, 2)]
    assert ab_results(test=test).winner == "none"


@pytest.mark.django_db
def test_a_visitor_outside_the_sample_does_not_convert(landing) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B", horizon=10)
    # a lead from someone whose visit was never counted (no beacon) is not a conversion
    assert ab_conversion_record(test_id=test.pk, visitor="never-seen") is None
    assert ABArmStat.objects.count() == 0


@pytest.mark.django_db
def test_keyword_visitors_are_kept_out_of_headline_tests(client, landing) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.cookies["yl_v"] = visitor_cookie_value("visitor-kw")
    # when a visitor arrives with a keyword that picks a variant headline
    html = client.get("/lp/hair-loss/", {"utm_term": "脂溢性脱发"}).content.decode()
    # then the page takes no part in the test (no beacon) and their lead is no conversion
    assert "data-ab-test" not in html
    assert client.post("/lp/hair-loss/", form_data()).status_code == 302
    assert ABArmStat.objects.filter(test=test).count() == 0
    # while a visitor without a keyword is in the test
    assert f'data-ab-test="{test.pk}"' in client.get("/lp/hair-loss/").content.decode()


@pytest.mark.django_db
def test_keyword_visitors_stay_in_tests_that_do_not_touch_the_headline(client, landing) -> None:
    test = certified_ab_test(landing.page, name="副标题测试", subheadline_b="B 副标题")
    html = client.get("/lp/hair-loss/", {"utm_term": "脂溢性脱发"}).content.decode()
    assert f'data-ab-test="{test.pk}"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["visitor-1", "visitor-1:forged", "", "x" * 5000])
def test_a_visitor_cookie_the_server_did_not_issue_is_not_counted(client, landing, cookie) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.cookies["yl_v"] = cookie

    answer = client.post(f"/lp/ab/{test.pk}/seen/", headers=SAME_ORIGIN)

    assert (answer.status_code, answer.json()["error"]) == (400, "no_visitor")
    assert ABArmStat.objects.count() == 0


@pytest.mark.django_db
def test_a_page_replaces_a_made_up_cookie_with_a_signed_one(client, landing) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.cookies["yl_v"] = "chosen-by-client"

    client.get("/lp/hair-loss/")
    issued = client.cookies["yl_v"].value

    assert issued != "chosen-by-client"
    assert client.post(f"/lp/ab/{test.pk}/seen/", headers=SAME_ORIGIN).json() == {"counted": True}
    assert sum(ABArmStat.objects.filter(test=test).values_list("visitors", flat=True)) == 1


@pytest.mark.django_db
def test_a_visitor_counts_once_per_test_even_when_the_cache_forgets(client, landing) -> None:
    from django.core.cache import cache

    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.cookies["yl_v"] = visitor_cookie_value("visitor-9")
    assert client.post(f"/lp/ab/{test.pk}/seen/", headers=SAME_ORIGIN).json() == {"counted": True}
    cache.clear()  # evicted, restarted, or a cache outage
    assert client.post(f"/lp/ab/{test.pk}/seen/", headers=SAME_ORIGIN).json() == {"counted": False}
    assert ab_conversion_record(test_id=test.pk, visitor="visitor-9") is not None
    cache.clear()
    assert ab_conversion_record(test_id=test.pk, visitor="visitor-9") is None
    stat = ABArmStat.objects.get(test=test)
    assert (stat.visitors, stat.conversions) == (1, 1)


# --- Issue 13 review, point 14: the counts cannot be stuffed by a script ------------------


def _beacon(client, test_id: int, headers=None):
    return client.post(
        f"/lp/ab/{test_id}/seen/", headers=SAME_ORIGIN if headers is None else headers
    )


def _counted(test) -> int:
    return sum(ABArmStat.objects.filter(test=test).values_list("visitors", flat=True))


@pytest.mark.django_db
def test_the_page_view_that_sets_the_cookie_counts_nobody(client, landing) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")

    for _ in range(3):
        client.cookies.clear()
        assert client.get("/lp/hair-loss/").status_code == 200  # each mints a fresh cookie

    assert _counted(test) == 0
    assert ABVisitor.objects.count() == 0


@pytest.mark.django_db
def test_a_script_minting_cookies_is_capped_per_address_per_day(client, landing, settings):
    # given a script that loads the page (fresh cookie) and beacons, over and over
    settings.LANDING_AB_VISITORS_PER_ADDRESS_DAY = 3
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    answers = []
    for _ in range(6):
        client.cookies.clear()
        client.get("/lp/hair-loss/")
        answers.append(_beacon(client, test.pk).status_code)

    # then only the address's daily allowance counts; the rest are refused with their code
    assert answers == [200, 200, 200, 429, 429, 429]
    assert _counted(test) == 3
    # and another address is not held back by this one
    client.cookies.clear()
    client.get("/lp/hair-loss/", REMOTE_ADDR="10.9.9.9")
    other = client.post(f"/lp/ab/{test.pk}/seen/", headers=SAME_ORIGIN, REMOTE_ADDR="10.9.9.9")
    assert other.json() == {"counted": True}
    assert _counted(test) == 4


@pytest.mark.django_db
def test_a_replayed_beacon_counts_once_and_uses_no_allowance(client, landing, settings):
    settings.LANDING_AB_VISITORS_PER_ADDRESS_DAY = 2
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.get("/lp/hair-loss/")

    replies = [_beacon(client, test.pk).json() for _ in range(5)]

    assert replies == [{"counted": True}] + [{"counted": False}] * 4
    assert _counted(test) == 1
    client.cookies.clear()
    client.get("/lp/hair-loss/")
    assert _beacon(client, test.pk).json() == {"counted": True}  # allowance left for one more


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},  # a script or bot: no origin at all
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site"},
        {"Referer": "https://evil.example/lp/hair-loss/"},
        {"Referer": "http://testserver.evil.example/lp/"},
    ],
    ids=["none", "foreign-origin", "cross-site", "same-site", "foreign-referer", "lookalike"],
)
def test_a_beacon_not_sent_by_our_page_is_refused(client, landing, headers) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.get("/lp/hair-loss/")

    answer = _beacon(client, test.pk, headers=headers)

    assert (answer.status_code, answer.json()["error"]) == (403, "cross_origin")
    assert ABVisitor.objects.count() == 0


@pytest.mark.django_db
def test_an_older_browser_with_only_a_referer_counts(client, landing) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.get("/lp/hair-loss/")

    answer = _beacon(client, test.pk, headers={"Referer": "http://testserver/lp/hair-loss/"})

    assert answer.json() == {"counted": True}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cookie",
    [
        lambda: "visitor-1",
        lambda: visitor_cookie_value("v1") + "x",
        lambda: __import__("django.core.signing", fromlist=["x"]).Signer(salt="other").sign("v1"),
        lambda: __import__("django.core.signing", fromlist=["x"]).dumps("v1"),
    ],
    ids=["unsigned", "altered", "other-salt", "signed-object"],
)
def test_a_forged_or_foreign_cookie_counts_nobody(client, landing, cookie) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.cookies["yl_v"] = cookie()

    answer = _beacon(client, test.pk)

    assert (answer.status_code, answer.json()["error"]) == (400, "no_visitor")
    assert ABVisitor.objects.count() == 0


@pytest.mark.django_db
def test_a_cookie_from_another_test_is_one_visitor_once_in_each(client, landing) -> None:
    # given a visitor cookie issued on another test's page (the test since ended)
    first = certified_ab_test(landing.page, name="旧测试", headline_b="旧 B")
    client.get("/lp/hair-loss/")
    assert _beacon(client, first.pk).json() == {"counted": True}
    first.status = ABTest.Status.FINISHED
    first.save()
    second = certified_ab_test(landing.page, name="新测试", headline_b="新 B")

    # when it is replayed against the new test and the old one
    replies = [_beacon(client, second.pk).json() for _ in range(3)]
    old = _beacon(client, first.pk).json()

    # then the person counts once in the new test, and the ended test does not move
    assert replies == [{"counted": True}, {"counted": False}, {"counted": False}]
    assert old == {"counted": False}
    assert (_counted(first), _counted(second)) == (1, 1)


@pytest.mark.django_db
def test_conversions_count_once_per_visitor_however_often_they_submit(client, landing) -> None:
    test = certified_ab_test(landing.page, name="标题测试", headline_b="B 版标题")
    client.get("/lp/hair-loss/")
    assert _beacon(client, test.pk).json() == {"counted": True}

    # the same submission replayed, then two more people's leads from the same browser
    sent = [
        client.post("/lp/hair-loss/", form_data(idem="k-1", utm_term=None)),
        client.post("/lp/hair-loss/", form_data(idem="k-1", utm_term=None)),
        client.post("/lp/hair-loss/", form_data(idem="k-2", phone="13912345670", utm_term=None)),
        client.post("/lp/hair-loss/", form_data(idem="k-3", phone="13912345671", utm_term=None)),
    ]

    assert [s.status_code for s in sent] == [302] * 4
    stat = ABArmStat.objects.get(test=test)
    assert (stat.visitors, stat.conversions) == (1, 1)
    assert ABVisitor.objects.get(test=test).converted is True


@pytest.mark.django_db
def test_the_b_arm_is_read_by_the_check_and_served_only_as_certified(client, landing) -> None:
    """Round 13 verification F1: a B headline with 「三天见效，治愈率98%」 and a WeChat id went to
    half the visitors of a certified landing page, which the check still rated clean."""
    from cms.compliance import check_page
    from cms.compliance.gate import publish_decision
    from landing.selectors import ab_arm_b_certified

    test = certified_ab_test(landing.page, name="标题测试", headline_b="先检测再调理")
    ABTest.objects.filter(pk=test.pk).update(
        headline_b="三天见效，治愈率98%", subheadline_b="加微信hair2024立即预约"
    )
    page = LandingPage.objects.get(pk=landing.page.pk)

    report = check_page(page)
    assert {f.field for f in report.blocking} >= {"ab_test.headline_b"}
    assert publish_decision(page=page, report=report).reason == "content_changed"
    assert not ab_arm_b_certified(page=page)
    for i in range(20):  # no visitor of either arm reads the new words
        client.cookies["yl_v"] = visitor_cookie_value(f"v{i}")
        assert "治愈率98%" not in client.get("/lp/hair-loss/").content.decode()


@pytest.mark.django_db
def test_a_b_package_waits_for_the_certificate_like_a_b_headline(client, landing) -> None:
    """Sixteenth verification H3: the growth team set the B arm's service package to another
    specialty's (糖尿病3个月管理套餐 ¥1999) and half the visitors of the certified hair-loss
    landing page saw it at once: the B package was outside the certificate's digest."""
    from cms.compliance import check_page
    from cms.compliance.gate import publish_decision
    from cms.seed import certify_packages
    from landing.selectors import ab_arm_b_certified
    from tests.funnel.factories import PackageFactory, SpecialtyFactory

    other = PackageFactory(
        specialty=SpecialtyFactory(slug="diabetes", name="糖尿病"),
        slug="diabetes-3m",
        name="糖尿病3个月管理套餐",
    )
    certify_packages()  # the package is on sale on its own certificate
    test = certified_ab_test(landing.page, name="标题测试", headline_b="先检测再调理")
    assert ab_arm_b_certified(page=LandingPage.objects.get(pk=landing.page.pk))

    ABTest.objects.filter(pk=test.pk).update(package_b=other)
    page = LandingPage.objects.get(pk=landing.page.pk)

    assert "ab_test.package_b.name" in {field for field, _text in _texts(page)}
    assert publish_decision(page=page, report=check_page(page)).reason == "content_changed"
    assert not ab_arm_b_certified(page=page)
    for i in range(24):  # no visitor of either arm is offered the B package
        client.cookies["yl_v"] = visitor_cookie_value(f"v{i}")
        assert "糖尿病3个月管理套餐" not in client.get("/lp/hair-loss/").content.decode()

    # the reviewer records the certificate for the page as it now reads: B is served again
    publish_ad_page(page)
    shown = set()
    for i in range(24):
        client.cookies["yl_v"] = visitor_cookie_value(f"v{i}")
        shown.add("糖尿病3个月管理套餐" in client.get("/lp/hair-loss/").content.decode())
    assert shown == {True, False}


def _texts(page):
    from cms.compliance.extract import page_texts

    return list(page_texts(page))


def test_a_second_running_test_is_refused_in_words(landing) -> None:
    """Seventeenth verification F3-3: the admin form said 「约束 “abtest_one_running” 是无效的」."""
    from django.core.exceptions import ValidationError

    ABTest.objects.create(page=landing.page, name="标题测试一", headline_b="头发稀疏？先查原因")
    second = ABTest(page=landing.page, name="标题测试二", headline_b="掉发多？先做检测")

    with pytest.raises(ValidationError) as refused:
        second.full_clean()

    assert "该落地页已有一个进行中的 A/B 测试" in str(refused.value)
