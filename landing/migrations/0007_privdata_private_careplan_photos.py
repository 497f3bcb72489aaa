"""Care-plan photos leave Wagtail's image library (root collection: every editor could list,
choose and delete them; their files were public under MEDIA_URL) for a private storage served
only through the patient's signed link and to treating staff. Each photo's file is copied
there and its Wagtail image (with renditions and files) deleted."""

from django.db import migrations, models

import landing.storage


def photos_to_private(apps, schema_editor):
    from django.core.files.base import ContentFile
    from wagtail.images import get_image_model

    from landing.storage import careplan_photo_path, private_photo_storage

    Photo = apps.get_model("landing", "CarePlanPhoto")
    Image = get_image_model()
    storage = private_photo_storage()
    for photo in Photo.objects.exclude(image__isnull=True).iterator():
        image = Image.objects.filter(pk=photo.image_id).first()
        if image is None:
            continue
        with image.file.open("rb") as source:
            name = storage.save(careplan_photo_path(photo, image.file.name), ContentFile(source.read()))
        Photo.objects.filter(pk=photo.pk).update(photo=name, image=None)
        image.delete()  # renditions and files go with it


class Migration(migrations.Migration):
    dependencies = [
        ("landing", "0006_privdata_careplan_link_revocation"),
        ("wagtailimages", "0027_image_description"),
    ]

    operations = [
        migrations.AddField(
            model_name="careplanphoto",
            name="photo",
            field=models.ImageField(
                default="",
                max_length=200,
                storage=landing.storage.private_photo_storage,
                upload_to=landing.storage.careplan_photo_path,
                verbose_name="照片",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="careplanphoto",
            name="image",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.SET_NULL,
                related_name="+",
                to="wagtailimages.image",
            ),
        ),
        # The old column goes in 0008: on PostgreSQL a table cannot be altered in the
        # transaction that deleted rows it is referenced by (pending trigger events).
        migrations.RunPython(photos_to_private, migrations.RunPython.noop),
    ]
