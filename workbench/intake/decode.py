"""Checksum and decoding of a delivered file, in one streaming pass.

DuckDB reads UTF-8 only (its encodings extension cannot be downloaded here and is slow:
docs/decisions.md), so a GB18030 file is transcoded to a UTF-8 work copy while its
SHA-256 is computed; a UTF-8 file is validated and read in place. The same pass measures
physical lines: one longer than ``intake.max_line_bytes`` refuses the file at once
(``LINE_TOO_LONG``), so no later step ever holds a line beyond that bound, and this pass
itself holds one chunk at a time whatever the file holds. The work copy is private (0600).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
from pathlib import Path

from workbench.errors import FileRefused
from workbench.intake.manifest import Entry

CHUNK = 8 << 20
_CODECS = {"GB18030": "gb18030", "UTF-8": "utf-8"}


class LineGauge:
    """Follows a byte stream chunk by chunk and finds the first physical line longer than
    ``limit`` bytes (its LF excluded). Cost: a few ``rfind`` per chunk, each jumping up to
    ``limit`` bytes, so normal files pay next to nothing."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0  # bytes of the line still open at the end of the last chunk

    def feed(self, chunk: bytes, lines_before: int) -> int | None:
        """The line number of the first too-long line ending or running in ``chunk``
        (``lines_before``: LFs before it), or None."""
        limit, n = self.limit, len(chunk)
        first = chunk.find(b"\n")
        if first < 0:
            self.open += n
            return lines_before + 1 if self.open > limit else None
        if self.open + first > limit:
            return lines_before + 1
        pos = first
        while True:
            end = pos + limit + 2  # a line of ``limit`` bytes after pos, then its LF
            if end >= n:
                nxt = chunk.rfind(b"\n", pos + 1)
                if nxt < 0:
                    self.open = n - pos - 1
                    return self._too_long(chunk, pos, lines_before) if self.open > limit else None
            else:
                nxt = chunk.rfind(b"\n", pos + 1, end)
                if nxt < 0:
                    return self._too_long(chunk, pos, lines_before)
            pos = nxt

    @staticmethod
    def _too_long(chunk: bytes, pos: int, lines_before: int) -> int:
        return lines_before + chunk.count(b"\n", 0, pos + 1) + 1


def private_file(path: Path):
    """Create (or truncate) ``path`` for writing, readable by this user only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    return os.fdopen(fd, "wb")


def verify_and_decode(path: Path, entry: Entry, workdir: Path, max_line_bytes: int) -> Path:
    """Check sha256, line lengths and decodability; return the path of a UTF-8 version of
    the file."""
    if not path.is_file():
        raise FileRefused(entry.file, "listed in the manifest but missing", entry.table)
    transcode = entry.encoding != "UTF-8"
    out_path = workdir / f"{entry.table}.utf8.csv" if transcode else path
    decoder = codecs.getincrementaldecoder(_CODECS[entry.encoding])()
    digest = hashlib.sha256()
    gauge = LineGauge(max_line_bytes)
    consumed = lines = 0
    out = private_file(out_path) if transcode else None
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                too_long = gauge.feed(chunk, lines)
                if too_long is not None:
                    raise FileRefused(
                        entry.file,
                        f"LINE_TOO_LONG: line {too_long} is longer than {max_line_bytes:,} bytes "
                        "(intake.max_line_bytes)",
                        entry.table,
                    )
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
    except BaseException:
        if out is not None:
            out.close()
            out_path.unlink(missing_ok=True)
        raise
    if out is not None:
        out.close()
    actual = digest.hexdigest()
    if actual != entry.sha256:
        if transcode:
            out_path.unlink(missing_ok=True)
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
