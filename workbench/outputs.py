"""Where a command writes (security.md, "Hostile input": ``--out`` of every command).

``check_out`` is called before any work: a folder that does not exist, or an existing folder
where a file is expected (or a file where a folder is expected), is a ``UsageError`` (exit 2,
one line) and nothing is created. ``atomic_write`` and ``atomic_folder`` then write to a
temporary name in the same folder and rename it into place only when everything was written,
so that no failure leaves a partial file behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from workbench import validators
from workbench.errors import UsageError

PART = ".part"  # suffix of the temporary names (hidden: they start with a dot)


def check_out(path: Path | str, *, folder: bool = False, option: str = "--out") -> Path:
    """``path`` if a file (``folder``: a folder) may be written there, else ``UsageError``.

    A file needs an existing, writable parent folder and must not be a folder itself; a folder
    may be new (its parent must exist) or an existing folder, never a file. The path text goes
    through ``validators.PATH`` and its last part through ``validators.FILE_NAME``."""
    text = validators.PATH.clean(os.fspath(path))
    out = Path(text)
    validators.FILE_NAME.clean(out.name or text)
    if folder:
        if out.exists() and not out.is_dir():
            raise UsageError(f"{option} {out}: is a file, a folder is expected")
        where = out if out.is_dir() else out.parent
    else:
        if out.is_dir():
            raise UsageError(f"{option} {out}: is a folder, a file name is expected (e.g. {out / 'out.csv'})")
        where = out.parent
    if not where.is_dir():
        what = "is not a folder" if where.exists() else "does not exist"
        raise UsageError(f"{option} {out}: the folder {where} {what}; create it first")
    if not os.access(where, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {out}: the folder {where} is not writable")
    return out


@contextmanager
def atomic_write(path: Path | str, mode: str = "w", *, encoding: str | None = "utf-8",
                 newline: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; on success it replaces ``path``
    (flushed to disk first), on any failure it is removed and ``path`` is left as it was.

    The file is created readable by its owner only (exports hold personal data)."""
    out = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=PART, dir=out.parent)
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path | str, text: str) -> None:
    """``text`` as UTF-8 into ``path``, atomically."""
    with atomic_write(path, newline="") as f:
        f.write(text)


def write_bytes(path: Path | str, data: bytes) -> None:
    """``data`` into ``path``, atomically."""
    with atomic_write(path, "wb") as f:
        f.write(data)


@contextmanager
def atomic_folder(path: Path | str) -> Iterator[Path]:
    """A temporary folder beside ``path`` to fill; on success it is renamed to ``path`` (which
    must not exist or be an empty folder), on any failure it is removed with what it holds."""
    out = Path(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=PART, dir=out.parent))
    try:
        yield tmp
        os.replace(tmp, out)  # rename(2) replaces an empty folder
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
