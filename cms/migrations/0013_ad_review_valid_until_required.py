"""The validity printed on a 医疗广告审查证明 is now required with its number (the form and
`page_ad_review_record`), no longer defaulted to a year from the day it is recorded. Rows
that have a number and a recording time but no date keep the old default (a year after the
day recorded, Asia/Shanghai), written here so the daily sweep and the admin report see it;
revisions without a date are read the same way by the gate (`certificate_valid_until`).
A number nobody recorded (no `ad_review_recorded_at`) stays without a date."""

import datetime

from django.db import migrations, models

VALIDITY = datetime.timedelta(days=365)  # 《医疗广告管理办法》第十三条
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
PAGE_MODELS = (
    "articlepage",
    "doctorindexpage",
    "doctorpage",
    "homepage",
    "patientstorypage",
    "specialtypage",
    "videopage",
)


def keep_old_default(apps, schema_editor):
    for name in PAGE_MODELS:
        model = apps.get_model("cms", name)
        undated = model.objects.exclude(ad_review_certificate="").filter(
            ad_review_valid_until__isnull=True, ad_review_recorded_at__isnull=False
        )
        for pk, recorded_at in undated.values_list("pk", "ad_review_recorded_at"):
            model.objects.filter(pk=pk).update(
                ad_review_valid_until=recorded_at.astimezone(SHANGHAI).date() + VALIDITY
            )


class Migration(migrations.Migration):

    dependencies = [
        ('cms', '0012_chooser_view_permissions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='articlepage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上印的有效期截止日；填写审查证明文号时必填', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AlterField(
            model_name='doctorindexpage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上印的有效期截止日；填写审查证明文号时必填', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AlterField(
            model_name='doctorpage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上印的有效期截止日；填写审查证明文号时必填', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AlterField(
            model_name='homepage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上印的有效期截止日；填写审查证明文号时必填', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AlterField(
            model_name='patientstorypage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上印的有效期截止日；填写审查证明文号时必填', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AlterField(
            model_name='specialtypage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上印的有效期截止日；填写审查证明文号时必填', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AlterField(
            model_name='videopage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上印的有效期截止日；填写审查证明文号时必填', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.RunPython(keep_old_default, migrations.RunPython.noop),
    ]
