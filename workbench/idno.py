"""Resident ID numbers (GB 11643-1999) and unified social credit codes (GB 32100-2015).

The check characters come from python-stdnum (``stdnum.cn.ric``, ``stdnum.cn.uscc``), the
library the field trusts. Its ``is_valid`` also rejects area codes that did not exist in
the birth year, which the spec does not ask for, so validity here is the check character
alone. ``check_char_sql`` is the same ISO 7064 MOD 11-2 computation as SQL text, for the
vectorized cleaning in DuckDB; tests compare it with stdnum.
"""

from __future__ import annotations

import re

from stdnum.cn import ric, uscc

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
ID18 = re.compile(r"\d{17}[\dX]")
USCC_CHARS = "0-9A-HJ-NPQRTUWXY"
USCC_RE = re.compile(f"[{USCC_CHARS}]{{18}}")


def check_char(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    return ric.calc_check_digit(first17 + "?")  # stdnum drops the last character


def to_18(id15: str) -> str:
    """Convert a 15-digit (1st generation) id number to 18 characters (rule 2)."""
    body = id15[:6] + "19" + id15[6:]
    return body + check_char(body)


def normalize(value: str) -> str:
    """Rule 2 without the reject: upper-case a final x, convert 15 digits to 18."""
    if value.endswith("x"):
        value = value[:-1] + "X"
    if len(value) == 15 and value.isdigit():
        value = to_18(value)
    return value


def has_valid_check(id18: str) -> bool:
    """True when an 18-character id number carries the right check character."""
    return bool(ID18.fullmatch(id18)) and check_char(id18[:17]) == id18[17]


def uscc_check_valid(code: str) -> bool:
    """GB 32100 check character validity (used by the annuity module, not cleaning)."""
    return bool(USCC_RE.fullmatch(code)) and uscc.calc_check_digit(code[:17]) == code[17]


def check_char_sql(expr: str) -> str:
    """SQL computing the GB 11643 check character of the first 17 digits of ``expr``."""
    terms = " + ".join(
        f"(ascii(substr({expr}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(WEIGHTS)
    )
    return f"substr('{CHECK_CHARS}', (({terms}) % 11) + 1, 1)"


def check_char_expr(id_no):
    """The GB 11643 check character of an 18-character id column, as an ibis expression
    (compiles on every backend: DuckDB, PostgreSQL, Oracle, Spark)."""
    import ibis

    total = sum(id_no.substr(i, 1).cast("int64") * w for i, w in enumerate(WEIGHTS))
    return ibis.cases(*(((total % 11) == i, ch) for i, ch in enumerate(CHECK_CHARS)))


def wrong_check_char(id_no):
    """ibis boolean: an 18-character id number whose check character is wrong."""
    return id_no.re_search(r"^[0-9]{17}[0-9X]$") & (check_char_expr(id_no) != id_no.substr(17, 1))
