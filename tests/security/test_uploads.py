"""Uploads (security.md, "Uploads"): the type read from the content, never the name; the size
limit on the server and in the browser; the websocket's message limit above it; a sanitised
display name, the original kept in the action log; names refused by the shared FILE_NAME
field (bidirectional overrides). Service level on SQLite and PostgreSQL, then a real browser
against `workbench serve`."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
import yaml
from sqlalchemy import func, select
from test_office_publish import evaluation
from web_support import ROOT, login, office_parameters, serving

from workbench import documents
from workbench.errors import OfficeError
from workbench.office import actionlog, attachments, db, uploads, workflow
from workbench.office.accounts import Account
from workbench.office.publish import publish
from workbench.office.roles import Role

DH = Account(8101, "dh.upload", "测试", "110105", frozenset({Role.DISTRICT_HANDLER}))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def zipped(*members: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for m in members:
            z.writestr(m, "<x/>")
    return buf.getvalue()


DOCX = zipped("[Content_Types].xml", "word/document.xml")
XLSX = zipped("[Content_Types].xml", "xl/workbook.xml")


@pytest.fixture
def problem(office: str, home) -> int:
    publish([evaluation("A01", [("110101199001011234", "110105", "10")])], "202406", office)
    with db.engine(office).connect() as conn:
        return conn.execute(select(func.min(workflow.P.c.id))).scalar_one()


def stored(url: str) -> list:
    """Every kept attachment (document version of the problem_attachment collection), in order."""
    with db.engine(url).connect() as conn:
        return conn.execute(select(documents.DOC.c.name, documents.BLOB.c.size, documents.BLOB.c.sha256,
                                   documents.BLOB.c.media_type, documents.VERSION.c.id.label("version_id"))
                            .select_from(documents.VERSION.join(documents.DOC).join(documents.BLOB))
                            .where(documents.DOC.c.collection == attachments.COLLECTION)
                            .order_by(documents.VERSION.c.id)).all()


def blobs(home) -> list:
    """The blob files of the document store (and anything else left in its folder)."""
    folder = home / "documents"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# ----------------------------------------------------------------------------- service
ACCEPTED = [("报告.pdf", PDF), ("photo.JPG", JPEG), ("scan.jpeg", JPEG), ("图.png", PNG), ("old.doc", OLE2),
            ("old.xls", OLE2), ("new.docx", DOCX), ("sheet.xlsx", XLSX), ("all.zip", zipped("a.txt")),
            ("doc-as-zip.zip", DOCX), ("说明.txt", "已核实，追回 100 元。\n".encode()),
            ("gbk.txt", "已核实".encode("gb18030"))]


@pytest.mark.parametrize(("name", "data"), ACCEPTED, ids=[n for n, _ in ACCEPTED])
def test_a_file_whose_content_is_its_type_is_kept(office: str, problem: int, home, name: str, data: bytes) -> None:
    aid = attachments.attach(DH, problem, name, data, url=office)
    (row,) = stored(office)
    assert row.version_id == aid and row.name == name and row.size == len(data)
    assert row.media_type == uploads.MEDIA_TYPES[name[name.rindex("."):].lower()]  # the type its content is
    assert documents.blob_path(row.sha256).read_bytes() == data
    assert blobs(home) == [f"{row.sha256[:2]}/{row.sha256[2:]}"]  # the path from the hash, never the name


REFUSED = [
    ("x.pdf", EXE, "附件内容与文件类型（.pdf）不符"),        # an executable named .pdf
    ("x.pdf", HTML, "附件内容与文件类型（.pdf）不符"),       # an HTML page named .pdf
    ("x.png", JPEG, "附件内容与文件类型（.png）不符"),       # a JPEG is not a PNG
    ("x.jpg", PNG, "附件内容与文件类型（.jpg）不符"),
    ("x.doc", PDF, "附件内容与文件类型（.doc）不符"),
    ("x.docx", XLSX, "附件内容与文件类型（.docx）不符"),     # a zip without word/
    ("x.xlsx", DOCX, "附件内容与文件类型（.xlsx）不符"),     # a zip without xl/
    ("x.docx", zipped("word/document.xml"), "附件内容与文件类型（.docx）不符"),  # no [Content_Types].xml
    ("x.zip", b"PK\x03\x04 not really a zip", "附件内容与文件类型（.zip）不符"),
    ("x.zip", EXE, "附件内容与文件类型（.zip）不符"),
    ("x.txt", EXE, "附件内容与文件类型（.txt）不符"),         # NUL and controls are not text
    ("x.txt", b"\xff\xfe\x00a", "附件内容与文件类型（.txt）不符"),
    ("x.exe", EXE, "不支持的附件类型"),
    ("x.html", HTML, "不支持的附件类型"),
    ("noext", PDF, "不支持的附件类型"),
    ("evil\u202efdp.exe", PDF, "附件文件名不合法：文件名不能含有文字方向控制字符（U+202E）"),  # shows as evilexe.pdf
    ("a\u2066b.pdf", PDF, "附件文件名不合法：文件名不能含有文字方向控制字符（U+2066）"),
    ("a\x07b.pdf", PDF, "附件文件名不合法：文件名含有不允许的控制字符（U+0007）"),
    ("a\nb.pdf", PDF, "附件文件名不合法：文件名不能换行"),
    ("../../etc/passwd.pdf", PDF, "附件文件名不合法"),
    ("..\\x.pdf", PDF, "附件文件名不合法"),
    (".hidden.pdf", PDF, "附件文件名不合法"),
    ("x" * 197 + ".pdf", PDF, "附件文件名不合法：文件名不能超过 200 个字符"),
    ("___.pdf", PDF, "附件文件名不合法"),
    ("", PDF, "附件文件名不合法：请填写文件名"),
    ("empty.pdf", b"", "附件为空"),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSED, ids=[repr(n)[:40] for n, _, _ in REFUSED])
def test_a_file_refused_keeps_nothing(office: str, problem: int, home, name: str, data: bytes,
                                      message: str) -> None:
    with pytest.raises(OfficeError) as e:
        attachments.attach(DH, problem, name, data, url=office)
    assert e.value.zh.startswith(message), e.value.zh
    assert stored(office) == [] and blobs(home) == []
    with db.engine(office).connect() as conn:
        assert conn.execute(select(func.count()).select_from(actionlog.LOG)
                            .where(actionlog.LOG.c.action == "attachment")).scalar_one() == 0


def test_size_limit_is_the_parameter(office: str, problem: int, home, tmp_path, monkeypatch) -> None:
    limit = uploads.limits()["max_bytes"]
    assert limit == yaml.safe_load((ROOT / "parameters" / "office.yaml").read_text())["attachments"]["max_bytes"]
    at_limit = PDF + b" " * (limit - len(PDF))
    attachments.attach(DH, problem, "max.pdf", at_limit, url=office)
    with pytest.raises(OfficeError) as e:
        attachments.attach(DH, problem, "over.pdf", at_limit + b" ", url=office)
    assert e.value.zh == "附件不能超过 10 MB"
    assert [r.name for r in stored(office)] == ["max.pdf"]
    # another limit in the parameters is the one applied, and said in its own unit
    monkeypatch.setenv("WORKBENCH_PARAMETERS", str(office_parameters(tmp_path, "attachments", max_bytes=2048)))
    with pytest.raises(OfficeError) as e:
        attachments.attach(DH, problem, "small.pdf", PDF + b" " * 2048, url=office)
    assert e.value.zh == "附件不能超过 2 KB"
    assert uploads.message_limit() == 2732 + (1 << 20)  # base64 of 2048 bytes plus the margin


def test_the_websocket_carries_an_upload_at_the_limit() -> None:
    limit = uploads.limits()["max_bytes"]
    encoded = len(base64.b64encode(b"x" * limit))
    assert encoded < uploads.message_limit() <= encoded + (2 << 20)
    assert uploads.message_limit(2000) > len(base64.b64encode(b"x" * 2000))


def test_the_kept_name_is_sanitised_and_the_original_logged(office: str, problem: int, home) -> None:
    cases = {"核查 报告<1>.pdf": "核查 报告_1_.pdf", "a:b|c?.pdf": "a_b_c_.pdf", "con.pdf": "_con.pdf",
             "e\u0301.pdf": "\u00e9.pdf", "tab\there.pdf": "tab here.pdf", "x.pdf. ": "x.pdf"}
    for original in cases:
        attachments.attach(DH, problem, original, PDF, url=office)
    assert [r.name for r in stored(office)] == list(cases.values())
    assert len(blobs(home)) == 1  # one blob, by its SHA-256, whatever the names
    with db.engine(office).connect() as conn:
        details = [json.loads(r.detail_json) for r in conn.execute(
            select(actionlog.LOG).where(actionlog.LOG.c.action == "attachment").order_by(actionlog.LOG.c.id))]
    assert [d["filename"] for d in details] == list(cases.values())
    assert [d.get("original_name") for d in details] == list(cases)


# ----------------------------------------------------------------------------- browser
SETUP = """
from test_office_publish import evaluation
from workbench.office.publish import publish
from workbench.office import accounts
publish([evaluation("YL-001", [("110101199001011234", "110105", "100.50")])], "202406")
accounts.add_user("dh1", "测试", ["district_handler"], "110105", "Password-123")
"""
HOMES: dict[str, str] = {}
TOO_LARGE = "附件不能超过 10 MB"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("uploads")
    HOMES["office"] = f"sqlite:///{root / 'home' / 'office.sqlite'}"
    with serving(root / "home", SETUP) as base:  # the shipped parameters: 10 MiB
        yield base


def attachment_page(browser, server: str):
    """The problem's 附件 tab, with the sizes of the websocket frames the page sends and whether
    its websocket closed."""
    page = login(browser, server, "dh1")
    sent: list[int] = []
    closed: list[bool] = []

    def watch(ws) -> None:
        ws.on("framesent", lambda payload: sent.append(len(payload)))
        ws.on("close", lambda *_: closed.append(True))

    page.on("websocket", watch)
    page.goto(server + "/problem?id=1")
    page.locator("#wb-state").wait_for()
    page.locator(".bk-tab", has_text="附件").first.click()
    page.locator("input[type=file]").wait_for(state="attached")
    return page, sent, closed


def alert(page, text: str) -> None:
    try:
        page.locator(".alert", has_text=text).first.wait_for(timeout=30_000)
    except Exception:
        page.screenshot(path="/tmp/uploads-fail.png", full_page=True)
        raise AssertionError(f"no message {text!r}") from None


def upload(page) -> None:
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="上传", exact=True).click()


def kept(url: str) -> list[str]:
    return [r.name for r in stored(url)]


@pytest.mark.browser
def test_a_file_over_the_limit_is_refused_in_the_browser_before_sending(server, browser, tmp_path) -> None:
    url = HOMES["office"]
    before = kept(url)
    page, sent, closed = attachment_page(browser, server)
    limit = uploads.limits()["max_bytes"]
    for name, size in (("over.pdf", limit + 1), ("huge.pdf", 30 << 20)):
        path = tmp_path / name
        path.write_bytes(PDF + b" " * (size - len(PDF)))
        sent.clear()
        page.locator("input[type=file]").set_input_files(path)
        page.locator(".wb-upload-note", has_text=TOO_LARGE).wait_for()
        alert(page, TOO_LARGE)  # the server heard of the refusal: its websocket is alive
        page.wait_for_timeout(1000)
        assert sent and max(sent) < 64 << 10, (name, max(sent, default=0))  # the file was never sent
        upload(page)
        alert(page, "请选择文件")
    assert not closed and kept(url) == before
    # the page still works, and a file of exactly the limit fits in one websocket message
    path = tmp_path / "核查报告.pdf"
    path.write_bytes(PDF + b" " * (limit - len(PDF)))
    page.locator("input[type=file]").set_input_files(path)
    page.wait_for_function("""(n) => [...Bokeh.documents[0].all_models].some(
        m => m.data && m.data.payload !== undefined && m.data.payload.length === n)""",
                           arg=len(base64.b64encode(path.read_bytes())))  # read and sent (before the click)
    upload(page)
    alert(page, "附件已上传")
    page.get_by_text("核查报告.pdf").first.wait_for()
    assert kept(url) == [*before, "核查报告.pdf"] and not closed
    assert limit < max(sent) < uploads.message_limit()  # it went whole, base64, under the server's limit


@pytest.mark.browser
def test_content_and_names_are_checked_on_the_server(server, browser) -> None:
    url = HOMES["office"]
    before = kept(url)
    page, _, closed = attachment_page(browser, server)
    for name, data, message in (("x.pdf", HTML, "附件内容与文件类型（.pdf）不符"),
                                ("x.pdf", EXE, "附件内容与文件类型（.pdf）不符"),
                                ("report\u202egpj.pdf", PDF, "文件名不能含有文字方向控制字符（U+202E）"),
                                ("tool.exe", EXE, "不支持的附件类型")):
        page.locator("input[type=file]").set_input_files(
            files=[{"name": name, "mimeType": "application/pdf", "buffer": data}])
        page.wait_for_timeout(1000)
        upload(page)
        alert(page, message)
    assert kept(url) == before and not closed


@pytest.mark.browser
def test_a_forged_upload_over_the_limit_gets_the_message_not_a_dead_page(server, browser) -> None:
    """A page that skips the browser's check (the payload set on the model directly) still fits
    in a websocket message and is refused by the server with the same message."""
    url = HOMES["office"]
    before = kept(url)
    page, _, closed = attachment_page(browser, server)
    page.evaluate("""(limit) => {
        const doc = Bokeh.documents[0]
        for (const m of doc.all_models) {
            if (m.data && m.data.max_bytes === limit) {
                m.data.filename = "forged.pdf"
                m.data.payload = btoa("%PDF-" + " ".repeat(limit + 1 - 5))
                return
            }
        }
        throw new Error("no upload model")
    }""", uploads.limits()["max_bytes"])
    page.wait_for_timeout(3000)
    upload(page)
    alert(page, TOO_LARGE)
    assert kept(url) == before and not closed
