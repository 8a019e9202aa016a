"""MANIFEST.csv: what a delivery says it holds (data-contract.md, Layout)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from workbench.contract import ENCODINGS, MANIFEST_HEADER, MANIFEST_NAME, TABLE_MAP
from workbench.errors import DeliveryRefused, suggest
from workbench.validators import FILE_NAME

SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Entry:
    """One manifest row. ``problem`` is set when the row itself refuses its file."""

    file: str
    table: str
    rows: int
    sha256: str
    encoding: str
    problem: str | None = None


def parse(data: bytes, where: str = MANIFEST_NAME) -> list[Entry]:
    """Parse manifest bytes; a bad row refuses its file, a bad manifest the delivery
    (``DeliveryRefused``: exit 3)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DeliveryRefused(f"{where}: not UTF-8 (byte offset {exc.start})") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # a NUL, a field beyond csv's size limit
        raise DeliveryRefused(f"{where}: unreadable CSV: {exc}") from None
    if not rows:
        raise DeliveryRefused(f"{where}: empty manifest")
    header = [h.strip() for h in rows[0]]
    missing = [h for h in MANIFEST_HEADER if h not in header]
    if missing:
        raise DeliveryRefused(f"{where}: header lacks column(s) {', '.join(missing)}")
    pos = {h: header.index(h) for h in MANIFEST_HEADER}
    entries: list[Entry] = []
    seen_tables: dict[str, str] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise DeliveryRefused(f"{where} line {line_no}: expected {len(header)} fields, got {len(row)}")
        get = {h: row[i].strip() for h, i in pos.items()}
        problem = _problem(get, seen_tables)
        try:
            n = int(get["rows"])
        except ValueError:
            n = -1
        if problem is None and n < 0:
            problem = f"manifest rows {get['rows']!r} is not a row count"
        entries.append(
            Entry(get["file"], get["table"], n, get["sha256"].lower(), get["encoding"].upper(), problem)
        )
        seen_tables.setdefault(get["table"], get["file"])
    return entries


def _problem(get: dict[str, str], seen_tables: dict[str, str]) -> str | None:
    if "/" in get["file"] or "\\" in get["file"] or get["file"] in ("", ".", ".."):
        return f"manifest file name {get['file']!r} is not a plain file name"
    if (bad := FILE_NAME.problem(get["file"])) is not None:
        return f"manifest file name {get['file']!r} {bad[0]}"
    if get["table"] not in TABLE_MAP:
        return f"unknown table {get['table']!r}{suggest(get['table'], list(TABLE_MAP))}"
    if get["table"] in seen_tables:
        return f"table {get['table']} already delivered in {seen_tables[get['table']]}"
    if get["encoding"].upper() not in ENCODINGS:
        return f"unknown encoding {get['encoding']!r} (expected GB18030 or UTF-8)"
    if not SHA256.fullmatch(get["sha256"].lower()):
        return f"manifest sha256 {get['sha256']!r} is not 64 hex digits"
    return None
