"""Intake records and ad spend become funnel models; the outbox's deliveries are new.

The two tables keep their names and rows (`channels_inboundlead`, `channels_spendrecord`):
this migration only teaches the funnel's state about them (the channels app forgets them in
its 0006, which also turns the account foreign keys into account names). The intake sweep's
beat row follows its task's new name; the outbox sweep gets its own row."""

import django.db.models.deletion
from django.db import migrations, models

import funnel.crypto
from config.beat import periodic_task_install, periodic_task_remove

CHANNEL_CHOICES = [
    ("douyin", "抖音（巨量引擎）"),
    ("xiaohongshu", "小红书（聚光）"),
    ("baidu", "百度（营销）"),
    ("landing", "落地页表单"),
    ("api", "线索 API"),
    ("csv", "CSV 导入"),
    ("referral", "转介绍"),
]
INTAKE_SWEEP = "原始线索补处理（每 5 分钟）"
OUTBOX_SWEEP = "事件投递补投（每分钟）"


def beat_forward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="channels.inbound_sweep").update(task="funnel.intake_sweep")
    # On a new database channels 0005 may come later: it finds this row by name and keeps it.
    periodic_task_install(
        name=INTAKE_SWEEP, task="funnel.intake_sweep", minute="*/5", apps=apps
    )
    periodic_task_install(name=OUTBOX_SWEEP, task="funnel.outbox_sweep", minute="*", apps=apps)


def beat_backward(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task="funnel.intake_sweep").update(task="channels.inbound_sweep")
    periodic_task_remove(name=OUTBOX_SWEEP, apps=apps)


def _move_content_types(apps, source: str, target: str) -> None:
    """The two models' content types (and so their permissions, and the groups and users
    holding them) move from app `source` to app `target`. If `target` already has them (a
    database migrated down and up again, where Django recreated them), the holders of each
    `source` permission are given the `target` one and the `source` rows go."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in ("inboundlead", "spendrecord"):
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        for perm in Permission.objects.filter(content_type=old):
            twin, _ = Permission.objects.get_or_create(
                content_type=new, codename=perm.codename, defaults={"name": perm.name}
            )
            for group in perm.group_set.all():
                group.permissions.add(twin)
            for user in perm.user_set.all():
                user.user_permissions.add(twin)
        old.delete()  # its permissions go with it


def content_types_forward(apps, schema_editor):
    # Permissions (and the groups holding them) follow the models to their new app.
    _move_content_types(apps, "channels", "funnel")


def content_types_backward(apps, schema_editor):
    _move_content_types(apps, "funnel", "channels")


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0006_lead_report_facts"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="InboundLead",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=CHANNEL_CHOICES, max_length=20, verbose_name="渠道"
                            ),
                        ),
                        (
                            "account_name",
                            models.CharField(
                                blank=True, default="", max_length=80, verbose_name="账户名"
                            ),
                        ),
                        ("external_id", models.CharField(max_length=128, verbose_name="外部 ID")),
                        ("raw", funnel.crypto.EncryptedJSONField(verbose_name="原始数据")),
                        (
                            "payload",
                            funnel.crypto.EncryptedJSONField(
                                blank=True, null=True, verbose_name="标准化数据"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("received", "已接收"),
                                    ("processed", "已入库"),
                                    ("quarantined", "隔离"),
                                ],
                                default="received",
                                max_length=20,
                                verbose_name="状态",
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                blank=True, default="", max_length=64, verbose_name="原因代码"
                            ),
                        ),
                        ("detail", models.TextField(blank=True, default="", verbose_name="说明")),
                        (
                            "result",
                            models.CharField(
                                blank=True, default="", max_length=20, verbose_name="处理结果"
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0, verbose_name="处理次数")),
                        (
                            "received_at",
                            models.DateTimeField(
                                auto_now_add=True, db_index=True, verbose_name="接收时间"
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                        (
                            "processed_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="处理时间"),
                        ),
                        (
                            "lead",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="inbound",
                                to="funnel.lead",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "原始线索",
                        "verbose_name_plural": "原始线索",
                        "db_table": "channels_inboundlead",
                        "indexes": [
                            models.Index(
                                fields=["status", "received_at"],
                                name="channels_in_status_107179_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("channel", "account_name", "external_id"),
                                name="inboundlead_unique_source",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="SpendRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "channel",
                            models.CharField(
                                choices=CHANNEL_CHOICES, max_length=20, verbose_name="渠道"
                            ),
                        ),
                        ("account_name", models.CharField(max_length=80, verbose_name="账户名")),
                        ("campaign_id", models.CharField(max_length=64, verbose_name="计划 ID")),
                        (
                            "campaign_name",
                            models.CharField(
                                blank=True, default="", max_length=200, verbose_name="计划名称"
                            ),
                        ),
                        ("date", models.DateField(db_index=True, verbose_name="日期")),
                        (
                            "cost",
                            models.DecimalField(
                                decimal_places=2, max_digits=14, verbose_name="消耗（元）"
                            ),
                        ),
                        ("impressions", models.PositiveBigIntegerField(default=0, verbose_name="展示")),
                        ("clicks", models.PositiveBigIntegerField(default=0, verbose_name="点击")),
                        (
                            "conversions",
                            models.PositiveBigIntegerField(default=0, verbose_name="平台转化"),
                        ),
                        ("imported_at", models.DateTimeField(auto_now=True, verbose_name="导入时间")),
                    ],
                    options={
                        "verbose_name": "消耗",
                        "verbose_name_plural": "消耗",
                        "db_table": "channels_spendrecord",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("channel", "account_name", "campaign_id", "date"),
                                name="spendrecord_unique_day",
                            )
                        ],
                    },
                ),
                migrations.AlterField(
                    model_name="touchpoint",
                    name="inbound",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="touchpoint",
                        to="funnel.inboundlead",
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.CreateModel(
            name="OutboxDelivery",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("listener", models.CharField(max_length=100, verbose_name="监听方")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "待投递"), ("done", "已投递"), ("failed", "投递失败")],
                        default="pending",
                        max_length=20,
                        verbose_name="状态",
                    ),
                ),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="尝试次数")),
                ("last_error", models.TextField(blank=True, default="", verbose_name="最近错误")),
                (
                    "next_attempt_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="下次尝试"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("delivered_at", models.DateTimeField(blank=True, null=True, verbose_name="投递时间")),
                (
                    "event",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="funnel.leadevent",
                    ),
                ),
            ],
            options={
                "verbose_name": "事件投递",
                "verbose_name_plural": "事件投递",
                "indexes": [
                    models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("event", "listener"), name="outbox_one_per_listener"
                    )
                ],
            },
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
        migrations.RunPython(beat_forward, beat_backward),
    ]
