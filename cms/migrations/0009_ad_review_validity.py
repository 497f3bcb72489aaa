"""A review certificate's validity (one year, 《医疗广告管理办法》第十三条) and the daily
sweep's expiry flag. Certificates recorded before have their validity set to a year after
the day they were recorded (Asia/Shanghai)."""

import datetime

from django.db import migrations, models

VALIDITY = datetime.timedelta(days=365)
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


def forward(apps, schema_editor):
    for name in PAGE_MODELS:
        model = apps.get_model("cms", name)
        recorded = model.objects.exclude(ad_review_certificate="").filter(
            ad_review_valid_until__isnull=True, ad_review_recorded_at__isnull=False
        )
        for pk, recorded_at in recorded.values_list("pk", "ad_review_recorded_at"):
            model.objects.filter(pk=pk).update(
                ad_review_valid_until=recorded_at.astimezone(SHANGHAI).date() + VALIDITY
            )


class Migration(migrations.Migration):

    dependencies = [
        ('cms', '0008_install_baidu_push_sweep'),
    ]

    operations = [
        migrations.AddField(
            model_name='articlepage',
            name='ad_review_expired_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='审查证明过期标记时间'),
        ),
        migrations.AddField(
            model_name='articlepage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上的有效期截止日；不填则按记录之日起一年计', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AddField(
            model_name='doctorindexpage',
            name='ad_review_expired_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='审查证明过期标记时间'),
        ),
        migrations.AddField(
            model_name='doctorindexpage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上的有效期截止日；不填则按记录之日起一年计', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AddField(
            model_name='doctorpage',
            name='ad_review_expired_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='审查证明过期标记时间'),
        ),
        migrations.AddField(
            model_name='doctorpage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上的有效期截止日；不填则按记录之日起一年计', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AddField(
            model_name='homepage',
            name='ad_review_expired_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='审查证明过期标记时间'),
        ),
        migrations.AddField(
            model_name='homepage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上的有效期截止日；不填则按记录之日起一年计', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AddField(
            model_name='patientstorypage',
            name='ad_review_expired_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='审查证明过期标记时间'),
        ),
        migrations.AddField(
            model_name='patientstorypage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上的有效期截止日；不填则按记录之日起一年计', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AddField(
            model_name='specialtypage',
            name='ad_review_expired_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='审查证明过期标记时间'),
        ),
        migrations.AddField(
            model_name='specialtypage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上的有效期截止日；不填则按记录之日起一年计', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.AddField(
            model_name='videopage',
            name='ad_review_expired_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='审查证明过期标记时间'),
        ),
        migrations.AddField(
            model_name='videopage',
            name='ad_review_valid_until',
            field=models.DateField(blank=True, help_text='证明上的有效期截止日；不填则按记录之日起一年计', null=True, verbose_name='审查证明有效期至'),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
