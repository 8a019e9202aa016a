"""Periods (YYYYMM) and month arithmetic."""

from __future__ import annotations

import re

from workbench.errors import UsageError

PERIOD_RE = re.compile(r"[0-9]{4}(0[1-9]|1[0-2])")  # ASCII digits: \d also takes other scripts' digits


def period_problem(period: object) -> str | None:
    """What is wrong with ``period`` as a YYYYMM month, in words (None: nothing)."""
    if not isinstance(period, str) or not re.fullmatch(r"[0-9]{6}", period):
        return "expected YYYYMM (six digits), e.g. 202406"
    if period[:4] == "0000":
        return "year 0000 is not a year (expected YYYYMM, e.g. 202406)"
    if not PERIOD_RE.fullmatch(period):
        return f"month {period[4:]} is not 01–12 (expected YYYYMM, e.g. 202406)"
    return None


def check_period(period: str) -> str:
    """Return ``period`` if it is a real YYYYMM month, else raise a UsageError naming what is
    wrong (``invalid period '202413': month 13 is not 01–12 …``)."""
    problem = period_problem(period)
    if problem:
        raise UsageError(f"invalid period {period!r}: {problem}")
    return period


def period_text(index: int) -> str:
    """Month index (year * 12 + month - 1) -> 'YYYYMM'."""
    return f"{index // 12:04d}{index % 12 + 1:02d}"


def add_months(period: str, months: int) -> str:
    """``period`` shifted by ``months`` (negative goes back)."""
    return period_text(int(period[:4]) * 12 + int(period[4:]) - 1 + months)


def month_range(last: str, count: int) -> list[str]:
    """The ``count`` consecutive periods ending with ``last``, oldest first."""
    return [add_months(last, -i) for i in range(count - 1, -1, -1)]
