"""Resident ID numbers (公民身份号码) masked for every page and report: one function for each
thing shown.

* ``mask_id``: one number with its birth date hidden (18 characters: first 6, 8 stars, last
  4; an old 15-digit number: first 6, 6 stars, last 3; any other key: its first and last 2);
* ``ID_COLUMNS``: the names of every column that holds ID numbers: each column the delivery
  contract types as an ID number, and the evidence columns indicators produce from them
  (a meta-test over the indicator registry proves the list complete);
* ``mask_row``: a row (evidence, history) with its ID columns masked and every other text
  passed through ``mask_text``;
* ``mask_text``: every ID-number-shaped token of a free text (opinions, comments, log
  details and targets, report cells) masked: the safety net for numbers typed by people.

A token is ID-shaped when it has the structure of GB 11643: a province code, a birth date
(18 characters: year 18xx-20xx, then month and day; 15 digits: YYMMDD) and the sequence
(and check character), standing alone (no digit just before or after it). Record ids such as
contribution ids (period + sequence) and credit codes do not have that shape and stay.
Unmasking is decided by ``workbench.office.workflow.may_unmask`` and logged there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from workbench.contract import TABLES, ColType

CONTRACT_ID_COLUMNS: frozenset[str] = frozenset(
    c.name for t in TABLES for c in t.columns if c.type is ColType.ID_NO)
"""Columns the delivery contract types as ID numbers (id_no, old_id_no, new_id_no)."""

EVIDENCE_ID_COLUMNS: frozenset[str] = frozenset({
    "id_no",       # the person's number (most person indicators, GC-/GF-, GS-001/012/013, JY-007, ZH-002/017)
    "old_id_no",   # ref_identity_change's old number (GC-001, GF-001, ZH-007)
    "new_id_no",   # ref_identity_change's new number
    "case_id_no",  # the injured person's number of a gsrd_case (GS-015)
})
"""Evidence columns indicators produce from those (names under which evidence keeps them)."""

ID_COLUMNS: frozenset[str] = CONTRACT_ID_COLUMNS | EVIDENCE_ID_COLUMNS

PERSON = "person"  # the subject type whose key is an ID number

_PROVINCE = "(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])"
_MONTH_DAY = "(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
ID_TOKEN = re.compile(
    rf"(?<![0-9])(?:{_PROVINCE}[0-9]{{4}}(?:18|19|20)[0-9]{{2}}{_MONTH_DAY}[0-9]{{3}}[0-9Xx]"
    rf"|{_PROVINCE}[0-9]{{6}}{_MONTH_DAY}[0-9]{{3}})(?![0-9])")
"""An ID-number-shaped token: 18 characters or 15 digits with GB 11643's structure."""
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")


def mask_id(value: object) -> str:
    """An ID number with its birth date hidden: 110101********123X (15 digits: 110101******123);
    any other key keeps its first and last 2 characters."""
    key = "" if value is None else str(value)
    if len(key) == 18:
        return key[:6] + "*" * 8 + key[14:]
    if len(key) == 15:
        return key[:6] + "*" * 6 + key[12:]
    if len(key) <= 4:
        return "*" * len(key)
    return key[:2] + "*" * (len(key) - 4) + key[-2:]


def mask_text(text: str) -> str:
    """``text`` with every ID-number-shaped token masked (``mask_id``), also one typed with
    full-width digits (matched on a copy with half-width digits, replaced in place)."""
    half = text.translate(_HALF_WIDTH)  # one character for one: the positions stay
    out, last = [], 0
    for m in ID_TOKEN.finditer(half):
        out += [text[last:m.start()], mask_id(text[m.start():m.end()])]
        last = m.end()
    return "".join(out) + text[last:] if out else text


def mask_value(value: Any) -> Any:
    """Text through ``mask_text``; lists and mappings element by element; anything else as is."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return mask_row(value)
    if isinstance(value, list | tuple):
        return type(value)(mask_value(v) for v in value)
    return value


def mask_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` with the values of ``ID_COLUMNS`` masked (``mask_id``; missing values stay
    missing) and every other value through ``mask_value``."""
    return {k: (None if v is None else mask_id(v)) if k in ID_COLUMNS else mask_value(v) for k, v in row.items()}


def mask_subject(subject_type: str, key: str) -> str:
    """A problem's subject as shown: a person's ID number masked; any other key through
    ``mask_text``."""
    return mask_id(key) if subject_type == PERSON else mask_text(key)


def id_columns_in(rows: list[Mapping[str, Any]]) -> list[str]:
    """The ID columns that hold a value in some of ``rows``, sorted."""
    return sorted({k for r in rows for k, v in r.items() if k in ID_COLUMNS and v is not None})
