"""`export_leads --operator` is written into the ExportAudit: control characters (a newline
that forges a second audit line, an escape sequence, a bidi override) are refused, exit 2."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from funnel.models import ExportAudit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "operator",
    ["x\ny", "x\ry", "x\x00y", "x\x1b[31my", "x\ty", "x\u2028y", "x\x85y", "x\u202ey"],
    ids=["LF", "CR", "NUL", "ESC", "TAB", "LSEP", "NEL", "RLO"],
)
def test_an_operator_with_control_characters_is_refused(operator) -> None:
    with pytest.raises(CommandError, match="operator") as refused:
        call_command("export_leads", "--reveal", "--operator", operator, stdout=io.StringIO())

    assert refused.value.returncode == 2
    assert not ExportAudit.objects.exists()


def test_a_plain_operator_is_recorded() -> None:
    call_command("export_leads", "--reveal", "--operator", "王医生 (ops)", stdout=io.StringIO())

    assert ExportAudit.objects.get().operator == "王医生 (ops)"
