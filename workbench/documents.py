"""The document store: every file people keep in the workbench (problem attachments now; audit
documents, policy attachments and annuity workbooks later), stored once by SHA-256.

* A **blob** is the bytes, kept once however often they are uploaded: the file
  ``<root>/<sha256[:2]>/<sha256[2:]>`` (the path comes from the hash, never from a user's name),
  written atomically (a temporary file in the same folder, flushed and fsync'ed, then renamed;
  the folder fsync'ed too), with its size and media type (``document_blob``).
* A **document** is a name in a collection for an owner (``collection``, ``owner_key``,
  ``name``; a problem attachment: ``problem_attachment``, the problem id, the file name). Its
  contents are its **versions** 1..n, each pointing at a blob, with who uploaded it and when: the
  same name uploaded again on the same owner is the next version, nothing is overwritten.
* ``root()``: ``documents.root`` of parameters/office.yaml, relative to WORKBENCH_HOME unless
  absolute (shared storage for several servers).
* ``verify()`` re-hashes every blob: a missing file, a size that differs from the recorded one,
  a changed byte are each one line (``workbench documents verify``, exit 1 when any).
* Reading asks the collection's owner: each collection registers the check of its owner's
  access (``register``; problem attachments: the problem is visible to the account, by
  ``workbench.access``). A collection without a registered check is never read.

Writing (``put``) runs in the caller's transaction, so a document version exists exactly when
the owner's change does (the attachment's problem event and log record); the blob is written
first, so a rolled-back transaction leaves at most an unreferenced blob, never a version
without its bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from workbench import outputs, times
from workbench import params as param_files
from workbench.config import settings
from workbench.errors import OfficeError, PermissionDenied
from workbench.office import db
from workbench.office.models import Document, DocumentBlob, DocumentVersion, now

if TYPE_CHECKING:
    from workbench.office.accounts import Account

DOC, VERSION, BLOB = Document.__table__, DocumentVersion.__table__, DocumentBlob.__table__
NOT_FOUND_ZH = "文件不存在或无权查看"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20

OwnerCheck = Callable[[Connection, "Account", str], None]
"""(connection, account, owner key) -> None, or ``PermissionDenied`` when the account may not
read the owner's documents (and, for an owner the account may not see, the same refusal as for
one that does not exist)."""

_OWNERS: dict[str, OwnerCheck] = {}


class DocumentError(OfficeError):
    """A stored document cannot be read as recorded (its blob is missing or changed)."""


def register(collection: str, check: OwnerCheck) -> None:
    """Make ``check`` the access check of ``collection``'s owners (once per collection)."""
    known = _OWNERS.get(collection)
    if known is not None and known is not check:
        raise ValueError(f"collection {collection!r} already has an owner check: "
                         f"{known.__module__}.{known.__qualname__}")
    _OWNERS[collection] = check


def root() -> Path:
    """The folder of the blobs: ``documents.root`` (parameters/office.yaml); relative to
    WORKBENCH_HOME unless absolute."""
    folder = Path(param_files.load("office")["documents"]["root"]).expanduser()
    return folder if folder.is_absolute() else settings().home / folder


def blob_path(sha256: str, folder: Path | None = None) -> Path:
    """Where the blob of ``sha256`` is (or would be) kept."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
    return (folder or root()) / sha256[:2] / sha256[2:]


def digest_of(path: Path) -> tuple[str, int]:
    """(SHA-256, size) of a file, read in chunks."""
    h, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a platform whose folders cannot be opened (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def store_blob(data: bytes, folder: Path | None = None) -> str:
    """Keep ``data`` as a blob (unless a blob with these bytes is already there); its SHA-256.

    A file at the blob's path whose bytes are not ``data`` (a damaged blob) is replaced."""
    digest = hashlib.sha256(data).hexdigest()
    target = blob_path(digest, folder)
    if target.is_file() and target.stat().st_size == len(data) and digest_of(target)[0] == digest:
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    with outputs.atomic_write(target, "wb") as f:  # temporary beside it, fsync'ed, renamed
        f.write(data)
    _fsync_folder(target.parent)
    return digest



@dataclass(frozen=True)
class StoredDocument:
    """One version of a document, as listed and read."""

    version_id: int
    document_id: int
    collection: str
    owner_key: str
    name: str
    version: int
    sha256: str
    size: int
    media_type: str
    uploaded_by: str
    uploaded_at: datetime


def _columns():
    return (VERSION.c.id.label("version_id"), DOC.c.id.label("document_id"), DOC.c.collection, DOC.c.owner_key,
            DOC.c.name, VERSION.c.version, BLOB.c.sha256, BLOB.c.size, BLOB.c.media_type, VERSION.c.uploaded_by,
            VERSION.c.uploaded_at)


def _joined():
    return VERSION.join(DOC, VERSION.c.document_id == DOC.c.id).join(BLOB, VERSION.c.sha256 == BLOB.c.sha256)


def _stored(r: Any) -> StoredDocument:
    m = r._mapping
    return StoredDocument(**{**m, "uploaded_at": times.utc(m["uploaded_at"])})


def _insert_once(conn: Connection, table, key: dict[str, Any], values: dict[str, Any]) -> Any:
    """The row of ``table`` matching ``key``, inserted with ``values`` if there is none (a
    concurrent insert of the same key is met by reading it)."""
    where = [table.c[k] == v for k, v in key.items()]
    row = conn.execute(select(table).where(*where)).first()
    if row is not None:
        return row
    try:
        with conn.begin_nested():
            conn.execute(insert(table).values(**key, **values))
    except IntegrityError:
        pass  # inserted meanwhile by another transaction: read it
    return conn.execute(select(table).where(*where)).one()


