"""Moving intake records and spend facts from channels into the funnel keeps every row.

A database at the schema of the previous main (funnel 0006, channels 0005) is filled with leads,
touchpoints, intake records in every status (quarantine included), spend per account and the
intake sweep's beat row, then migrated to the newest schema and back again."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("funnel", "0006_lead_report_facts"), ("channels", "0005_install_inbound_sweep")]


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _fill(apps) -> dict:
    """Rows as the previous main wrote them, through its historical models."""
    Account = apps.get_model("channels", "ChannelAccount")
    Inbound = apps.get_model("channels", "InboundLead")
    Spend = apps.get_model("channels", "SpendRecord")
    Lead = apps.get_model("funnel", "Lead")
    Touchpoint = apps.get_model("funnel", "Touchpoint")
    douyin = Account.objects.create(channel="douyin", name="dy-main", secret="s")
    baidu = Account.objects.create(channel="baidu", name="bd-main", secret="s")
    lead = Lead.objects.create(phone_hash="h1", phone="+8613800000001", name="张三")
    now = timezone.now()
    processed = Inbound.objects.create(
        channel="douyin",
        account=douyin,
        account_name="dy-main",
        external_id="clue-1",
        raw={"clue_id": "clue-1", "telephone": "13800000001"},
        payload={"phone": "13800000001", "channel": "douyin"},
        status="processed",
        lead=lead,
        result="created",
        attempts=1,
        processed_at=now,
    )
    quarantined = Inbound.objects.create(
        channel="baidu",
        account=baidu,
        account_name="bd-main",
        external_id="malformed:abc",
        raw={"body": "not json"},
        payload=None,
        status="quarantined",
        reason="malformed_body",
        detail="body is not a JSON object",
    )
    received = Inbound.objects.create(
        channel="landing",
        account=None,
        account_name="",
        external_id="idem-1",
        raw={"phone": "13800000002"},
        payload={"phone": "13800000002", "channel": "landing"},
    )
    touch = Touchpoint.objects.create(
        lead=lead, inbound=processed, channel="douyin", is_first=True, occurred_at=now
    )
    day = dt.date(2026, 11, 1)
    for account, cost in ((douyin, "300.50"), (baidu, "120.00")):
        Spend.objects.create(
            channel=account.channel,
            account=account,
            campaign_id="c1",
            campaign_name="计划一",
            date=day,
            cost=Decimal(cost),
            impressions=1000,
            clicks=30,
        )
    return {
        "lead": lead.pk,
        "processed": processed.pk,
        "quarantined": quarantined.pk,
        "received": received.pk,
        "touch": touch.pk,
        "accounts": {"douyin": douyin.pk, "baidu": baidu.pk},
    }


@pytest.mark.django_db(transaction=True)
def test_previous_rows_survive_the_move_into_the_funnel_and_back(migrator) -> None:
    # given a database at the previous schema, filled as the previous main filled it
    ids = _fill(migrator(BEFORE))

    # when it is migrated to the newest schema
    apps = migrator(_latest())

    # then every intake record is the funnel's, with its status, reason, lead and source
    Inbound = apps.get_model("funnel", "InboundLead")
    rows = {row.pk: row for row in Inbound.objects.all()}
    assert set(rows) == {ids["processed"], ids["quarantined"], ids["received"]}
    processed = rows[ids["processed"]]
    assert (processed.status, processed.result, processed.lead_id) == (
        "processed",
        "created",
        ids["lead"],
    )
    assert (processed.channel, processed.account_name) == ("douyin", "dy-main")
    assert processed.raw == {"clue_id": "clue-1", "telephone": "13800000001"}
    quarantined = rows[ids["quarantined"]]
    assert (quarantined.status, quarantined.reason) == ("quarantined", "malformed_body")
    assert rows[ids["received"]].status == "received"
    # the touchpoint still points at its record, the record back at its lead
    Touchpoint = apps.get_model("funnel", "Touchpoint")
    assert Touchpoint.objects.get(pk=ids["touch"]).inbound_id == ids["processed"]
    # spend names its account instead of linking it
    Spend = apps.get_model("funnel", "SpendRecord")
    spend = sorted(Spend.objects.values_list("channel", "account_name", "cost"))
    assert spend == [
        ("baidu", "bd-main", Decimal("120.00")),
        ("douyin", "dy-main", Decimal("300.50")),
    ]
    # the sweep's beat row runs the task under its new name, and the outbox has its own
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"funnel.intake_sweep", "funnel.outbox_sweep"} <= tasks
    assert "channels.inbound_sweep" not in tasks

    # when it is migrated back to the previous funnel schema
    old = migrator([("funnel", "0006_lead_report_facts")], state=BEFORE)

    # then the channels app holds the rows again, spend linked to its accounts once more
    OldSpend = old.get_model("channels", "SpendRecord")
    linked = dict(OldSpend.objects.values_list("channel", "account_id"))
    assert linked == ids["accounts"]
    OldInbound = old.get_model("channels", "InboundLead")
    assert OldInbound.objects.count() == 3
    old_processed = OldInbound.objects.get(pk=ids["processed"])
    assert (old_processed.lead_id, old_processed.account_id) == (
        ids["lead"],
        ids["accounts"]["douyin"],
    )
    assert OldInbound.objects.get(pk=ids["received"]).account_id is None
    PeriodicTask = old.get_model("django_celery_beat", "PeriodicTask")
    assert PeriodicTask.objects.filter(task="channels.inbound_sweep").count() == 1

    # and forward again leaves the database at the newest schema for the tests after this one
    migrator(_latest())


@pytest.mark.django_db
def test_permissions_survive_when_migrate_recreated_the_content_types_meanwhile() -> None:
    """Migrated down, `migrate`'s post-migrate step re-creates the funnel's content types (new
    ids, new permissions); migrating forward must give the groups holding the channels'
    permission the funnel's one, once."""
    from django.apps import apps
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    move = importlib.import_module("funnel.migrations.0007_intake_spend_outbox")
    # given the state after a migration down: the model's content type under channels, a
    # group holding its permission, and a funnel twin Django re-created meanwhile
    ct = ContentType.objects.get(app_label="funnel", model="inboundlead")
    ct.app_label = "channels"
    ct.save()
    group = Group.objects.create(name="增长-迁移测试")
    group.permissions.add(Permission.objects.get(content_type=ct, codename="view_inboundlead"))
    twin = ContentType.objects.create(app_label="funnel", model="inboundlead")
    Permission.objects.create(content_type=twin, codename="view_inboundlead", name="x")
    # when the forward step runs
    move.content_types_forward(apps, None)
    # then the group holds the funnel's permission, and the channels' content type is gone
    assert set(group.permissions.values_list("content_type__app_label", "codename")) == {
        ("funnel", "view_inboundlead")
    }
    assert not ContentType.objects.filter(app_label="channels", model="inboundlead").exists()
    ContentType.objects.clear_cache()
