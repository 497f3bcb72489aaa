"""`has_surrogate` finds a lone surrogate anywhere a JSON-like tree holds a str, by the fast
path (a JSON dump) and by the walk it falls back to for trees JSON cannot dump."""

from __future__ import annotations

from decimal import Decimal

import pytest

from funnel.surrogates import has_surrogate, surrogates_replaced

BAD = "张\ud800三"


@pytest.mark.parametrize(
    "value",
    [
        BAD,
        {"name": BAD},
        {BAD: "key holds it"},
        {"answers": [{"q": "年龄", "a": ["30", BAD]}]},
        ("tuple", BAD),
        {"amount": Decimal("1.5"), "name": BAD},  # not JSON: the walk finds it
        "\udfff",
    ],
)
def test_a_lone_surrogate_anywhere_is_found(value) -> None:
    assert has_surrogate(value) is True
    assert has_surrogate(surrogates_replaced(value)) is False


@pytest.mark.parametrize(
    "value",
    [
        "张三 😀 𠀀",  # astral characters are pairs in JSON, never lone surrogates
        {"name": "王五", "age": 30, "ok": True, "none": None, "f": 1.5},
        {"amount": Decimal("2"), "nested": [1, "二"]},
        [],
        {},
        12,
        None,
        float("nan"),
    ],
)
def test_clean_values_pass(value) -> None:
    assert has_surrogate(value) is False
