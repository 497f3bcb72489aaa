"""Withdrawal and purge reach what they missed (issue 13 point 2): staff withdraw from the
lead's admin page (its own permission, confirmation, CSRF, audited), notifications are
encrypted, one-character names are masked, admin history and never-linked raw records of the
same phone are wiped. The whole-database scan is tests/landing/test_erasure.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from funnel.crypto import decrypt_str, mask_name
from funnel.models import InboundLead, InboundStatus, Lead, LeadEvent, Notification
from funnel.payload import Consent
from funnel.services.followups import followup_schedule, followups_dispatch
from funnel.services.intake import IntakeSource, lead_intake
from funnel.services.notify import notify
from funnel.services.pii import consent_withdraw, leads_purge_expired, pii_keys_rotate
from tests.funnel.factories import UserFactory, payload

pytestmark = pytest.mark.django_db

NAME = "欧阳晓梅"
PHONE = "13912345678"


def _staff(username: str, *codenames: str):
    user = UserFactory(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "view_lead", *codenames])
    )
    return type(user).objects.get(pk=user.pk)


def _url(lead_id: int) -> str:
    return f"/admin/funnel/leads/{lead_id}/withdraw/"


# ---- point 3: masking -------------------------------------------------------------------


def test_a_one_character_name_is_masked_whole() -> None:
    assert mask_name("王") == "*"
    assert mask_name("李四") == "李*"
    assert mask_name("张三丰") == "张**"
    assert mask_name("") == ""


def test_a_reminder_about_a_one_character_name_does_not_show_it(ingest) -> None:
    lead_id = ingest(payload(PHONE, name="王")).lead_id
    followup_schedule(
        lead_id=lead_id, kind="revisit", due_at=timezone.now() - dt.timedelta(minutes=1)
    )
    followups_dispatch(now=timezone.now())

    (sent,) = Notification.objects.all()
    assert "王" not in sent.title + sent.body
    assert f"* #{lead_id}" in sent.title


# ---- point 2: notifications encrypted -----------------------------------------------------


def _raw_notification(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, body FROM funnel_notification WHERE id = %s", [pk])
        return cursor.fetchone()


def test_notification_title_and_body_are_encrypted_at_rest_and_rotated(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = ["old-key"]
    notify(title=f"复诊：{NAME}", body=f"{NAME} 自述失眠")
    (row,) = Notification.objects.all()
    title, body = _raw_notification(row.pk)
    assert NAME not in title + body
    assert (decrypt_str(title), decrypt_str(body)) == (f"复诊：{NAME}", f"{NAME} 自述失眠")

    settings.FIELD_ENCRYPTION_KEYS = ["new-key", "old-key"]
    pii_keys_rotate()
    settings.FIELD_ENCRYPTION_KEYS = ["new-key"]

    assert _raw_notification(row.pk) != (title, body)
    assert Notification.objects.get().body == f"{NAME} 自述失眠"


@pytest.mark.django_db(transaction=True)
def test_migration_encrypts_existing_notifications_and_back(migrator) -> None:
    before = [("funnel", "0016_merge_session_branches")]
    after = [("funnel", "0017_erase_notification_encrypt_withdraw_perm")]
    apps = migrator(before)
    Old = apps.get_model("funnel", "Notification")
    plain = Old.objects.create(title=f"复诊：{NAME}", body=f"{NAME} 自述失眠")
    empty = Old.objects.create(title="线索无人可接", body="")
    assert _raw_notification(plain.pk) == (f"复诊：{NAME}", f"{NAME} 自述失眠")

    migrator(after)
    title, body = _raw_notification(plain.pk)
    assert (decrypt_str(title), decrypt_str(body)) == (f"复诊：{NAME}", f"{NAME} 自述失眠")
    assert Notification.objects.get(pk=empty.pk).body == ""
    migrator(after)  # a re-run leaves encrypted values alone
    assert Notification.objects.get(pk=plain.pk).title == f"复诊：{NAME}"

    migrator(before)  # and back
    assert _raw_notification(plain.pk) == (f"复诊：{NAME}", f"{NAME} 自述失眠")
    assert _raw_notification(empty.pk) == ("线索无人可接", "")


# ---- point 1: the admin action --------------------------------------------------------------


def test_withdraw_get_asks_for_confirmation_and_changes_nothing(client, ingest) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    client.force_login(_staff("boss", "withdraw_consent"))

    inspect = client.get(f"/admin/funnel/leads/inspect/{lead_id}/").content.decode()
    assert _url(lead_id) in inspect
    assert "撤回授权并匿名化" in inspect
    page = client.get(_url(lead_id))

    assert page.status_code == 200
    html = page.content.decode()
    assert "不可撤销" in html
    assert 'method="post"' in html
    assert "csrfmiddlewaretoken" in html
    lead = Lead.objects.get(pk=lead_id)
    assert (lead.name, lead.anonymized_at) == (NAME, None)
    assert not LeadEvent.objects.filter(kind="consent").exists()


def test_withdraw_post_anonymizes_and_records_the_acting_user(client, ingest) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    boss = _staff("boss", "withdraw_consent")
    client.force_login(boss)

    response = client.post(_url(lead_id))

    assert response.status_code == 302
    assert response["Location"] == f"/admin/funnel/leads/inspect/{lead_id}/"
    lead = Lead.objects.get(pk=lead_id)
    assert (lead.name, lead.phone) == ("", "")
    assert lead.anonymized_at is not None
    assert lead.consent_withdrawn_at is not None
    (event,) = LeadEvent.objects.filter(kind="consent")
    assert (event.lead_id, event.actor_id) == (lead_id, boss.pk)
    inspect = client.get(f"/admin/funnel/leads/inspect/{lead_id}/").content.decode()
    assert "已匿名化" in inspect
    assert _url(lead_id) not in inspect


def test_withdraw_twice_is_a_clear_409_with_no_second_write(client, ingest) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    client.force_login(_staff("boss", "withdraw_consent"))
    client.post(_url(lead_id))
    anonymized_at = Lead.objects.get(pk=lead_id).anonymized_at

    for again in (client.post(_url(lead_id)), client.get(_url(lead_id))):
        assert again.status_code == 409
        assert "already_anonymized" in again.content.decode()
    assert LeadEvent.objects.filter(kind="consent").count() == 1
    assert Lead.objects.get(pk=lead_id).anonymized_at == anonymized_at


def test_withdraw_after_the_retention_purge_is_409_too(client, ingest, settings) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    settings.FUNNEL_RETENTION_DAYS = 1
    leads_purge_expired(now=timezone.now() + dt.timedelta(days=3))
    client.force_login(_staff("boss", "withdraw_consent"))

    assert client.post(_url(lead_id)).status_code == 409
    assert LeadEvent.objects.filter(kind="consent").count() == 1  # the purge's own


@pytest.mark.parametrize("method", ["get", "post"])
def test_withdraw_without_the_permission_is_403_and_writes_nothing(client, ingest, method) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    # may see and change the lead (an assistant's rights), may not withdraw
    client.force_login(_staff("yizhu", "change_lead"))

    response = getattr(client, method)(_url(lead_id))

    assert response.status_code == 403
    assert "withdraw_forbidden" in response.content.decode()
    assert Lead.objects.get(pk=lead_id).name == NAME
    assert not LeadEvent.objects.filter(kind="consent").exists()
    inspect = client.get(f"/admin/funnel/leads/inspect/{lead_id}/").content.decode()
    assert _url(lead_id) not in inspect


def test_the_service_refuses_staff_without_the_permission(ingest) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    from config.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        consent_withdraw(lead_id=lead_id, actor=_staff("yizhu", "change_lead"))
    assert (refused.value.code, refused.value.status) == ("withdraw_forbidden", 403)
    assert Lead.objects.get(pk=lead_id).anonymized_at is None


def test_withdraw_post_without_csrf_token_is_refused(ingest) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(_staff("boss", "withdraw_consent"))

    assert strict.post(_url(lead_id)).status_code == 403

    assert Lead.objects.get(pk=lead_id).anonymized_at is None


def test_withdraw_of_a_lead_not_visible_is_404(client, ingest) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    client.force_login(_staff("boss", "withdraw_consent"))
    assert client.post(_url(lead_id + 999)).status_code == 404
    assert client.put(_url(lead_id)).status_code == 405
    assert Lead.objects.get(pk=lead_id).anonymized_at is None


def test_seeded_supervisors_may_withdraw_and_assistants_may_not() -> None:
    from funnel.seed import _roles

    roles = _roles()
    assert roles["growth"].permissions.filter(codename="withdraw_consent").exists()
    assert not roles["assistants"].permissions.filter(codename="withdraw_consent").exists()
    assert not roles["editors"].permissions.filter(codename="withdraw_consent").exists()


def test_seeded_supervisors_can_do_the_wecom_desk_work(client) -> None:
    """Review of issue 16: 主管 binds unmatched contacts, reads the WeCom logs, the assistant
    board and the churn follow-ups."""
    from funnel.seed import _roles

    roles = _roles()
    boss = UserFactory(username="zhuguan_test")
    boss.groups.add(roles["growth"], roles["supervisors"])
    client.force_login(boss)
    for url in (
        "/admin/channels/wecom/contacts/",
        "/admin/channels/wecom/welcomes/",
        "/admin/channels/wecom/tag-marks/",
        "/admin/channels/wecom/transfers/",
        "/admin/channels/postbacks/",
        "/admin/reports/assistants/",
        "/admin/snippets/funnel/followup/",
    ):
        assert client.get(url).status_code == 200, url


# ---- point 5: admin history -----------------------------------------------------------------


def test_withdrawal_relabels_the_leads_admin_history(client, ingest) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    # an admin edit (the real view) and entries written when the label was the name
    edit = client.post(
        f"/admin/funnel/leads/edit/{lead_id}/",
        {"gender": "", "age": "", "city": "上海", "birthday": "1990-05-01", "specialty": ""},
    )
    assert edit.status_code == 302, edit.content.decode()[:2000]
    lead = Lead.objects.get(pk=lead_id)
    log(instance=lead, action="wagtail.edit", title=NAME, data={"name": NAME, "revision": 3})
    LogEntry.objects.log_actions(user_id=root.pk, queryset=[lead], action_flag=CHANGE)
    LogEntry.objects.filter(object_id=str(lead_id)).update(object_repr=NAME)
    assert ModelLogEntry.objects.filter(object_id=str(lead_id)).count() == 2
    other = ingest(payload("13800138000", name="李华")).lead_id
    log(instance=Lead.objects.get(pk=other), action="wagtail.edit", title="李华")

    client.post(_url(lead_id))  # root has every permission

    lead_type = ContentType.objects.get_for_model(Lead)
    for entry in ModelLogEntry.objects.filter(content_type=lead_type, object_id=str(lead_id)):
        assert entry.label == f"线索 #{lead_id}"
        assert all(not isinstance(v, str | dict | list) for v in entry.data.values())
    assert ModelLogEntry.objects.get(object_id=str(lead_id), data__revision=3)
    (legacy,) = LogEntry.objects.filter(content_type=lead_type, object_id=str(lead_id))
    assert (legacy.object_repr, legacy.change_message) == (f"线索 #{lead_id}", "")
    # another person's history is theirs
    assert ModelLogEntry.objects.get(object_id=str(other)).label == "李华"


# ---- point 6: never-linked raw records of the same phone ------------------------------------


def _quarantined_siblings(phone_written: str) -> list[int]:
    """Raw records of this phone that never became a lead: no consent, no payload at all
    (only the raw body has the phone), a record not processed yet."""
    source = IntakeSource(channel="douyin", account="dy-main")
    ids = [
        lead_intake(
            source=source,
            external_id="no-consent",
            raw={"tel": phone_written, "name": NAME},
            payload=payload(phone_written, name=NAME, consent=Consent(given=False)),
        ),
        lead_intake(
            source=source,
            external_id="unmapped",
            raw={"form": [{"label": "手机", "value": f"+86 {PHONE}"}], "name": NAME},
            payload=None,
        ),
    ]
    rows = [result.inbound_id for result in ids]
    for pk in rows:
        row = InboundLead.objects.get(pk=pk)
        assert (row.status, row.lead_id) == (InboundStatus.QUARANTINED, None)
    return rows


@pytest.mark.parametrize("how", ["withdraw", "purge"])
def test_never_linked_records_of_the_phone_are_wiped(ingest, settings, how) -> None:
    lead_id = ingest(payload(PHONE, name=NAME)).lead_id
    mine = _quarantined_siblings("139-1234-5678")
    theirs = lead_intake(
        source=IntakeSource(channel="douyin", account="dy-main"),
        external_id="someone-else",
        raw={"tel": "13800138000", "name": "李华"},
        payload=payload("13800138000", name="李华", consent=Consent(given=False)),
    ).inbound_id

    if how == "withdraw":
        consent_withdraw(lead_id=lead_id, actor_label="患者来电")
    else:
        settings.FUNNEL_RETENTION_DAYS = 365
        Lead.objects.filter(pk=lead_id).update(
            last_touch_at=timezone.now() - dt.timedelta(days=400)
        )
        assert leads_purge_expired() == 1

    for pk in mine:
        row = InboundLead.objects.get(pk=pk)
        assert (row.status, row.raw, row.payload) == (
            InboundStatus.ANONYMIZED,
            {"anonymized": True},
            None,
        )
    other = InboundLead.objects.get(pk=theirs)
    assert other.status == InboundStatus.QUARANTINED
    assert other.raw["name"] == "李华"


# ---- what the reviewer found left on the lead row -------------------------------------


@pytest.mark.parametrize("how", ["withdraw", "purge"])
def test_city_score_reasons_and_referral_code_go_with_the_person(
    client, ingest, settings, how
) -> None:
    from funnel.services.referrals import referral_code_ensure

    lead_id = ingest(payload(PHONE, name=NAME, city="北京市朝阳区望京西园三区")).lead_id
    Lead.objects.filter(pk=lead_id).update(score_explanation=[{"reason": "关键词 脂溢性脱发"}])
    code = referral_code_ensure(lead_id=lead_id)
    assert client.get(f"/r/{code}/").status_code == 302

    if how == "withdraw":
        consent_withdraw(lead_id=lead_id)
    else:
        Lead.objects.filter(pk=lead_id).update(
            last_touch_at=timezone.now() - dt.timedelta(days=settings.FUNNEL_RETENTION_DAYS + 1),
            created_at=timezone.now() - dt.timedelta(days=settings.FUNNEL_RETENTION_DAYS + 1),
        )
        assert leads_purge_expired() >= 1

    lead = Lead.objects.get(pk=lead_id)
    assert (lead.city, lead.score_explanation, lead.referral_code) == ("", [], None)
    assert client.get(f"/r/{code}/").status_code == 404
    assert client.get(f"/r/{code}.svg").status_code == 404


def test_the_growth_lead_opens_the_quarantine_queue_and_replays_as_days_md_says(client) -> None:
    """Review of issue 14: 隔离队列 was superuser-only although the growth lead's day uses it."""
    from funnel.seed import _roles

    roles = _roles()
    growth = UserFactory(username="zengzhang_test")
    growth.groups.add(roles["growth"])
    editor = UserFactory(username="bianji_test")
    editor.groups.add(roles["editors"])
    client.force_login(growth)
    queue = client.get("/admin/intake/quarantine/")
    home = client.get("/admin/")

    assert queue.status_code == 200
    assert "/admin/intake/quarantine/" in home.content.decode()  # its menu item
    assert client.get("/admin/funnel/inbound/").status_code == 200
    client.force_login(editor)
    assert client.get("/admin/intake/quarantine/").status_code in (302, 403)  # refused
    assert "/admin/intake/quarantine/" not in client.get("/admin/").content.decode()
