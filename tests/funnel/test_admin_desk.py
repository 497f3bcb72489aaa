"""Issue 15 points 1, 3, 4 through the admin: reassign (one, bulk), the unassigned queue,
the readable lead page (Chinese stages, Shanghai times, click ids, score explanation),
enrolment from the lead page and the group roster."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from funnel.models import Lead, LeadEvent, Order, PrivateGroup, ScoringRule
from funnel.services.groups import group_enroll, group_leave
from funnel.services.stages import lead_stage_change
from tests.funnel.factories import (
    AssistantFactory,
    SpecialtyFactory,
    UserFactory,
    catch_all_rule,
    payload,
    pool_with,
)

pytestmark = pytest.mark.django_db


def _staff(username: str, *codenames: str):
    user = UserFactory(username=username)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["access_admin", *codenames]))
    return type(user).objects.get(pk=user.pk)


def _growth():
    return _staff("zengzhang", "view_lead", "change_lead", "assign_lead", "view_privategroup")


def test_unassigned_queue_lists_masked_leads_and_assigns_them(client, ingest) -> None:
    # given: two leads no rule matched, one assigned lead
    a = ingest(payload("13812345678", name="王晓明")).lead_id
    b = ingest(payload("13912345678", name="李华")).lead_id
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    ingest(payload("13712345678"))
    target = AssistantFactory(name="林医助")
    client.force_login(_growth())

    # when: the queue is opened, then a is assigned from it
    html = client.get("/admin/funnel/unassigned/").content.decode()
    response = client.post("/admin/funnel/unassigned/", {"leads": [a], "assistant": target.pk})

    # then: masked rows for a and b only; a now with 林医助, b still waiting
    assert "共 2 条" in html
    assert "138****5678" in html
    assert "139****5678" in html
    assert "王晓明" not in html
    assert "13812345678" not in html
    assert response.status_code == 302
    assert Lead.objects.get(pk=a).assignee_id == target.pk
    assert Lead.objects.get(pk=b).assignee_id is None
    assert "共 1 条" in client.get("/admin/funnel/unassigned/").content.decode()


def test_unassigned_queue_is_refused_without_the_assign_permission(client, ingest) -> None:
    a = ingest(payload("13812345678")).lead_id
    target = AssistantFactory()
    client.force_login(_staff("yizhu", "view_lead", "change_lead"))

    # Wagtail answers a PermissionDenied in the admin by sending the user home.
    page = client.get("/admin/funnel/unassigned/")
    post = client.post("/admin/funnel/unassigned/", {"leads": [a], "assistant": target.pk})

    assert (page.status_code, page.url) == (302, "/admin/")
    assert (post.status_code, post.url) == (302, "/admin/")
    assert Lead.objects.get(pk=a).assignee_id is None


def test_reassign_one_lead_from_its_page(client, ingest) -> None:
    pool, (a,) = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13812345678")).lead_id
    b = AssistantFactory()
    client.force_login(_growth())

    response = client.post(f"/admin/funnel/leads/{lead_id}/reassign/", {"assistant": b.pk})

    assert response.status_code == 302
    assert Lead.objects.get(pk=lead_id).assignee_id == b.pk
    assert LeadEvent.objects.filter(lead_id=lead_id, data__reason="manual").count() == 1


def test_bulk_reassign_action(client, ingest) -> None:
    pool, (a,) = pool_with([1])
    catch_all_rule(pool)
    ids = [ingest(payload(f"1381234567{i}")).lead_id for i in range(3)]
    b = AssistantFactory()
    client.force_login(_growth())
    url = "/admin/bulk/funnel/lead/reassign/?" + "&".join(f"id={i}" for i in ids[:2])

    page = client.get(url)
    response = client.post(url, {"assistant": b.pk})

    assert page.status_code == 200
    assert 'name="assistant"' in page.content.decode()  # the confirmation shows its field
    assert response.status_code == 302
    owners = dict(Lead.objects.filter(pk__in=ids).values_list("pk", "assignee_id"))
    assert owners == {ids[0]: b.pk, ids[1]: b.pk, ids[2]: a.pk}


def test_bulk_stage_confirmation_shows_its_fields(client, ingest) -> None:
    # Review of issue 14: the confirmation page rendered no stage, amount or note field.
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    ids = [ingest(payload(f"1381234568{i}")).lead_id for i in range(2)]
    client.force_login(_growth())
    url = "/admin/bulk/funnel/lead/change_stage/?" + "&".join(f"id={i}" for i in ids)

    html = client.get(url).content.decode()

    for name in ("to_stage", "note"):
        assert f'name="{name}"' in html
    # a payment is recorded per lead, with its amount, from the lead page
    assert 'value="paid"' not in html
    assert 'value="repurchased"' not in html
    response = client.post(url, {"to_stage": "paid", "amount": "1980"})
    assert response.status_code == 200  # the form refuses it
    assert not Order.objects.exists()


def test_lead_page_reads_in_chinese_and_shanghai_time(client, ingest) -> None:
    # given: a Baidu lead with a click id, scored by one rule, moved along, at a known time
    SpecialtyFactory()
    ScoringRule.objects.create(name="专科明确", kind="specialty_match", points=20)
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(
        payload("13812345678", channel="baidu", click_ids={"bd_vid": "bdvid42"}, keyword="脱发")
    ).lead_id
    lead_stage_change(lead_id=lead_id, to_stage="contacted", actor_label="医助")
    lead_stage_change(lead_id=lead_id, to_stage="prescribed", actor_label="医助")
    utc = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)  # 2026-03-02 01:30 in Shanghai
    Lead.objects.filter(pk=lead_id).update(created_at=utc)
    LeadEvent.objects.filter(lead_id=lead_id).update(created_at=utc)
    client.force_login(UserFactory(username="root", is_superuser=True))

    html = client.get(f"/admin/funnel/leads/inspect/{lead_id}/").content.decode()

    timeline = re.search(r'data-testid="timeline">(.*?)</ol>', html, re.S).group(1)
    assert "已加微 → 已开方" in timeline
    assert "— → 新线索" in timeline
    assert "prescribed" not in timeline.replace('datetime="', "")
    assert "2026-03-02 01:30" in timeline
    assert "2026-03-01 17:30" not in html
    assert "17:30" not in html  # the field list shows Shanghai time too
    touch = re.search(r'data-testid="touchpoints">(.*?)</ol>', html, re.S).group(1)
    assert "点击 ID bd_vid=bdvid42" in touch
    assert "百度（营销）" in touch
    score = re.search(r'data-testid="score-explanation">(.*?)</ul>', html, re.S).group(1)
    assert "专科明确 <strong>+20</strong>" in score
    # a prescribed lead offers only the stages allowed next
    options = re.findall(
        r'<option value="(\w+)">', html.split('name="to_stage"')[1].split("</select>")[0]
    )
    assert options == ["paid", "lost"]


def test_the_lead_page_names_the_gender_in_chinese(client, ingest) -> None:
    """Nineteenth verification C-F7: the lead page read 「性别 f」."""
    SpecialtyFactory()
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    lead_id = ingest(payload("13812345679", gender="female")).lead_id
    client.force_login(UserFactory(username="root", is_superuser=True))

    html = client.get(f"/admin/funnel/leads/inspect/{lead_id}/").content.decode()

    field = re.search(r"性别</dt>\s*<dd[^>]*>(.*?)</dd>", html, re.S)
    assert field is not None
    assert field.group(1).strip() == "女"


def test_enrol_from_the_lead_page_and_the_roster(client, ingest) -> None:
    # given
    pool, _ = pool_with([1])
    catch_all_rule(pool)
    a = ingest(payload("13812345678", name="王晓明")).lead_id
    b = ingest(payload("13912345678", name="李华")).lead_id
    camp = PrivateGroup.objects.create(name="13天好睡眠训练营", kind="camp", capacity=1)
    group_enroll(group_id=camp.pk, lead_id=b)
    group_leave(group_id=camp.pk, lead_id=b)
    client.force_login(_growth())

    # when: a is enrolled from its page; the roster is opened and searched
    client.post(f"/admin/funnel/leads/{a}/enroll/", {"group": camp.pk})
    roster = client.get(f"/admin/funnel/groups/{camp.pk}/roster/").content.decode()
    found = client.get(f"/admin/funnel/groups/{camp.pk}/roster/", {"q": "138 1234 5678"})
    full = client.post(f"/admin/funnel/leads/{b}/enroll/", {"group": camp.pk}, follow=True)

    # then: a joined, b's stay shows its leaving time; search finds a only; the full camp
    # refused b and wrote nothing
    assert list(
        camp.memberships.filter(left_at__isnull=True).values_list("lead_id", flat=True)
    ) == [a]
    assert "138****5678" in roster
    assert "139****5678" in roster
    assert "王晓明" not in roster
    left_at = timezone.localtime(camp.memberships.get(lead_id=b).left_at).strftime("%Y-%m-%d %H:%M")
    assert left_at in roster
    found_html = found.content.decode()
    assert f'data-lead="{a}"' in found_html
    assert f'data-lead="{b}"' not in found_html
    assert "社群已满员" in full.content.decode()
    listing = client.get("/admin/snippets/funnel/privategroup/").content.decode()
    assert f'<a href="/admin/funnel/groups/{camp.pk}/roster/">1 / 1 名单</a>' in listing
    assert camp.memberships.filter(lead_id=b, left_at__isnull=True).count() == 0
