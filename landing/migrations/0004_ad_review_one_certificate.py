"""One review certificate on a landing page: the gate's `ad_review_certificate` (checked,
recorded by a reviewer, with its validity) replaces the separate `ad_review_number` that the
page used to display. Existing numbers are kept: a page whose certificate field is empty
takes its displayed number (in the page row and in its revisions, so publishing an older
draft does not bring the old field back empty). Where both were set, the gate's certificate
is kept: it is the one a reviewer vouched for."""

import datetime

from django.db import migrations, models

VALIDITY = datetime.timedelta(days=365)  # 《医疗广告管理办法》第十三条
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _valid_until(recorded_at):
    return (recorded_at.astimezone(SHANGHAI).date() + VALIDITY) if recorded_at else None


def forward(apps, schema_editor):
    # rows through values()/update(): the historical page class (FormMixin) cannot be built
    LandingPage = apps.get_model("landing", "LandingPage")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")
    LandingPage.objects.filter(ad_review_certificate="").exclude(ad_review_number="").update(
        ad_review_certificate=models.F("ad_review_number")
    )
    recorded = LandingPage.objects.exclude(ad_review_certificate="").filter(
        ad_review_valid_until__isnull=True, ad_review_recorded_at__isnull=False
    )
    for pk, recorded_at in recorded.values_list("pk", "ad_review_recorded_at"):
        LandingPage.objects.filter(pk=pk).update(ad_review_valid_until=_valid_until(recorded_at))
    content_type = ContentType.objects.filter(app_label="landing", model="landingpage").first()
    if content_type is None:
        return
    for revision in Revision.objects.filter(content_type=content_type).iterator():
        content = revision.content or {}
        number = content.pop("ad_review_number", None)
        if number is None:
            continue
        if not content.get("ad_review_certificate") and number:
            content["ad_review_certificate"] = number
        Revision.objects.filter(pk=revision.pk).update(content=content)


def backward(apps, schema_editor):
    LandingPage = apps.get_model("landing", "LandingPage")
    LandingPage.objects.exclude(ad_review_certificate="").update(
        ad_review_number=models.F("ad_review_certificate")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("landing", "0003_compliance_gate_fields"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="landingpage",
            name="ad_review_expired_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="审查证明过期标记时间"
            ),
        ),
        migrations.AddField(
            model_name="landingpage",
            name="ad_review_valid_until",
            field=models.DateField(
                blank=True,
                help_text="证明上的有效期截止日；不填则按记录之日起一年计",
                null=True,
                verbose_name="审查证明有效期至",
            ),
        ),
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="landingpage", name="ad_review_number"),
    ]
