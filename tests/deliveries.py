"""Build small hand-written deliveries for tests: exact bytes, correct manifest."""

from __future__ import annotations

import hashlib
from pathlib import Path

from workbench.contract import TABLE_MAP


def write_table(folder: Path, table: str, lines: list[str], *, encoding: str = "UTF-8",
                header: list[str] | None = None, eol: str = "\n", bom: bool = False,
                file: str | None = None, rows: int | None = None) -> dict:
    """Write ``table`` with ``lines`` (raw data lines, no header) and return its manifest row."""
    folder.mkdir(parents=True, exist_ok=True)
    cols = header if header is not None else TABLE_MAP[table].column_names
    text = eol.join([",".join(cols), *lines]) + eol
    data = text.encode("gb18030" if encoding == "GB18030" else "utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    name = file or f"{table}.csv"
    (folder / name).write_bytes(data)
    return {"file": name, "table": table, "rows": len(lines) if rows is None else rows,
            "sha256": hashlib.sha256(data).hexdigest(), "encoding": encoding}


def write_manifest(folder: Path, rows: list[dict]) -> None:
    out = ["file,table,rows,sha256,encoding"]
    out += [f"{r['file']},{r['table']},{r['rows']},{r['sha256']},{r['encoding']}" for r in rows]
    (folder / "MANIFEST.csv").write_text("\n".join(out) + "\n", encoding="utf-8")


def delivery(landing: Path, period: str, tables: dict[str, list[str]],
             records: dict[str, int] | None = None, **kw) -> Path:
    """Write a delivery of ``tables`` (name -> raw lines) for ``period``; return its folder.
    ``records`` gives the manifest row count where it differs from the line count."""
    folder = landing / period
    records = records or {}
    rows = [write_table(folder, name, lines, rows=records.get(name), **kw)
            for name, lines in tables.items()]
    write_manifest(folder, rows)
    return folder
