"""Money: the one place amounts are rounded, read from what a person typed and shown.

Amounts are ``Decimal`` with two decimals everywhere (stored as ``Numeric(18, 2)``):
``cents`` rounds a computed amount to 0.01 half up, ``parse`` reads an amount typed in a form,
a CLI argument or an imported column (a refusal is a ``validators.InvalidInput`` whose Chinese
message names the field), and ``text`` shows an amount with thousands separators.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from workbench.validators import InvalidInput

CENT = Decimal("0.01")
LIMIT = Decimal("1e16")  # Numeric(18, 2) holds 16 digits before the point
EMPTY = "—"


def cents(value: Decimal | int | str | None) -> Decimal | None:
    """``value`` rounded to 0.01 (half up); None stays None."""
    if value is None:
        return None
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(CENT, rounding=ROUND_HALF_UP)


def parse(value: Decimal | int | str | None, field_zh: str, field: str = "amount") -> Decimal:
    """A non-negative amount of at most two decimals, from what a person typed (thousands
    separators allowed; empty means 0). Refuses text that is no number, NaN, infinity, a
    negative amount, more than two decimals and amounts that do not fit ``Numeric(18, 2)``;
    the refusal's Chinese message names ``field_zh``."""
    if isinstance(value, float):
        value = repr(value)
    raw = str("" if value is None else value).strip().replace(",", "")
    try:
        d = Decimal(raw or "0")
    except InvalidOperation:
        raise InvalidInput(field, field_zh, f"{value!r} is not an amount", "不是有效金额") from None
    if not d.is_finite() or d < 0 or d >= LIMIT or d != d.quantize(CENT):  # bounded first: quantize refuses huge
        raise InvalidInput(field, field_zh, f"{value!r} is not a non-negative amount of at most two decimals",
                           "须为非负金额，最多两位小数")
    return d.quantize(CENT)


def text(value: Decimal | int | str | None) -> str:
    """``1,234.50``; ``—`` for None."""
    return EMPTY if value is None else f"{cents(value):,.2f}"
