"""workbench.money: the one decimal helper (rounding, amounts typed by people, amounts shown)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from workbench import money
from workbench.validators import InvalidInput


def test_cents_rounds_half_up_and_keeps_none() -> None:
    assert money.cents(Decimal("1.005")) == Decimal("1.01")
    assert money.cents("2.675") == Decimal("2.68")  # from text, not through a float
    assert money.cents(3) == Decimal("3.00") and str(money.cents(3)) == "3.00"
    assert money.cents(Decimal("-1.005")) == Decimal("-1.01")
    assert money.cents(None) is None


@pytest.mark.parametrize(("typed", "expected"), [("1,234.5", "1234.50"), (" 80 ", "80.00"), ("", "0.00"),
                                                 (None, "0.00"), (Decimal("0.1"), "0.10"), (12, "12.00")])
def test_parse_reads_what_people_type(typed: object, expected: str) -> None:
    assert money.parse(typed, "涉及金额") == Decimal(expected)


@pytest.mark.parametrize(("typed", "reason"), [
    ("abc", "不是有效金额"), ("1.2.3", "不是有效金额"), ("-1", "须为非负金额，最多两位小数"),
    ("1.234", "须为非负金额，最多两位小数"), ("NaN", "须为非负金额，最多两位小数"),
    ("Infinity", "须为非负金额，最多两位小数"), ("1e16", "须为非负金额，最多两位小数"),
    ("9" * 400, "须为非负金额，最多两位小数")])
def test_parse_refuses_with_the_field_named(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as e:
        money.parse(typed, "追回金额", "amount_recovered")
    assert e.value.zh == f"追回金额{reason}" and e.value.field == "amount_recovered"
    assert e.value.exit_code == 2


def test_text_shows_thousands_and_a_dash_for_nothing() -> None:
    assert money.text(Decimal("1234.5")) == "1,234.50"
    assert money.text(Decimal("1234567.891")) == "1,234,567.89"
    assert money.text(0) == "0.00"
    assert money.text(None) == "—"
