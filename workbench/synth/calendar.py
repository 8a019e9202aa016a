"""Months and dates as numpy integers, and their text forms as Arrow string arrays.

A month is an integer index ``year * 12 + month - 1``; a date is ``datetime64[D]``.
Text is built column-wise with pyarrow.compute, never row by row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_EPOCH = 1970 * 12  # month index of 1970-01, the datetime64[M] epoch


def month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[4:]) - 1


def period_text(m: int) -> str:
    return f"{m // 12:04d}{m % 12 + 1:02d}"


def month_start(m: np.ndarray | int) -> np.ndarray:
    """First day of month index ``m`` as datetime64[D]."""
    return (np.asarray(m, dtype=np.int64) - _EPOCH).astype("datetime64[M]").astype("datetime64[D]")


def month_end(m: np.ndarray | int) -> np.ndarray:
    return month_start(np.asarray(m) + 1) - np.timedelta64(1, "D")


def month_of(d: np.ndarray) -> np.ndarray:
    """Month index of datetime64[D] values."""
    return np.asarray(d).astype("datetime64[M]").astype(np.int64) + _EPOCH


def days_in(m: np.ndarray | int) -> np.ndarray:
    return (month_end(m) - month_start(m)).astype(np.int64) + 1


def ymd(d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(d, dtype="datetime64[D]")
    m = month_of(d)
    day = (d - month_start(m)).astype(np.int64) + 1
    return m // 12, m % 12 + 1, day


def date_of(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    m = np.asarray(year, dtype=np.int64) * 12 + np.asarray(month, dtype=np.int64) - 1
    return month_start(m) + (np.asarray(day, dtype=np.int64) - 1).astype("timedelta64[D]")


def add_years(d: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """Same day ``years`` later (29 February becomes 28 February)."""
    y, m, day = ymd(d)
    y2 = y + np.asarray(years)
    dmax = days_in(y2 * 12 + m - 1)
    return date_of(y2, m, np.minimum(day, dmax))


def age_at_month(birth: np.ndarray, m: np.ndarray | int) -> np.ndarray:
    """Completed years from ``birth`` to the first day of month ``m`` (spec: age at month m)."""
    by, bm, bd = ymd(birth)
    m = np.asarray(m, dtype=np.int64)
    y, mo = m // 12, m % 12 + 1
    before = (mo < bm) | ((mo == bm) & (bd > 1))
    return y - by - before.astype(np.int64)


def first_month_at_age(birth: np.ndarray, age: np.ndarray | int) -> np.ndarray:
    """First month index m with age_at_month(birth, m) >= age."""
    by, bm, bd = ymd(birth)
    m = (by + np.asarray(age)) * 12 + bm - 1  # the birthday month
    return m + (bd > 1).astype(np.int64)


# --- text ------------------------------------------------------------------------------


def s_int(values: np.ndarray, width: int = 0) -> pa.Array:
    arr = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(arr, width=width, padding="0") if width else arr


def s_date(d: np.ndarray) -> pa.Array:
    y, m, day = ymd(d)
    return s_int(y * 10000 + m * 100 + day)


def s_period(m: np.ndarray) -> pa.Array:
    m = np.asarray(m, dtype=np.int64)
    return s_int((m // 12) * 100 + m % 12 + 1)


def s_money(cents: np.ndarray) -> pa.Array:
    """Yuan with exactly two decimals from integer cents (negative allowed)."""
    cents = np.asarray(cents, dtype=np.int64)
    a = np.abs(cents)
    body = pc.binary_join_element_wise(s_int(a // 100), s_int(a % 100, 2), ".")
    neg = pa.array(cents < 0)
    return pc.if_else(neg, pc.binary_join_element_wise("-", body, ""), body)


def s_const(value: str, n: int) -> pa.Array:
    return (
        pa.array(np.full(n, value, dtype=object), pa.string()) if n else pa.array([], pa.string())
    )


def s_take(strings: pa.Array | list[str], idx: np.ndarray) -> pa.Array:
    if not isinstance(strings, pa.Array):
        strings = pa.array(strings, pa.string())
    return strings.take(pa.array(np.asarray(idx, dtype=np.int64)))


def s_nullable(strings: pa.Array, keep: np.ndarray) -> pa.Array:
    """``strings`` where ``keep``, else the empty string (an empty field is null)."""
    return pc.if_else(pa.array(np.asarray(keep, dtype=bool)), strings, "")


def money_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    a = abs(int(cents))
    return f"{sign}{a // 100}.{a % 100:02d}"


def date_text(d: np.datetime64) -> str:
    return str(np.datetime64(d, "D")).replace("-", "")
