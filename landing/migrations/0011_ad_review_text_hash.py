"""The digest of the text a reviewer's certificate approves (`ad_review_text_hash`, see
cms.compliance.page.checked_text_digest). Existing certificates get none: the gate asks a
reviewer to confirm the page again before it publishes it with blocking findings."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('landing', '0010_ad_review_valid_until_required'),
    ]

    operations = [
        migrations.AddField(
            model_name='landingpage',
            name='ad_review_text_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64, verbose_name='审查内容摘要'),
        ),
    ]
