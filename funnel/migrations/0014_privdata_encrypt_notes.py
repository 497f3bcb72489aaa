"""Free text about patients (event notes: staff, API and stage-change notes; follow-up notes)
is PII: the columns become encrypted and the rows already there are encrypted in place.
Idempotent: a value that already decrypts is left alone, so a re-run after a failure is safe.
The inbound status gains `anonymized` (a wiped copy whose re-send is refused)."""

from django.db import migrations, models

import funnel.crypto

BATCH = 1000


def _encrypt_column(schema_editor, table: str, column: str) -> None:
    from funnel.crypto import decrypt_str, encrypt_str

    connection = schema_editor.connection
    qn = connection.ops.quote_name
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, {qn(column)} FROM {qn(table)} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608 (model metadata)
                [last, BATCH],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        todo = []
        for pk, value in rows:
            if value is None:
                continue
            try:
                decrypt_str(value)
            except ValueError:
                todo.append((encrypt_str(value), pk))
        if todo:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {qn(table)} SET {qn(column)} = %s WHERE id = %s",  # noqa: S608 (model metadata)
                    todo,
                )


def notes_encrypt(apps, schema_editor):
    _encrypt_column(schema_editor, "funnel_leadevent", "note")
    _encrypt_column(schema_editor, "funnel_followup", "note")


def notes_decrypt(apps, schema_editor):
    from funnel.crypto import decrypt_str

    connection = schema_editor.connection
    qn = connection.ops.quote_name
    for table in ("funnel_leadevent", "funnel_followup"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, note FROM {qn(table)}")  # noqa: S608 (constant)
            rows = cursor.fetchall()
        plain = []
        for pk, value in rows:
            try:
                plain.append((decrypt_str(value)[:200] if table == "funnel_followup" else decrypt_str(value), pk))
            except ValueError:
                continue
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {qn(table)} SET note = %s WHERE id = %s", plain)  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("funnel", "0013_group_members_to_memberships"),
    ]

    operations = [
        migrations.AlterField(
            model_name="followup",
            name="note",
            field=funnel.crypto.EncryptedTextField(
                blank=True, default="", max_length=200, verbose_name="说明"
            ),
        ),
        migrations.AlterField(
            model_name="inboundlead",
            name="status",
            field=models.CharField(
                choices=[
                    ("received", "已接收"),
                    ("processed", "已入库"),
                    ("quarantined", "隔离"),
                    ("anonymized", "已匿名化"),
                ],
                default="received",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.AlterField(
            model_name="leadevent",
            name="note",
            field=funnel.crypto.EncryptedTextField(blank=True, default="", verbose_name="备注"),
        ),
        migrations.RunPython(notes_encrypt, notes_decrypt),
    ]
