"""The register keeps a serial's groups apart (twentieth verification B2): 01-23-001 and
12-03-001 were one canonical number (京医广20261231), so the second, real certificate was
refused. Rows are rewritten in the finer form; no two rows can meet (the old form is the new
one with the dashes dropped, so numbers that differed still differ). 「重复:」 rows of 0017
keep their mark."""

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
    return "-".join(_LEADING_ZEROS.sub(r"\1", part) for part in parts)


def regroup(apps, schema_editor):
    AdReviewCertificate = apps.get_model("cms", "AdReviewCertificate")
    final = {}
    for row in AdReviewCertificate.objects.exclude(number__startswith="重复:"):
        number = _canonical(row.shown)
        if number != row.number:
            final[row.pk] = number
    # temporary numbers first, so no final one meets an old one in the unique index
    for pk in final:
        AdReviewCertificate.objects.filter(pk=pk).update(number=f"迁移中:{pk}")
    for pk, number in final.items():
        AdReviewCertificate.objects.filter(pk=pk).update(number=number)


class Migration(migrations.Migration):
    dependencies = [("cms", "0020_package_role_permissions")]

    operations = [migrations.RunPython(regroup, migrations.RunPython.noop)]
