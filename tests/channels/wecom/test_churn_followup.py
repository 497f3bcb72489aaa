"""`del_follow_user` (the patient deleted the assistant): the 被删除挽回 follow-up belongs to a
supervisor (主管) and is on that supervisor's admin home; the assistant only when no
supervisor can be found, and the task says so. Through the real callback endpoint."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group, Permission, User

from channels.wecom.state import state_for_lead
from funnel.models import Assistant, AssistantPool, Clinic, FollowUp
from funnel.selectors import followups_due_for_user
from tests.channels.conftest import drain
from tests.channels.wecom.conftest import event_xml

pytestmark = pytest.mark.django_db


def _user(name: str, *, supervisor_group: bool = False, active: bool = True) -> User:
    user = User.objects.create_user(name, password="pw-Q7x!long", is_staff=True, is_active=active)
    if supervisor_group:
        group, _ = Group.objects.get_or_create(name="主管")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        user.groups.add(group)
    return user


@pytest.fixture
def assistant():
    clinic = Clinic.objects.create(name="朝阳门店")
    user = _user("lin")
    return Assistant.objects.create(
        name="林医助", wecom_userid="zhangsan", clinic=clinic, user=user
    )


def _churn(post_event, lead) -> FollowUp:
    added = int(time.time()) - 600
    post_event(event_xml(State=state_for_lead(lead.pk), CreateTime=str(added)))
    drain()
    post_event(event_xml(ChangeType="del_follow_user", State="", CreateTime=str(added + 300)))
    drain()
    return FollowUp.objects.get(lead=lead, kind=FollowUp.Kind.CHURN)


def test_the_churn_followup_belongs_to_the_pool_supervisor_and_is_on_her_home(
    post_event, make_lead, assistant, client
):
    clinic_head = _user("clinic_head", supervisor_group=True)
    pool_head = _user("pool_head", supervisor_group=True)
    Clinic.objects.filter(pk=assistant.clinic_id).update(supervisor=clinic_head)
    pool = AssistantPool.objects.create(name="皮肤科活码", slug="skin", supervisor=pool_head)
    lead = make_lead()
    type(lead).objects.filter(pk=lead.pk).update(assignee=assistant, pool=pool)

    followup = _churn(post_event, lead)

    # the pool's supervisor answers for the lead before the clinic's
    assert (followup.supervisor, followup.assignee) == (pool_head, None)
    assert followup.note == "患者已在企业微信删除医助 zhangsan，请跟进挽回"
    # the due reminder names the supervisor once (it used to read 「主管 x：主管 x：…」)
    from django.utils import timezone

    from funnel.models import Notification
    from funnel.services.followups import followups_dispatch

    FollowUp.objects.filter(pk=followup.pk).update(due_at=timezone.now())
    followups_dispatch()
    (reminder,) = [n.body for n in Notification.objects.all() if "到期" in n.body]
    assert reminder.count("主管 pool_head") == 1, reminder
    # not on the assistant's phone page: it is the supervisor's task
    assert not followups_due_for_user(user=assistant.user).filter(pk=followup.pk).exists()
    # on the supervisor's admin home, and not on the other supervisor's
    client.force_login(pool_head)
    response = client.get("/admin/")
    assert response.status_code == 200
    home = response.content.decode()
    assert "待我跟进" in home
    assert f"#{lead.pk}" in home
    client.force_login(clinic_head)
    other = client.get("/admin/")
    assert other.status_code == 200
    assert f"线索 #{lead.pk}" not in other.content.decode()


def test_without_a_pool_the_assistant_s_clinic_supervisor_gets_it(post_event, make_lead, assistant):
    clinic_head = _user("clinic_head", supervisor_group=True)
    Clinic.objects.filter(pk=assistant.clinic_id).update(supervisor=clinic_head)
    lead = make_lead()
    type(lead).objects.filter(pk=lead.pk).update(assignee=assistant)

    followup = _churn(post_event, lead)

    assert (followup.supervisor, followup.assignee) == (clinic_head, None)


def test_nobody_named_any_active_supervisor_gets_it(post_event, make_lead, assistant):
    _user("gone_head", supervisor_group=True, active=False)
    head = _user("head", supervisor_group=True)
    _user("not_a_head")
    lead = make_lead()
    type(lead).objects.filter(pk=lead.pk).update(assignee=assistant)

    followup = _churn(post_event, lead)

    assert (followup.supervisor, followup.assignee) == (head, None)


def test_no_supervisor_at_all_falls_back_to_the_assistant_and_says_so(
    post_event, make_lead, assistant
):
    inactive = _user("inactive_head", active=False)
    Clinic.objects.filter(pk=assistant.clinic_id).update(supervisor=inactive)
    lead = make_lead()
    type(lead).objects.filter(pk=lead.pk).update(assignee=assistant)

    followup = _churn(post_event, lead)

    assert (followup.supervisor, followup.assignee) == (None, assistant)
    assert "未找到主管" in followup.note
    assert followups_due_for_user(user=assistant.user).filter(pk=followup.pk).exists()
