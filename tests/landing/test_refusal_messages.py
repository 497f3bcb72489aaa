"""Issue 13 review, point 4: every refusal the landing form can get says its own Chinese
sentence; a withdrawn person re-sending the same submission is told why, not "try again"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from funnel import errors as funnel_errors
from funnel.models import Lead
from funnel.services.pii import consent_withdraw
from landing import errors
from tests.landing.conftest import form_data, old_ticket

ROOT = Path(__file__).resolve().parents[2]
URL = "/lp/hair-loss/"


def _refusal(html: str) -> tuple[str, str]:
    found = re.search(r'data-error-code="([^"]+)">([^<]*)<', html)
    assert found is not None, "no refusal shown"
    return found.group(1), found.group(2)


@pytest.mark.django_db
@pytest.mark.parametrize("ticket", ["same", "new"], ids=["same-ticket", "new-ticket"])
def test_a_withdrawn_person_resending_the_same_submission_is_told_why(
    client, landing, ticket
) -> None:
    # given a visitor whose submission made a lead, then withdrew consent
    first = old_ticket()
    assert client.post(URL, form_data(ticket=first)).status_code == 302
    consent_withdraw(lead_id=Lead.objects.get().pk)

    # when the same submission (same idempotency key) comes again
    again = client.post(URL, form_data(ticket=first if ticket == "same" else old_ticket()))

    # then it is refused with the withdrawal's own sentence and a fresh key for a new one
    code, message = _refusal(again.content.decode())
    assert again.status_code == 422
    assert code == funnel_errors.PERSON_ANONYMIZED
    assert message == errors.MESSAGES[funnel_errors.PERSON_ANONYMIZED]
    assert message not in (errors.DEFAULT_MESSAGE, "网络不稳定，请稍后再试。")
    assert 'name="idem" value="k-0001"' not in again.content.decode()
    assert Lead.objects.filter(anonymized_at__isnull=True).count() == 0


def _codes_raised_in(
    path: Path, calls: tuple[str, ...] = ("ApplicationError", "LeadRejected", "_refuse")
) -> set[str]:
    """Names of `errors.X` constants a source file passes to ApplicationError/LeadRejected or
    stores as a quarantine reason."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        args: list[ast.AST] = []
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in calls
        ):
            args = node.args[:1]
        elif isinstance(node, ast.keyword) and node.arg == "reason":
            args = [node.value]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Attribute) and t.attr == "reason" for t in node.targets
        ):
            args = [node.value]
        for arg in args:
            if isinstance(arg, ast.Attribute) and getattr(arg.value, "id", "") == "errors":
                names.add(arg.attr)
    return names


def test_every_quarantine_reason_of_intake_is_listed() -> None:
    raised = set()
    for path in (ROOT / "funnel" / "services").glob("*.py"):
        raised |= _codes_raised_in(path, calls=("LeadRejected",))
    codes = {getattr(funnel_errors, name) for name in raised}

    assert codes <= set(funnel_errors.QUARANTINE_REASONS)


def test_every_refusal_the_form_can_get_has_its_own_message() -> None:
    # the landing's own codes, wherever its services and views raise them
    landing_codes = {
        getattr(errors, name)
        for path in [*(ROOT / "landing" / "services").glob("*.py"), ROOT / "landing" / "views.py"]
        for name in _codes_raised_in(path)
    }
    declared = {
        value
        for name, value in vars(errors).items()
        if name.isupper() and isinstance(value, str) and name not in ("DEFAULT_MESSAGE",)
    }
    expected = landing_codes | declared | set(funnel_errors.QUARANTINE_REASONS)

    missing = sorted(code for code in expected if code not in errors.MESSAGES)
    assert missing == []
    messages = [errors.MESSAGES[code] for code in expected]
    assert errors.DEFAULT_MESSAGE not in messages
    assert len(set(messages)) == len(messages)  # no two refusals read the same
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in messages)
