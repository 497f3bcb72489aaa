"""The register compares canonical numbers (issue 17 review round 2, M3): rows recorded with
the old normalisation are rewritten in the new one. Two rows that turn out to be one number
(a respelling got onto a second ad) keep the older row's claim; the later row keeps its old
form, prefixed 「重复:」 and its id, so it no longer blocks anything and shows in the
register for the clinic to sort out."""

import re
import unicodedata

from django.db import migrations

_NUMBER_PART = re.compile(r"[一-鿿]+|[0-9A-Z]+")
_AROUND_THE_NUMBER = frozenset({"第", "号", "第号"})
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+([0-9])")


def _canonical(number: str) -> str:
    # a frozen copy of cms.compliance.gate.certificate_normalise as of this migration
    folded = unicodedata.normalize("NFKC", number or "").upper()
    parts = [p for p in _NUMBER_PART.findall(folded) if p not in _AROUND_THE_NUMBER]
    return "".join(_LEADING_ZEROS.sub(r"\1", part) for part in parts)


def canonicalise(apps, schema_editor):
    AdReviewCertificate = apps.get_model("cms", "AdReviewCertificate")
    final, taken = {}, set()
    for row in AdReviewCertificate.objects.order_by("recorded_at", "pk"):
        number = _canonical(row.shown or row.number)
        if number in taken:
            number = f"重复:{row.pk}:{row.number}"[:80]
        taken.add(number)
        if number != row.number:
            final[row.pk] = number
    # temporary numbers first, so no final one meets an old one in the unique index
    for pk in final:
        AdReviewCertificate.objects.filter(pk=pk).update(number=f"迁移中:{pk}")
    for pk, number in final.items():
        AdReviewCertificate.objects.filter(pk=pk).update(number=number)


class Migration(migrations.Migration):
    dependencies = [("cms", "0016_ad_review_certificate_register")]

    operations = [migrations.RunPython(canonicalise, migrations.RunPython.noop)]
