"""documents: the document store; problem attachments move into it

Revision ID: 0014_documents
Revises: 0013_short_names
Create Date: 2026-12-07

Creates ``document_blob`` (bytes by SHA-256: size, media type), ``document`` (collection,
owner key, name) and ``document_version`` (versions 1..n of a document, each a blob, who and
when): ``workbench.documents``.

Every ``problem_attachment`` row becomes a version of the document (``problem_attachment``,
problem id, file name): the rows of one problem and name, in id order, are versions 1..n, with
the row's author and time. Each row's file (``WORKBENCH_HOME/attachments/<sha256>``) is read,
its size and SHA-256 compared with the row, and copied into the store (``documents.root`` of
parameters/office.yaml; atomic, fsync'ed). The migration refuses, naming every row concerned
and changing nothing, when a file is missing or its bytes are not the ones recorded: the file
must be restored first, nothing is dropped. Afterwards the number of versions and every
version's (problem, name, author, time, size, SHA-256) are compared with the rows, and each
copied blob is read back and hashed; only then is ``problem_attachment`` dropped.

The old files under ``attachments/`` are left where they are: the database changes roll back
if anything fails after the copy, a deleted file would not. Remove the folder once
``workbench documents verify`` passes.

Downgrade puts every problem attachment back into ``problem_attachment`` (and its file under
``attachments/`` if missing there), refusing while the store holds a document of another
collection (downgrading would lose it) or a blob is missing. Offline (``--sql``, ``workbench
db ddl``) only the tables are created and dropped; the data step needs the files and is
skipped there with a comment.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import oracle

from workbench.office.db import OfficeDatabaseError

revision = "0014_documents"
down_revision = "0013_short_names"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True).with_variant(oracle.TIMESTAMP(timezone=True), "oracle")  # as 0001
COLLECTION = "problem_attachment"
# problem_attachment as 0013_short_names leaves it (its index and foreign key renamed there)
OLD_INDEX = "ix_problem_attachment_problem"
OLD_FK = "fk_problem_attachment_problem"

MEDIA_TYPES = {
    ".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip", ".txt": "text/plain",
}
"""As workbench.office.uploads.MEDIA_TYPES on 2026-12-07 (a migration keeps its own copy)."""

old = sa.table("problem_attachment", sa.column("id", sa.Integer), sa.column("problem_id", sa.Integer),
               sa.column("at", TS), sa.column("author", sa.String), sa.column("filename", sa.String),
               sa.column("size", sa.Integer), sa.column("sha256", sa.String))
blob = sa.table("document_blob", sa.column("sha256", sa.String), sa.column("size", sa.BigInteger),
                sa.column("media_type", sa.String), sa.column("stored_at", TS))
doc = sa.table("document", sa.column("id", sa.Integer), sa.column("collection", sa.String),
               sa.column("owner_key", sa.String), sa.column("name", sa.String), sa.column("created_at", TS),
               sa.column("created_by", sa.String))
ver = sa.table("document_version", sa.column("id", sa.Integer), sa.column("document_id", sa.Integer),
               sa.column("version", sa.Integer), sa.column("sha256", sa.String), sa.column("uploaded_by", sa.String),
               sa.column("uploaded_at", TS))


class AttachmentsNotMoved(OfficeDatabaseError):
    """The attachments cannot be moved (or moved back) without losing one."""


def _folders() -> tuple[Path, Path]:
    """(the old attachments folder, the document store's root)."""
    from workbench.config import settings
    from workbench.documents import root

    return settings().home / "attachments", root()


def _blob_path(store: Path, digest: str) -> Path:
    return store / digest[:2] / digest[2:]


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".migrate.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dfd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:  # pragma: no cover - folders that cannot be opened (Windows)
        pass


def _intact(path: Path, digest: str, size: int) -> bool:
    return path.is_file() and path.stat().st_size == size and hashlib.sha256(path.read_bytes()).hexdigest() == digest


def _media_type(filename: str) -> str:
    return MEDIA_TYPES.get(Path(filename).suffix.lower(), "application/octet-stream")


def _create_tables() -> None:
    op.create_table(
        "document_blob",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("stored_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_document_blob"),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("collection", sa.String(32), nullable=False),
        sa.Column("owner_key", sa.String(128), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_document"),
        sa.UniqueConstraint("collection", "owner_key", "name", name="uq_document_owner_name"),
    )
    op.create_table(
        "document_version",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"], name="fk_docversion_document"),
        sa.ForeignKeyConstraint(["sha256"], ["document_blob.sha256"], name="fk_docversion_blob"),
        sa.PrimaryKeyConstraint("id", name="pk_document_version"),
        sa.UniqueConstraint("document_id", "version", name="uq_docversion_version"),
    )
    op.create_index("ix_docversion_sha256", "document_version", ["sha256"])


def _drop_tables() -> None:
    op.drop_index("ix_docversion_sha256", table_name="document_version")
    op.drop_table("document_version")
    op.drop_table("document")
    op.drop_table("document_blob")


def _rows_to_move(conn: sa.Connection) -> list:
    """The problem_attachment rows, each file checked; AttachmentsNotMoved if one cannot be moved."""
    rows = conn.execute(sa.select(old).order_by(old.c.id)).all()
    source, _ = _folders()
    refused = []
    for r in rows:
        path = source / r.sha256
        if not path.is_file():
            refused.append(f"attachment {r.id} ({r.filename!r} of problem {r.problem_id}): file {path} is missing")
        elif not _intact(path, r.sha256, r.size):
            refused.append(f"attachment {r.id} ({r.filename!r} of problem {r.problem_id}): file {path} does not "
                           f"hold the {r.size} bytes of SHA-256 {r.sha256} recorded")
    if refused:
        raise AttachmentsNotMoved(
            f"0014_documents: {len(refused)} of {len(rows)} problem attachments cannot be moved into the document "
            f"store without losing them; restore the files (e.g. from a backup) and migrate again. Nothing was "
            f"changed. " + "; ".join(refused))
    return rows


def _move_in(conn: sa.Connection, rows: list) -> None:
    """The checked rows and their files -> the store, then compared with what the store holds."""
    if not rows:
        return
    source, store = _folders()
    blobs: set[str] = set()
    documents: dict[tuple[int, str], tuple[int, int]] = {}  # (problem, name) -> (document id, last version)
    for r in rows:
        if r.sha256 not in blobs:
            target = _blob_path(store, r.sha256)
            if not _intact(target, r.sha256, r.size):
                _write(target, (source / r.sha256).read_bytes())
            conn.execute(sa.insert(blob).values(sha256=r.sha256, size=r.size, media_type=_media_type(r.filename),
                                                stored_at=r.at))
            blobs.add(r.sha256)
        key = (r.problem_id, r.filename)
        if key not in documents:
            conn.execute(sa.insert(doc).values(collection=COLLECTION, owner_key=str(r.problem_id), name=r.filename,
                                               created_at=r.at, created_by=r.author))
            doc_id = conn.execute(sa.select(doc.c.id).where(doc.c.collection == COLLECTION,
                                                            doc.c.owner_key == str(r.problem_id),
                                                            doc.c.name == r.filename)).scalar_one()
            documents[key] = (doc_id, 0)
        doc_id, last = documents[key]
        conn.execute(sa.insert(ver).values(document_id=doc_id, version=last + 1, sha256=r.sha256,
                                           uploaded_by=r.author, uploaded_at=r.at))
        documents[key] = (doc_id, last + 1)
    _check_moved(conn, rows, store)


def _check_moved(conn: sa.Connection, rows: list, store: Path) -> None:
    moved = conn.execute(
        sa.select(doc.c.owner_key, doc.c.name, ver.c.uploaded_by, ver.c.uploaded_at, blob.c.size, blob.c.sha256)
        .select_from(ver.join(doc, ver.c.document_id == doc.c.id).join(blob, ver.c.sha256 == blob.c.sha256))
        .where(doc.c.collection == COLLECTION).order_by(ver.c.id)).all()

    def same(a, b) -> bool:
        ta, tb = a[3], b[3]
        if ta is not None and tb is not None and (ta.tzinfo is None) != (tb.tzinfo is None):
            ta, tb = ta.replace(tzinfo=None), tb.replace(tzinfo=None)
        return (a[0], a[1], a[2], a[4], a[5]) == (b[0], b[1], b[2], b[4], b[5]) and ta == tb

    want = [(str(r.problem_id), r.filename, r.author, r.at, r.size, r.sha256) for r in rows]
    if len(moved) != len(want) or not all(same(tuple(m), w) for m, w in zip(moved, want, strict=True)):
        raise AttachmentsNotMoved(f"0014_documents: {len(want)} problem attachments, {len(moved)} document "
                                  f"versions after the move, or a version differs from its row; nothing was changed")
    for digest, size in {(r.sha256, r.size) for r in rows}:
        if not _intact(_blob_path(store, digest), digest, size):
            raise AttachmentsNotMoved(f"0014_documents: the copy of blob {digest} in {store} does not read back as "
                                      f"written; nothing was changed")


def upgrade() -> None:
    offline = context.is_offline_mode()
    rows = [] if offline else _rows_to_move(op.get_bind())  # refused before any change
    _create_tables()
    if offline:
        op.execute("-- 0014_documents: problem_attachment rows and files move into the document store here when "
                   "migrating online (skipped in offline SQL: it needs the files)")
    else:
        _move_in(op.get_bind(), rows)
    op.drop_table("problem_attachment")


def _create_old() -> None:
    op.create_table(
        "problem_attachment",
        sa.Column("id", sa.Integer(), sa.Identity(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["problem_id"], ["problem.id"], name=OLD_FK, ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_problem_attachment"),
    )
    op.create_index(OLD_INDEX, "problem_attachment", ["problem_id"])


def _rows_back(conn: sa.Connection) -> list:
    """The problem attachments of the store, checked; AttachmentsNotMoved if one cannot go back."""
    others = conn.execute(sa.select(sa.func.count()).select_from(doc).where(doc.c.collection != COLLECTION)
                          ).scalar_one()
    if others:
        raise AttachmentsNotMoved(f"0014_documents downgrade: the document store holds {others} documents besides "
                                  f"problem attachments; downgrading would lose them")
    rows = conn.execute(
        sa.select(doc.c.owner_key, doc.c.name, ver.c.uploaded_by, ver.c.uploaded_at, blob.c.size, blob.c.sha256)
        .select_from(ver.join(doc, ver.c.document_id == doc.c.id).join(blob, ver.c.sha256 == blob.c.sha256))
        .order_by(ver.c.id)).all()
    _, store = _folders()
    missing = sorted({r.sha256 for r in rows if not _intact(_blob_path(store, r.sha256), r.sha256, r.size)})
    if missing:
        raise AttachmentsNotMoved(f"0014_documents downgrade: {len(missing)} blobs are missing or changed in "
                                  f"{store}: {', '.join(missing)}; nothing was changed")
    return rows


def _move_out(conn: sa.Connection, rows: list) -> None:
    if not rows:
        return
    target, store = _folders()
    for digest in {r.sha256 for r in rows}:
        path = target / digest
        size = next(r.size for r in rows if r.sha256 == digest)
        if not _intact(path, digest, size):
            _write(path, _blob_path(store, digest).read_bytes())
    for r in rows:
        conn.execute(sa.insert(old).values(problem_id=int(r.owner_key), at=r.uploaded_at, author=r.uploaded_by,
                                           filename=r.name, size=r.size, sha256=r.sha256))


def downgrade() -> None:
    offline = context.is_offline_mode()
    rows = [] if offline else _rows_back(op.get_bind())  # refused before any change
    _create_old()
    if offline:
        op.execute("-- 0014_documents: document versions move back into problem_attachment here when migrating "
                   "online (skipped in offline SQL: it needs the files)")
    else:
        _move_out(op.get_bind(), rows)
    _drop_tables()
