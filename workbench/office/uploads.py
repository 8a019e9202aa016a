"""Uploaded files (problem attachments): the type read from the content, the size limit, and
the name kept for display (security.md, "Uploads").

A file is accepted when its declared suffix is allowed (``attachments.suffixes``), its
content is what that suffix says (magic bytes; a zip's members for docx/xlsx; valid text for
txt) and it holds at most ``attachments.max_bytes``; it is kept as the media type of that
content (``MEDIA_TYPES``). The blob is stored by its SHA-256 (``workbench.documents``), so a
name never reaches the file system; the name kept is ``display_name``: the uploaded name,
refused if ``validators.FILE_NAME`` refuses it (control and bidirectional characters, length),
then reduced to a safe set of characters. Pages escape it when they show it.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from workbench import params as param_files
from workbench.errors import OfficeError
from workbench.validators import FILE_NAME, InvalidInput

_TEXT_CONTROL = re.compile(b"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_UNSAFE = re.compile(r"[^\w\s.\-()（）\[\]【】+,，、&@#=~'’]")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_MESSAGE_MARGIN = 1 << 20  # a websocket message carries the base64 payload plus some JSON around it


def limits() -> dict:
    """``attachments`` of parameters/office.yaml: ``max_bytes`` and ``suffixes``."""
    return param_files.load("office")["attachments"]


def size_text(n: int) -> str:
    """A byte count for people: 10 MB, 500 KB, 800 字节."""
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MB"
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MB"
    if n >= 1 << 10:
        return f"{n // (1 << 10)} KB"
    return f"{n} 字节"


def too_large_zh(max_bytes: int) -> str:
    """The Chinese refusal of a file over the limit (the server's and the browser's)."""
    return f"附件不能超过 {size_text(max_bytes)}"


def message_limit(max_bytes: int | None = None) -> int:
    """The largest websocket message the server accepts: an upload at the limit, base64
    encoded, plus a margin; so a file over the limit is refused with a message, never by a
    closed websocket."""
    max_bytes = limits()["max_bytes"] if max_bytes is None else max_bytes
    return -(-max_bytes // 3) * 4 + _MESSAGE_MARGIN


def _zip_members(data: bytes) -> list[str] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None


def _is_zip(data: bytes) -> bool:
    return data[:4] in (b"PK\x03\x04", b"PK\x05\x06") and _zip_members(data) is not None


def _office_xml(folder: str) -> Callable[[bytes], bool]:
    def check(data: bytes) -> bool:
        members = _zip_members(data) if data[:4] == b"PK\x03\x04" else None
        return bool(members) and "[Content_Types].xml" in members and any(m.startswith(folder) for m in members)
    return check


def _is_text(data: bytes) -> bool:
    if _TEXT_CONTROL.search(data):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
KINDS: dict[str, Callable[[bytes], bool]] = {
    ".pdf": lambda d: d.startswith(b"%PDF-"),
    ".jpg": lambda d: d.startswith(b"\xff\xd8\xff"),
    ".jpeg": lambda d: d.startswith(b"\xff\xd8\xff"),
    ".png": lambda d: d.startswith(b"\x89PNG\r\n\x1a\n"),
    ".doc": lambda d: d.startswith(OLE2),
    ".xls": lambda d: d.startswith(OLE2),
    ".docx": _office_xml("word/"),
    ".xlsx": _office_xml("xl/"),
    ".zip": _is_zip,
    ".txt": _is_text,
}
"""What the content of a file with each suffix must be."""

MEDIA_TYPES = {
    ".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip", ".txt": "text/plain",
}
"""The media type a file is kept as once its content was found to be what its suffix says."""


def display_name(filename: str) -> str:
    """The name kept and shown for an upload; ``OfficeError`` if it cannot be one.

    Refused: what ``FILE_NAME`` refuses, path separators and parent references, names that
    are only dots. Then NFC-normalised, characters outside letters, digits and common
    punctuation replaced by "_", white space collapsed, leading dots and trailing dots and
    spaces dropped, Windows device names prefixed with "_"."""
    try:
        name = FILE_NAME.clean(filename)
    except InvalidInput as exc:
        raise OfficeError(f"attachment name {filename!r}: {exc.reason}", f"附件文件名不合法：{exc.zh}") from None
    if "/" in name or "\\" in name or ".." in name or name.startswith("."):
        raise OfficeError(f"attachment name {filename!r} is not allowed", "附件文件名不合法")
    safe = unicodedata.normalize("NFC", name)
    safe = re.sub(r"\s+", " ", _UNSAFE.sub("_", safe)).strip().rstrip(". ")
    stem = PurePosixPath(safe).stem
    if not stem or not stem.strip("_ ."):
        raise OfficeError(f"attachment name {filename!r} is not allowed", "附件文件名不合法")
    if stem.lower() in _RESERVED:
        safe = "_" + safe
    return safe


def check(filename: str, data: bytes) -> str:
    """The display name if the upload is acceptable, else ``OfficeError`` (nothing stored)."""
    return accept(filename, data)[0]


def accept(filename: str, data: bytes) -> tuple[str, str]:
    """(display name, media type read from the content) if the upload is acceptable, else
    ``OfficeError`` (nothing stored)."""
    a = limits()
    name = display_name(filename)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in a["suffixes"] or suffix not in KINDS:
        raise OfficeError(f"attachment type {suffix or '(none)'} is not allowed",
                          f"不支持的附件类型，允许：{'、'.join(a['suffixes'])}")
    if len(data) > a["max_bytes"]:
        raise OfficeError(f"attachment larger than {a['max_bytes']} bytes", too_large_zh(a["max_bytes"]))
    if not data:
        raise OfficeError("the attachment is empty", "附件为空")
    if not KINDS[suffix](data):
        raise OfficeError(f"the content of {name!r} is not a {suffix} file",
                          f"附件内容与文件类型（{suffix}）不符，请上传真实的 {suffix.lstrip('.').upper()} 文件")
    return name, MEDIA_TYPES[suffix]
