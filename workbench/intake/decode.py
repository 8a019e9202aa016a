"""Checksum and decoding of a delivered file, in one streaming pass.

DuckDB reads UTF-8 only (its encodings extension cannot be downloaded here and is slow:
docs/decisions.md), so a GB18030 file is transcoded to a UTF-8 work copy while its
SHA-256 is computed; a UTF-8 file is validated and read in place.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from pathlib import Path

from workbench.errors import FileRefused
from workbench.intake.manifest import Entry

CHUNK = 8 << 20
_CODECS = {"GB18030": "gb18030", "UTF-8": "utf-8"}


def verify_and_decode(path: Path, entry: Entry, workdir: Path) -> Path:
    """Check sha256 and decodability; return the path of a UTF-8 version of the file."""
    if not path.is_file():
        raise FileRefused(entry.file, "listed in the manifest but missing", entry.table)
    transcode = entry.encoding != "UTF-8"
    out_path = workdir / f"{entry.table}.utf8.csv" if transcode else path
    decoder = codecs.getincrementaldecoder(_CODECS[entry.encoding])()
    digest = hashlib.sha256()
    consumed = lines = 0
    out = out_path.open("wb") if transcode else None
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    offset = consumed - (len(exc.object) - len(chunk)) + exc.start
                    line = lines + chunk[: max(0, offset - consumed)].count(b"\n") + 1
                    raise FileRefused(
                        entry.file,
                        f"cannot be decoded as {entry.encoding}: invalid bytes at byte "
                        f"offset {offset} (line {line})",
                        entry.table,
                    ) from None
                if out is not None:
                    out.write(text.encode("utf-8"))
                consumed += len(chunk)
                lines += chunk.count(b"\n")
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise FileRefused(
                    entry.file,
                    f"cannot be decoded as {entry.encoding}: truncated character at end of file",
                    entry.table,
                ) from None
    finally:
        if out is not None:
            out.close()
    actual = digest.hexdigest()
    if actual != entry.sha256:
        raise FileRefused(
            entry.file, f"sha256 mismatch: manifest {entry.sha256}, file {actual}", entry.table
        )
    return out_path


def read_header(path: Path, entry: Entry) -> list[str]:
    """The header's column names, cleaned of a BOM and surrounding white space."""
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        first = f.readline()
    if not first.strip():
        raise FileRefused(entry.file, "empty file: no header row", entry.table)
    names = [n.strip(" \t\r\n\v\f\u3000") for n in next(csv.reader([first]))]
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise FileRefused(entry.file, f"header repeats column(s) {', '.join(dupes)}", entry.table)
    return names
