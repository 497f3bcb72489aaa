"""Issue 13 point 2: a staff notification's title and body can name the person (a reminder
carries the follow-up's note): both columns become encrypted and the rows already there are
encrypted in place (like 0014_privdata_encrypt_notes; a value that already decrypts is left
alone, so a re-run is safe). Reversible: decrypted back, the title cut to its old 200.
Leads gain the `withdraw_consent` permission (the admin's withdrawal action)."""

from django.db import migrations

import funnel.crypto

BATCH = 1000
TABLE = "funnel_notification"
COLUMNS = ("title", "body")


def _rewrite(schema_editor, convert) -> None:
    """Every row of the table, BATCH at a time, through `convert(column, value)` (None: keep)."""
    connection = schema_editor.connection
    qn = connection.ops.quote_name
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, title, body FROM {qn(TABLE)} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608 (constant)
                [last, BATCH],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        for pk, *values in rows:
            new = {c: convert(c, v) for c, v in zip(COLUMNS, values, strict=True)}
            new = {c: v for c, v in new.items() if v is not None}
            if new:
                sets = ", ".join(f"{qn(c)} = %s" for c in new)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {qn(TABLE)} SET {sets} WHERE id = %s",  # noqa: S608 (constant)
                        [*new.values(), pk],
                    )


def notifications_encrypt(apps, schema_editor):
    from funnel.crypto import decrypt_str, encrypt_str

    def convert(column, value):
        if not value:
            return None  # "" reads as "" either way
        try:
            decrypt_str(value)
        except ValueError:
            return encrypt_str(value)
        return None

    _rewrite(schema_editor, convert)


def notifications_decrypt(apps, schema_editor):
    from funnel.crypto import decrypt_str

    def convert(column, value):
        if not value:
            return None
        try:
            plain = decrypt_str(value)
        except ValueError:
            return None  # already plain
        return plain[:200] if column == "title" else plain

    _rewrite(schema_editor, convert)


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0016_merge_session_branches"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="lead",
            options={
                "permissions": [
                    ("reveal_pii", "可查看完整手机号与姓名"),
                    ("assign_lead", "可分配 / 改派线索"),
                    ("withdraw_consent", "可撤回患者授权并匿名化"),
                ],
                "verbose_name": "线索",
                "verbose_name_plural": "线索",
            },
        ),
        migrations.AlterField(
            model_name="notification",
            name="body",
            field=funnel.crypto.EncryptedTextField(blank=True, default="", verbose_name="内容"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="title",
            field=funnel.crypto.EncryptedTextField(verbose_name="标题"),
        ),
        migrations.RunPython(notifications_encrypt, notifications_decrypt),
    ]
