"""Raw records and spend facts now belong to the funnel (its 0007 took over their state; the
tables and rows stay). Their links to the ad account become the account's name, which intake
records already carried, so the funnel needs nothing from the connectors."""

import django.db.models.deletion
from django.db import migrations, models


def spend_account_names(apps, schema_editor):
    SpendRecord = apps.get_model("channels", "SpendRecord")
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    for account in ChannelAccount.objects.all():
        SpendRecord.objects.filter(account_id=account.pk).update(account_name=account.name)


def spend_accounts(apps, schema_editor):
    SpendRecord = apps.get_model("channels", "SpendRecord")
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    for account in ChannelAccount.objects.all():
        SpendRecord.objects.filter(channel=account.channel, account_name=account.name).update(
            account_id=account.pk
        )


def inbound_accounts(apps, schema_editor):
    # Backwards only: intake records name their account; link them to it again.
    Inbound = apps.get_model("channels", "InboundLead")
    ChannelAccount = apps.get_model("channels", "ChannelAccount")
    for account in ChannelAccount.objects.all():
        Inbound.objects.filter(channel=account.channel, account_name=account.name).update(
            account_id=account.pk
        )


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0005_install_inbound_sweep"),
        ("funnel", "0007_intake_spend_outbox"),
    ]

    operations = [
        migrations.AlterField(
            model_name="spendrecord",
            name="account",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="spend",
                to="channels.channelaccount",
            ),
        ),
        migrations.AddField(
            model_name="spendrecord",
            name="account_name",
            field=models.CharField(default="", max_length=80, verbose_name="账户名"),
        ),
        migrations.RunPython(spend_account_names, spend_accounts),
        migrations.RemoveConstraint(model_name="spendrecord", name="spendrecord_unique_day"),
        migrations.RemoveField(model_name="spendrecord", name="account"),
        migrations.AddConstraint(
            model_name="spendrecord",
            constraint=models.UniqueConstraint(
                fields=("channel", "account_name", "campaign_id", "date"),
                name="spendrecord_unique_day",
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, inbound_accounts),
        migrations.RemoveField(model_name="inboundlead", name="account"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="InboundLead"),
                migrations.DeleteModel(name="SpendRecord"),
            ],
            database_operations=[],
        ),
    ]
