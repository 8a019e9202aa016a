"""Problem attachments (附件) on the document store: attach, list, read.

An attachment is a document of the collection ``problem_attachment`` whose owner is the
problem (its id as the owner key) and whose name is the sanitised upload name
(``uploads.accept``: type from the content, size limit, safe name). The same name uploaded
again on one problem is its next version; the same bytes are stored once whatever their names.

Who may: ``problem.attach`` (whoever sees the problem, while it is open) to attach;
``problem.view`` to list and read (``workbench.access``); a problem the account may not see is
"not found" either way. Each attachment appends a problem event and an action-log record (with
the name as uploaded when it differs from the one kept), in the transaction that adds it.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection

from workbench import access, documents
from workbench.errors import PermissionDenied
from workbench.masking import mask_text
from workbench.office import db, uploads, workflow
from workbench.office.accounts import Account
from workbench.office.states import Action

COLLECTION = "problem_attachment"

Attachment = documents.StoredDocument
"""One attachment (one version of a named file of the problem): ``version_id`` (what ``read``
takes), ``name``, ``version``, ``size``, ``sha256``, ``media_type``, ``uploaded_by``,
``uploaded_at``."""


def _owner_check(conn: Connection, account: Account, owner_key: str) -> None:
    """The document store's question for a problem attachment: may ``account`` see the problem."""
    try:
        problem_id = int(owner_key)
    except ValueError:
        raise ValueError(f"problem attachment owned by {owner_key!r}, not a problem id") from None
    problem = workflow.load(conn, account, problem_id)
    access.require(account, "problem.view", workflow.problem_target(problem), problem=problem_id)


documents.register(COLLECTION, _owner_check)


def attach(account: Account, problem_id: int, filename: str, data: bytes, *, url: str | None = None) -> int:
    """Keep an uploaded file on a visible open problem; the new attachment's ``version_id``.

    Refused (``OfficeError``/``PermissionDenied``, nothing stored): a name, type, content or
    size that ``uploads.accept`` refuses, a problem the account may not see, a closed problem."""
    name, media_type = uploads.accept(filename, data)
    with db.ready(url).begin() as conn:
        problem = workflow.load(conn, account, problem_id)
        access.require(account, "problem.attach", workflow.problem_target(problem), problem=problem_id)
        doc = documents.put(conn, COLLECTION, str(problem.id), name, data, media_type=media_type,
                            uploaded_by=account.username)
        original = {"original_name": filename} if filename != name else {}
        workflow.record(conn, account, problem, Action.ATTACH, None, None, filename=name, sha256=doc.sha256,
                        size=doc.size, version=doc.version, **original)
        return doc.version_id


def listing(account: Account, problem_id: int, *, url: str | None = None) -> list[Attachment]:
    """Every attachment of a visible problem, in upload order (every version of each name), its
    name with ID-number-shaped tokens masked whoever asks (as the problem's history)."""
    with db.ready(url).connect() as conn:
        problem = workflow.load(conn, account, problem_id)
        access.require(account, "problem.view", workflow.problem_target(problem), problem=problem_id)
        return [replace(d, name=mask_text(d.name)) for d in documents.versions(conn, COLLECTION, str(problem.id))]


def read(account: Account, version_id: int, *, url: str | None = None) -> tuple[Attachment, bytes]:
    """An attachment and its bytes (checked against their SHA-256), if ``account`` sees its problem."""
    doc, data = documents.read(account, version_id, url=url)
    if doc.collection != COLLECTION:
        raise PermissionDenied(f"document version {version_id} is not a problem attachment", documents.NOT_FOUND_ZH)
    return doc, data
