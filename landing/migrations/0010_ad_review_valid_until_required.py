"""The printed validity is required with a certificate number (see cms/0013): landing pages
with a recorded number but no date keep the old default, a year after the day recorded."""

import datetime

from django.db import migrations, models

VALIDITY = datetime.timedelta(days=365)  # 《医疗广告管理办法》第十三条
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def keep_old_default(apps, schema_editor):
    # rows through values()/update(): the historical page class (FormMixin) cannot be built
    LandingPage = apps.get_model("landing", "LandingPage")
    undated = LandingPage.objects.exclude(ad_review_certificate="").filter(
        ad_review_valid_until__isnull=True, ad_review_recorded_at__isnull=False
    )
    for pk, recorded_at in undated.values_list("pk", "ad_review_recorded_at"):
        LandingPage.objects.filter(pk=pk).update(
            ad_review_valid_until=recorded_at.astimezone(SHANGHAI).date() + VALIDITY
        )


class Migration(migrations.Migration):

    dependencies = [
        ('landing', '0009_merge_session_branches'),
    ]

    operations = [
        migrations.AlterField(
            model_name='landingpage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上印的有效期截止日；填写审查证明文号时必填', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.RunPython(keep_old_default, migrations.RunPython.noop),
    ]
