"""Landing-page doctors come from the doctor pages.

The trust block "doctor" held typed-in name, 职称 and licence number; it now holds a chosen
DoctorPage (and an optional page-specific intro). Existing blocks — on the pages and in
their revisions, so a later publish does not bring the old data back — are matched to a
doctor page by name, else by licence number; a block whose doctor has no page is dropped
(the point of the change: a landing page never shows a doctor who has no page)."""

import json

import wagtail.fields
from django.db import migrations


def _convert(stream, doctors_by_name, doctors_by_licence):
    """The stream with old doctor blocks converted (or dropped); None when unchanged."""
    changed = False
    converted = []
    for block in stream:
        value = block.get("value") or {}
        if block.get("type") != "doctor" or "doctor" in value:
            converted.append(block)
            continue
        changed = True
        doctor_id = doctors_by_name.get((value.get("name") or "").strip()) or (
            doctors_by_licence.get((value.get("credential") or "").strip())
        )
        if doctor_id is not None:
            converted.append(
                {**block, "value": {"doctor": doctor_id, "intro": value.get("intro") or ""}}
            )
    return converted if changed else None


def _stream(data):
    if isinstance(data, str):
        return json.loads(data) if data else []
    return [dict(item) for item in (data or [])]


def forwards(apps, schema_editor):
    LandingPage = apps.get_model("landing", "LandingPage")
    DoctorPage = apps.get_model("cms", "DoctorPage")
    Revision = apps.get_model("wagtailcore", "Revision")
    ContentType = apps.get_model("contenttypes", "ContentType")

    doctors = list(DoctorPage.objects.order_by("path").values_list("pk", "title", "licence_number"))
    by_name = {title.strip(): pk for pk, title, _ in reversed(doctors)}
    by_licence = {licence.strip(): pk for pk, _, licence in reversed(doctors) if licence}

    # Read and written as the stored JSON: a historical page model cannot be saved.
    for pk, trust in LandingPage.objects.values_list("pk", "trust"):
        raw = trust.raw_data if hasattr(trust, "raw_data") else trust
        converted = _convert(_stream(raw), by_name, by_licence)
        if converted is not None:
            LandingPage.objects.filter(pk=pk).update(
                trust=json.dumps(converted, ensure_ascii=False)
            )

    landing_type = ContentType.objects.filter(app_label="landing", model="landingpage").first()
    if landing_type is None:
        return
    for revision in Revision.objects.filter(content_type=landing_type):
        content = revision.content or {}
        if "trust" not in content:
            continue
        converted = _convert(_stream(content["trust"]), by_name, by_licence)
        if converted is not None:
            was_text = isinstance(content["trust"], str)
            content["trust"] = json.dumps(converted, ensure_ascii=False) if was_text else converted
            revision.content = content
            revision.save(update_fields=["content"])


class Migration(migrations.Migration):

    dependencies = [
        ('landing', '0004_ad_review_one_certificate'),
        ('cms', '0003_content_pages'),
    ]

    operations = [
        migrations.AlterField(
            model_name='landingpage',
            name='trust',
            field=wagtail.fields.StreamField([('doctor', 2), ('review', 6)], blank=True, block_lookup={0: ('wagtail.blocks.PageChooserBlock', (), {'label': '医生', 'page_type': ['cms.DoctorPage']}), 1: ('wagtail.blocks.TextBlock', (), {'label': '本页补充介绍', 'required': False}), 2: ('wagtail.blocks.StructBlock', [[('doctor', 0), ('intro', 1)]], {}), 3: ('wagtail.blocks.TextBlock', (), {'label': '评价'}), 4: ('wagtail.blocks.CharBlock', (), {'help_text': '如：张女士，32 岁', 'label': '署名（已脱敏）'}), 5: ('wagtail.blocks.BooleanBlock', (), {'help_text': '未取得同意的评价不得发布', 'label': '已取得患者书面同意', 'required': True}), 6: ('wagtail.blocks.StructBlock', [[('quote', 3), ('author', 4), ('consent_on_file', 5)]], {})}, verbose_name='信任背书'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