def put(conn: Connection, collection: str, owner_key: str, name: str, data: bytes, *, media_type: str,
        uploaded_by: str, at: datetime | None = None, folder: Path | None = None) -> StoredDocument:
    """Keep ``data`` as the next version of document (``collection``, ``owner_key``, ``name``)
    in the caller's transaction ``conn``. The caller has checked the name, type and size and the
    account's right to add it (``office.attachments.attach`` for problems)."""
    at = at or now()
    digest = store_blob(data, folder)
    _insert_once(conn, BLOB, {"sha256": digest}, {"size": len(data), "media_type": media_type, "stored_at": at})
    doc = _insert_once(conn, DOC, {"collection": collection, "owner_key": owner_key, "name": name},
                       {"created_at": at, "created_by": uploaded_by})
    for _ in range(5):
        version = conn.execute(select(func.coalesce(func.max(VERSION.c.version), 0))
                               .where(VERSION.c.document_id == doc.id)).scalar_one() + 1
        try:
            with conn.begin_nested():
                vid = conn.execute(insert(VERSION).values(document_id=doc.id, version=version, sha256=digest,
                                                          uploaded_by=uploaded_by, uploaded_at=at)
                                   ).inserted_primary_key[0]
            break
        except IntegrityError:
            continue  # another upload took this version number: take the next
    else:  # pragma: no cover - five concurrent uploads of one name at once
        raise OfficeError(f"document {collection}/{owner_key}/{name}: no free version number", "保存文件失败，请重试")
    return _stored(conn.execute(select(*_columns()).select_from(_joined()).where(VERSION.c.id == vid)).one())


def versions(conn: Connection, collection: str, owner_key: str) -> list[StoredDocument]:
    """Every version of every document of an owner, in upload order (no access check: the
    caller's service has made it)."""
    return [_stored(r) for r in conn.execute(
        select(*_columns()).select_from(_joined())
        .where(DOC.c.collection == collection, DOC.c.owner_key == owner_key).order_by(VERSION.c.id))]


def _read_blob(doc: StoredDocument, folder: Path | None = None) -> bytes:
    path = blob_path(doc.sha256, folder)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"document version {doc.version_id} ({doc.name}): blob {doc.sha256} is missing",
                            "文件缺失，请联系系统管理员（documents verify）") from None
    if len(data) != doc.size or hashlib.sha256(data).hexdigest() != doc.sha256:
        raise DocumentError(f"document version {doc.version_id} ({doc.name}): blob {doc.sha256} has changed",
                            "文件已损坏（校验值不符），请联系系统管理员（documents verify）")
    return data


def read(account: Account, version_id: int, *, url: str | None = None) -> tuple[StoredDocument, bytes]:
    """A document version and its bytes, if ``account`` may read its owner's documents (the
    collection's registered check decides); the bytes are checked against their SHA-256."""
    with db.ready(url).connect() as conn:
        row = conn.execute(select(*_columns()).select_from(_joined()).where(VERSION.c.id == version_id)).first()
        if row is None:
            raise PermissionDenied(f"document version {version_id} does not exist", NOT_FOUND_ZH)
        doc = _stored(row)
        check = _OWNERS.get(doc.collection)
        if check is None:
            raise PermissionDenied(f"collection {doc.collection!r} has no registered owner check", NOT_FOUND_ZH)
        check(conn, account, doc.owner_key)
    return doc, _read_blob(doc)


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: the blobs checked and one line per difference."""

    blobs: int
    versions: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(url: str | None = None, folder: Path | None = None) -> Verification:
    """Re-hash every recorded blob: a missing file, a size other than recorded, other bytes
    (a changed byte) are each one line naming the blob and the documents that use it."""
    folder = folder or root()
    problems: list[str] = []
    with db.ready(url).connect() as conn:
        uses: dict[str, list[str]] = {}
        n_versions = 0
        for r in conn.execute(select(VERSION.c.sha256, VERSION.c.version, DOC.c.collection, DOC.c.owner_key,
                                     DOC.c.name).select_from(VERSION.join(DOC, VERSION.c.document_id == DOC.c.id))
                              .order_by(VERSION.c.id)):
            uses.setdefault(r.sha256, []).append(f"{r.collection}/{r.owner_key}/{r.name} v{r.version}")
            n_versions += 1
        blobs = conn.execute(select(BLOB.c.sha256, BLOB.c.size).order_by(BLOB.c.sha256)).all()
    for b in blobs:
        path = blob_path(b.sha256, folder)
        used = "; ".join(uses.get(b.sha256, [])) or "no document"
        if not path.is_file():
            problems.append(f"blob {b.sha256} is missing ({path}), used by {used}")
            continue
        digest, size = digest_of(path)
        if size != b.size:
            problems.append(f"blob {b.sha256} holds {size} bytes, {b.size} recorded ({path}), used by {used}")
        elif digest != b.sha256:
            problems.append(f"blob {b.sha256} has changed: its bytes hash to {digest} ({path}), used by {used}")
    return Verification(len(blobs), n_versions, problems)


def cli_verify(url: str | None = None) -> int:
    """``workbench documents verify``: exit 0 when every blob is as recorded, else 1 with one
    line per difference."""
    import sys

    result = verify(url)
    for line in result.problems:
        print(f"Error: {line}", file=sys.stderr)
    if not result.ok:
        print(f"Error: {len(result.problems)} of {result.blobs} blobs differ from the record", file=sys.stderr)
        return 1
    print(f"documents: {result.blobs} blobs of {result.versions} versions under {root()}, every one as recorded")
    return 0
