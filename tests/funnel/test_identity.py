"""One phone normaliser decides everywhere: how people, keyboards, autofill, ad platforms and
spreadsheet exports write a number, and what is refused."""

from __future__ import annotations

import pytest

from config.errors import ApplicationError
from funnel.services.identity import phone_normalize
from landing.forms import LeadForm

E164 = "+8613800138000"

WRITTEN = [
    "13800138000",
    "138 0013 8000",
    "138-0013-8000",
    "+86 138 0013 8000",
    "8613800138000",
    "008613800138000",
    "１３８００１３８０００",  # full-width digits (Chinese IME)
    "＋８６ １３８ ００１３ ８０００",  # full-width plus and spaces
    "\u200e13800138000",  # left-to-right mark from a copied contact
    "\u202a+86 138 0013 8000\u202c",  # embedding marks around an autofilled number
    "138\u200b0013\u200b8000",  # zero-width spaces
    "\u00a013800138000\u00a0",  # no-break spaces
    "13800138000.0",  # a spreadsheet cell read as a float
    "'13800138000",  # a spreadsheet cell marked as text
]


@pytest.mark.parametrize("raw", WRITTEN)
def test_every_way_of_writing_one_number_is_one_e164(raw: str) -> None:
    assert phone_normalize(raw) == E164


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "missing_phone"),
        ("   \u200e ", "missing_phone"),
        ("12345", "invalid_phone"),
        ("1380013800", "invalid_phone"),  # one digit short
        ("1.38001E+10", "invalid_phone"),  # a float in scientific notation has lost digits
        ("not a phone", "invalid_phone"),
        ("13800138000.5", "invalid_phone"),
        ("1391111ABCD", "invalid_phone"),  # keypad letters are not digits
        ("138OO138OOO", "invalid_phone"),  # letter O for zero
        ("+86 138 0013 8000 ext 12", "invalid_phone"),
        ("１３８００１３８ＡＢＣ", "invalid_phone"),  # full-width letters
    ],
)
def test_what_is_not_a_phone_is_refused_with_its_code(raw: str, code: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        phone_normalize(raw)
    assert refused.value.code == code


@pytest.mark.parametrize("raw", WRITTEN)
def test_the_landing_form_accepts_what_intake_accepts(raw: str) -> None:
    # the form validates with the same normaliser: no door refuses what another accepts
    form = LeadForm(data={"name": "张三", "phone": raw, "consent": "on", "consent_version": "v1"})
    assert form.is_valid(), form.errors
    assert phone_normalize(form.cleaned_data["phone"]) == E164


@pytest.mark.parametrize("raw", ["12345", "", "１２３"])
def test_the_landing_form_refuses_what_intake_refuses(raw: str) -> None:
    form = LeadForm(data={"name": "张三", "phone": raw, "consent": "on", "consent_version": "v1"})
    assert not form.is_valid()
    assert "phone" in form.errors
