"""The document store (workbench.documents) and problem attachments on it
(workbench.office.attachments), on SQLite and PostgreSQL: bytes stored once by SHA-256, versions
by name, the folder from the parameters, atomic writes, reads asked of the owner's access,
``verify`` and ``workbench documents verify``; migration 0014 moving the attachments of an
existing office into the store without losing one, refusing when a file is missing, and back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from test_office_publish import evaluation
from web_support import office_parameters

from workbench import cli, documents
from workbench.errors import OfficeError, PermissionDenied
from workbench.office import actionlog, attachments, db, workflow
from workbench.office.accounts import Account
from workbench.office.db import OfficeDatabaseError
from workbench.office.publish import publish
from workbench.office.roles import Role

DH = Account(8201, "dh.docs", "测试", "110105", frozenset({Role.DISTRICT_HANDLER}))
OTHER = Account(8202, "dh.other", "测试", "110108", frozenset({Role.DISTRICT_HANDLER}))
CITY = Account(8203, "ch.docs", "测试", None, frozenset({Role.CITY_HANDLER}))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF2 = PDF + b"% second version\n"
TXT = "已核实，追回 100 元。\n".encode()
BEFORE = "0013_short_names"  # the revision before 0014_documents


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_files(folder) -> list[str]:
    return sorted(p.parent.name + p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def problem(office: str, home) -> int:
    publish([evaluation("A01", [("110101199001011234", "110105", "10")])], "202406", office)
    with db.engine(office).connect() as conn:
        return conn.execute(select(func.min(workflow.P.c.id))).scalar_one()


# ----------------------------------------------------------------------------- the store


def test_bytes_are_stored_once_and_names_have_versions(office: str, problem: int, home) -> None:
    first = attachments.attach(DH, problem, "核查报告.pdf", PDF, url=office)
    second = attachments.attach(DH, problem, "核查报告.pdf", PDF2, url=office)
    attachments.attach(DH, problem, "copy.pdf", PDF, url=office)   # same bytes, another name
    attachments.attach(CITY, problem, "说明.txt", TXT, url=office)
    listed = attachments.listing(DH, problem, url=office)
    assert [(a.name, a.version, a.size, a.sha256, a.uploaded_by) for a in listed] == [
        ("核查报告.pdf", 1, len(PDF), sha(PDF), "dh.docs"), ("核查报告.pdf", 2, len(PDF2), sha(PDF2), "dh.docs"),
        ("copy.pdf", 1, len(PDF), sha(PDF), "dh.docs"), ("说明.txt", 1, len(TXT), sha(TXT), "ch.docs")]
    assert [a.media_type for a in listed] == ["application/pdf"] * 3 + ["text/plain"]
    assert listed[0].version_id == first and listed[1].version_id == second
    assert all(abs(a.uploaded_at - datetime.now(UTC)) < timedelta(minutes=5) for a in listed)
    store = home / "documents"
    assert blob_files(store) == sorted([sha(PDF), sha(PDF2), sha(TXT)])  # three blobs for four versions
    assert (store / sha(PDF)[:2] / sha(PDF)[2:]).read_bytes() == PDF  # the path is the hash
    assert not (home / "attachments").exists()
    with db.engine(office).connect() as conn:
        assert conn.execute(select(func.count()).select_from(documents.BLOB)).scalar_one() == 3
        assert conn.execute(select(func.count()).select_from(documents.DOC)).scalar_one() == 3
        logged = conn.execute(select(actionlog.LOG.c.detail_json).where(actionlog.LOG.c.action == "attachment")
                              ).scalars().all()
    assert len(logged) == 4 and '"version": 2' in logged[1]
    doc, data = attachments.read(DH, second, url=office)
    assert (doc.name, doc.version, data) == ("核查报告.pdf", 2, PDF2)


def test_a_name_with_an_id_number_is_listed_masked(office: str, problem: int) -> None:
    attachments.attach(DH, problem, "110101199001011234 的说明.txt", TXT, url=office)
    (listed,) = attachments.listing(DH, problem, url=office)
    assert "110101199001011234" not in listed.name and listed.name.endswith("的说明.txt")


def test_reading_asks_the_owner(office: str, problem: int) -> None:
    vid = attachments.attach(DH, problem, "a.pdf", PDF, url=office)
    assert attachments.read(CITY, vid, url=office)[1] == PDF           # city roles see every district
    for who in (OTHER, Account(8204, "admin.docs", "测试", None, frozenset({Role.ADMIN}))):
        with pytest.raises(PermissionDenied) as e:
            attachments.read(who, vid, url=office)
        assert e.value.zh == "问题不存在或无权查看"                     # as if there were no such problem
        with pytest.raises(PermissionDenied):
            attachments.listing(who, problem, url=office)
    with pytest.raises(PermissionDenied) as e:
        documents.read(DH, vid + 1000, url=office)
    assert e.value.zh == documents.NOT_FOUND_ZH
    # a collection nobody registered a check for is never read
    with db.ready(office).begin() as conn:
        other = documents.put(conn, "audit", "A-1", "底稿.pdf", PDF, media_type="application/pdf",
                              uploaded_by="x")
    with pytest.raises(PermissionDenied):
        documents.read(CITY, other.version_id, url=office)
    with pytest.raises(ValueError, match="already has an owner check"):
        documents.register(attachments.COLLECTION, lambda conn, account, key: None)


def test_refused_uploads_store_nothing(office: str, problem: int, home) -> None:
    with pytest.raises(OfficeError):
        attachments.attach(DH, problem, "x.pdf", b"MZ not a pdf", url=office)
    with pytest.raises(PermissionDenied):
        attachments.attach(OTHER, problem, "x.pdf", PDF, url=office)  # not visible
    assert blob_files(home / "documents") == []
    with db.engine(office).connect() as conn:
        assert conn.execute(select(func.count()).select_from(documents.VERSION)).scalar_one() == 0


def test_the_folder_is_a_parameter(office: str, problem: int, home, tmp_path, monkeypatch) -> None:
    shared = tmp_path / "shared-storage"
    monkeypatch.setenv("WORKBENCH_PARAMETERS", str(office_parameters(tmp_path, "documents", root=str(shared))))
    assert documents.root() == shared
    attachments.attach(DH, problem, "a.pdf", PDF, url=office)
    assert blob_files(shared) == [sha(PDF)] and blob_files(home / "documents") == []
    monkeypatch.setenv("WORKBENCH_PARAMETERS", str(office_parameters(tmp_path / "p2", "documents", root="files")))
    assert documents.root() == home / "files"  # relative: under WORKBENCH_HOME


def test_writes_are_atomic_and_a_damaged_blob_is_rewritten(tmp_path) -> None:
    digest = documents.store_blob(PDF, tmp_path)
    path = documents.blob_path(digest, tmp_path)
    assert path.read_bytes() == PDF
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left
    path.write_bytes(PDF[:-1] + b"X")                                # a changed byte
    assert documents.store_blob(PDF, tmp_path) == digest and path.read_bytes() == PDF
    with pytest.raises(ValueError):
        documents.blob_path("../../etc/passwd", tmp_path)


def test_verify_finds_a_changed_byte_a_missing_blob_and_a_size(office: str, problem: int, home, capsys,
                                                                monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    ids = [attachments.attach(DH, problem, n, d, url=office) for n, d in
           (("a.pdf", PDF), ("b.pdf", PDF2), ("c.txt", TXT))]
    assert documents.verify(office).ok
    assert cli.main(["documents", "verify"]) == 0
    assert "3 blobs of 3 versions" in capsys.readouterr().out
    store = home / "documents"
    changed = documents.blob_path(sha(PDF), store)
    changed.write_bytes(PDF.replace(b"1.4", b"1.5"))                 # same size, one byte changed
    documents.blob_path(sha(PDF2), store).unlink()
    documents.blob_path(sha(TXT), store).write_bytes(TXT + b"\n")
    result = documents.verify(office)
    assert not result.ok and len(result.problems) == 3
    text = "\n".join(result.problems)
    assert f"blob {sha(PDF)} has changed" in text and f"problem_attachment/{problem}/a.pdf v1" in text
    assert f"blob {sha(PDF2)} is missing" in text
    assert f"blob {sha(TXT)} holds {len(TXT) + 1} bytes, {len(TXT)} recorded" in text
    assert cli.main(["documents", "verify"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4 and all(line.startswith("Error: ") for line in err)
    # reading a damaged version is refused with a message, never the wrong bytes
    with pytest.raises(documents.DocumentError) as e:
        attachments.read(DH, ids[0], url=office)
    assert "校验值不符" in e.value.zh
    with pytest.raises(documents.DocumentError) as e:
        attachments.read(DH, ids[1], url=office)
    assert "文件缺失" in e.value.zh


# ----------------------------------------------------------------------------- migration 0014

OLD = sa.table("problem_attachment", sa.column("id", sa.Integer), sa.column("problem_id", sa.Integer),
               sa.column("at", sa.DateTime(timezone=True)), sa.column("author", sa.String),
               sa.column("filename", sa.String), sa.column("size", sa.Integer), sa.column("sha256", sa.String))


def old_attach(url: str, home, problem_id: int, at: datetime, author: str, filename: str, data: bytes) -> None:
    """An attachment as the office kept it before 0014: a row and home/attachments/<sha256>."""
    folder = home / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / sha(data)).write_bytes(data)
    with db.engine(url).begin() as conn:
        conn.execute(sa.insert(OLD).values(problem_id=problem_id, at=at, author=author, filename=filename,
                                           size=len(data), sha256=sha(data)))


def old_rows(url: str) -> list[tuple]:
    with db.engine(url).connect() as conn:
        return [(r.problem_id, r.at.replace(tzinfo=None) if r.at.tzinfo is None else r.at.astimezone(UTC)
                 .replace(tzinfo=None), r.author, r.filename, r.size, r.sha256)
                for r in conn.execute(sa.select(OLD).order_by(OLD.c.id))]


def naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def test_migration_moves_every_attachment_and_back(office: str, home) -> None:
    publish([evaluation("A01", [("110101199001011234", "110105", "10"), ("110101199001015678", "110108", "5")])],
            "202406", office)
    with db.engine(office).connect() as conn:
        p1, p2 = conn.execute(select(workflow.P.c.id).order_by(workflow.P.c.id)).scalars().all()
    db.downgrade(office, BEFORE)
    db.forget(office)
    t0 = datetime(2026, 11, 2, 9, 30, 15, tzinfo=UTC)
    planted = [(p1, t0, "dh.a", "核查报告.pdf", PDF), (p1, t0 + timedelta(hours=1), "dh.b", "核查报告.pdf", PDF2),
               (p2, t0 + timedelta(days=1), "dh.c", "copy.pdf", PDF),
               (p2, t0 + timedelta(days=2), "ch.d", "说明.txt", TXT)]
    for row in planted:
        old_attach(office, home, *row)
    before = old_rows(office)
    db.upgrade(office)
    db.forget(office)
    assert db.current(office) == db.head()
    with db.engine(office).connect() as conn:
        assert not sa.inspect(conn).has_table("problem_attachment")
    got = attachments.listing(CITY, p1, url=office) + attachments.listing(CITY, p2, url=office)
    assert [(int(a.owner_key), naive(a.uploaded_at), a.uploaded_by, a.name, a.version) for a in got] == [
        (p, naive(at), who, name, v) for (p, at, who, name, _), v in zip(planted, (1, 2, 1, 1), strict=True)]
    for a, (_, _, _, _, data) in zip(got, planted, strict=True):
        assert attachments.read(CITY, a.version_id, url=office)[1] == data
        assert (a.size, a.sha256) == (len(data), sha(data))
    assert [a.media_type for a in got] == ["application/pdf"] * 3 + ["text/plain"]
    assert blob_files(home / "documents") == sorted({sha(PDF), sha(PDF2), sha(TXT)})
    assert documents.verify(office).ok
    assert sorted(p.name for p in (home / "attachments").iterdir()) == sorted({sha(PDF), sha(PDF2), sha(TXT)})
    # downgrade: the rows come back as they were (files too, if they were removed meanwhile)
    for p in (home / "attachments").iterdir():
        p.unlink()
    db.downgrade(office, BEFORE)
    assert old_rows(office) == before
    assert {p.name: p.read_bytes() for p in (home / "attachments").iterdir()} == {
        sha(d): d for d in (PDF, PDF2, TXT)}
    db.upgrade(office)  # and up again
    db.forget(office)
    assert len(attachments.listing(CITY, p1, url=office)) == 2


def test_migration_refuses_when_a_file_is_missing(office: str, home) -> None:
    publish([evaluation("A01", [("110101199001011234", "110105", "10")])], "202406", office)
    with db.engine(office).connect() as conn:
        pid = conn.execute(select(func.min(workflow.P.c.id))).scalar_one()
    db.downgrade(office, BEFORE)
    db.forget(office)
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    old_attach(office, home, pid, at, "dh.a", "a.pdf", PDF)
    old_attach(office, home, pid, at, "dh.a", "b.txt", TXT)
    old_attach(office, home, pid, at, "dh.a", "c.pdf", PDF2)
    (home / "attachments" / sha(TXT)).unlink()
    (home / "attachments" / sha(PDF2)).write_bytes(PDF2 + b"x")  # not the bytes recorded
    before = old_rows(office)
    with pytest.raises(OfficeDatabaseError) as e:
        db.upgrade(office)
    message = str(e.value)
    assert "2 of 3 problem attachments cannot be moved" in message
    assert "'b.txt'" in message and "is missing" in message and "'c.pdf'" in message
    assert "'a.pdf'" not in message
    db.forget(office)
    assert db.current(office) == BEFORE and old_rows(office) == before  # nothing changed, nothing lost
    with db.engine(office).connect() as conn:
        assert not sa.inspect(conn).has_table("document_version")
    assert blob_files(home / "documents") == []
    (home / "attachments" / sha(TXT)).write_bytes(TXT)              # restored from a backup
    (home / "attachments" / sha(PDF2)).write_bytes(PDF2)
    db.upgrade(office)
    db.forget(office)
    assert [a.name for a in attachments.listing(CITY, pid, url=office)] == ["a.pdf", "b.txt", "c.pdf"]


def test_two_uploads_of_one_name_at_once_become_two_versions(office: str, problem: int, home) -> None:
    import threading

    barrier, errors = threading.Barrier(2), []

    def upload(data: bytes) -> None:
        try:
            barrier.wait()
            attachments.attach(DH, problem, "同名.pdf", data, url=office)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=upload, args=(d,)) for d in (PDF, PDF2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    listed = attachments.listing(DH, problem, url=office)
    assert sorted(a.version for a in listed) == [1, 2] and {a.sha256 for a in listed} == {sha(PDF), sha(PDF2)}
