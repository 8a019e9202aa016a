"""ID numbers masked everywhere (security, issue 10 deliverable 3): the real synthetic city's
problems published on SQLite and PostgreSQL and walked, every problem of every indicator
(subject, every evidence row and column, history, queue), by roles without the right to
unmask and by one with it before its logged reveal; the reveal needs the right and a purpose
and is logged; the log review and the HTML reports are masked; a real browser walks every
page as district reviewers and greps the page HTML, the Bokeh documents and the websocket
frames for the warehouse's full numbers. One meta-test over the indicator registry proves
that every evidence column that can hold an ID number is declared in ``workbench.masking``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import SYNTH_PERIOD
from sqlalchemy import select

from workbench import masking
from workbench.contract import TABLES, ColType
from workbench.errors import OfficeError, PermissionDenied
from workbench.idno import check_char
from workbench.office import actionlog, comments, db, logreview, workflow
from workbench.office.accounts import Account
from workbench.office.models import Problem, ProblemEvidence
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.states import Action
from workbench.validators import InvalidInput

# the indicators whose evidence holds ID numbers in the synthetic city (the hole found)
ID_EVIDENCE = {"GC-001", "GC-002", "GC-003", "GC-004", "GC-005", "GC-006", "GF-001", "GF-002", "GF-003", "GF-004",
               "GF-005", "GS-001", "GS-012", "GS-013", "GS-015", "JY-007", "SY-011", "ZH-002", "ZH-007", "ZH-017"}
WINDOW18 = re.compile(r"(?=([0-9]{17}[0-9X]))")
WINDOW15 = re.compile(r"(?=([0-9]{15}))")
HALF = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


class City:
    """The synthetic city's evaluations of P and every full ID number its warehouse holds."""

    def __init__(self, evaluations: list, ids: frozenset[str]) -> None:
        self.evaluations = evaluations
        self.ids = ids
        self.old = frozenset(i[:6] + i[8:17] for i in ids)  # the same persons' 15-digit numbers

    def leaks(self, text: str) -> set[str]:
        """Full numbers of the warehouse's persons found in ``text`` (18 characters or the old
        15 digits, also in full-width digits, also inside longer runs of digits)."""
        text = text.translate(HALF)
        return ({m for m in WINDOW18.findall(text) if m in self.ids}
                | {m for m in WINDOW15.findall(text) if m in self.old})


@pytest.fixture(scope="module")
def city(synth_warehouse) -> City:
    from workbench.indicators.runner import evaluate
    from workbench.warehouse import Warehouse

    _, url = synth_warehouse
    ids: set[str] = set()
    with Warehouse(url) as wh:
        evaluations = evaluate(SYNTH_PERIOD, warehouse=wh)
        for t in TABLES:
            for c in t.columns:
                if c.type is ColType.ID_NO:
                    ids |= set(wh.table(t.name).select(c.name).distinct().to_pyarrow().column(0).to_pylist())
    ids.discard(None)
    assert len(ids) > 1000
    return City(evaluations, frozenset(ids))


def account(role: Role, district: str | None = None) -> Account:
    return Account(abs(hash((role, district))) % 100_000, f"{role.value}-{district or 'city'}", "测试",
                   district if role.district_scoped else None, frozenset({role}))


CH, CR, ADMIN = account(Role.CITY_HANDLER), account(Role.CITY_REVIEWER), account(Role.ADMIN)


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def problems(url: str) -> dict[int, tuple[str, str, str]]:
    """id -> (indicator, district, subject key) of every published problem."""
    with db.engine(url).connect() as conn:
        return {r.id: (r.indicator_code, r.district_code, r.subject_key) for r in conn.execute(
            select(Problem.id, Problem.indicator_code, Problem.district_code, Problem.subject_key))}


def raw_evidence(url: str, problem_id: int) -> list[dict[str, Any]]:
    ev = ProblemEvidence.__table__
    with db.engine(url).connect() as conn:
        rows = conn.execute(select(ev.c.period, ev.c.row_json).where(ev.c.problem_id == problem_id)
                            .order_by(ev.c.period.desc(), ev.c.row_no)).all()
    return [{"期间": period, **json.loads(text)} for period, text in rows]


def purpose_required() -> str:
    """The message of the shared validator for a missing purpose (查看事由)."""
    from workbench import validators

    with pytest.raises(InvalidInput) as refused:
        validators.PURPOSE.clean("")
    assert "查看事由" in refused.value.zh
    return refused.value.zh


def log_records(url: str) -> list[Any]:
    with db.engine(url).connect() as conn:
        return list(conn.execute(select(actionlog.LOG).order_by(actionlog.LOG.c.id)))


# ----------------------------------------------------------------------------- the function
def test_mask_id_and_mask_text() -> None:
    assert masking.mask_id("11010119900101123X") == "110101********123X"
    assert masking.mask_id("110101900101123") == "110101******123"
    assert masking.mask_id("GS00000020") == "GS******20"
    text = ("核实110101199001011234本人，旧号110101900101123，全角１１０１０１１９９００１０１１２３Ｘ；"
            "缴费记录202306000004570，信用代码91110119578842618U，流水1101011990010112345")
    assert masking.mask_text(text) == (
        "核实110101********1234本人，旧号110101******123，全角１１０１０１********１２３Ｘ；"
        "缴费记录202306000004570，信用代码91110119578842618U，流水1101011990010112345")
    row = masking.mask_row({"id_no": "110101199001011234", "case_id_no": None, "name": "张三",
                            "note": "同110101199001015678", "amount": 12})
    assert row == {"id_no": "110101********1234", "case_id_no": None, "name": "张三",
                   "note": "同110101********5678", "amount": 12}


def test_every_evidence_column_that_can_hold_an_id_number_is_declared(city: City) -> None:
    """Every column the contract types as an ID number is declared; over every indicator of the
    registry, every evidence column named for an ID number is, and every evidence column that
    holds a full number in the synthetic city is (names the indicator and the column)."""
    from tests_support import unbound_context

    from workbench.indicators import params as iparams
    from workbench.indicators.registry import all_indicators
    from workbench.indicators.runner import REQUIRED

    contract = {c.name for t in TABLES for c in t.columns if c.type is ColType.ID_NO}
    assert contract == set(masking.CONTRACT_ID_COLUMNS) and contract <= masking.ID_COLUMNS
    ctx, table = unbound_context(), iparams.defaults()
    named = set()
    for ind in all_indicators():
        expr = ind.build(ctx, iparams.for_indicator(ind.code, ind.params, table))
        named |= {(ind.code, c) for c, t in expr.schema().items()
                  if c not in REQUIRED and t.is_string() and re.search(r"id_?no|idno|身份", c)}
    assert {c for _, c in named} >= {"id_no", "old_id_no", "case_id_no"}
    assert not {(code, c) for code, c in named if c not in masking.ID_COLUMNS}
    holding: dict[str, set[str]] = {}
    for e in city.evaluations:
        for p in e.problems:
            for r in p.evidence:
                for k, v in r.items():
                    if isinstance(v, str) and city.leaks(v):
                        holding.setdefault(k, set()).add(e.indicator.code)
    assert set(holding) >= {"id_no", "old_id_no", "case_id_no"}
    assert not {k: v for k, v in holding.items() if k not in masking.ID_COLUMNS}
    assert set().union(*holding.values()) >= ID_EVIDENCE - {"GC-006"}  # the hole found, as published


# ----------------------------------------------------------------------------- the service
def test_no_full_id_number_reaches_a_role_without_the_right(office: str, home: Path, city: City) -> None:
    """Every problem of every indicator walked (queue, subject, every evidence row and column,
    history) by the district reviewers of all 17 districts, by the admin, and by a city handler
    (who may unmask) before any reveal: no full number of the warehouse's persons anywhere,
    also where people typed them (comments, opinions, the purpose of a view)."""
    from workbench.districts import DISTRICTS

    publish(city.evaluations, SYNTH_PERIOD, office)
    published = problems(office)
    by_code = {code for code, _, _ in published.values()}
    assert len(published) > 300 and ID_EVIDENCE - {"GC-006"} <= by_code
    # people type full numbers too: a comment, a return's opinion, the purpose of a view
    person = next(i for i, (code, d, _) in published.items() if code == "ZH-002")
    district = published[person][1]
    dh = account(Role.DISTRICT_HANDLER, district)
    someone, other = sorted(city.ids)[:2]
    comments.comment(dh, person, f"已联系本人，身份证{someone}，另涉及{other[:6] + other[8:17]}", url=office)
    v = workflow.act(dh, person, "start", workflow.get(dh, person, url=office).version, url=office)
    workflow.reveal(dh, person, f"核对{someone}的缴费记录", url=office)
    assert v
    assert workflow.may_unmask(CH) and not workflow.may_unmask(ADMIN)

    walked: set[int] = set()
    masked_ids = 0
    seen_codes: set[str] = set()
    walkers = [account(Role.DISTRICT_REVIEWER, d) for d in DISTRICTS] + [ADMIN, CH]  # 110000 is no district
    for who in walkers:
        assert who is CH or not workflow.may_unmask(who)
        offset, total = 0, None
        while total is None or offset < total:
            views, total = workflow.queue(who, workflow.QueueFilter(), limit=500, offset=offset, url=office)
            offset += 500
            assert not city.leaks(dump([v.__dict__ for v in views])), who.username
            for view in views:
                got = {"view": workflow.get(who, view.id, url=office).__dict__,
                       "evidence": workflow.evidence(who, view.id, url=office),
                       "history": workflow.history(who, view.id, url=office)}
                leaked = city.leaks(dump(got))
                assert not leaked, f"{who.username} sees {leaked} in problem {view.id} ({view.indicator_code})"
                for row in got["evidence"]:
                    for c in masking.ID_COLUMNS & row.keys():
                        if row[c] is not None:
                            masked_ids += 1
                            seen_codes.add(view.indicator_code)
                            assert "*" * 6 in row[c]
                walked.add(view.id)
            if total == 0:
                break
    assert walked == set(published)  # every problem of every indicator
    assert masked_ids >= 150 and seen_codes >= ID_EVIDENCE - {"GC-006"}
    with pytest.raises(PermissionDenied):
        workflow.get(ADMIN, person, url=office)
    history = workflow.history(CH, person, url=office)
    assert someone[:6] + "*" * 8 + someone[14:] in history["comments"][0]["body"]
    # the log review shows the purpose masked too (the log itself keeps it)
    entries, total = logreview.search(ADMIN, logreview.LogFilter(), limit=500, url=office)
    assert total == len(entries) and any(e.action == Action.UNMASKED_VIEW for e in entries)
    assert not city.leaks(dump([e.__dict__ for e in entries]))
    assert any(someone in dump(r._mapping) for r in log_records(office))


def test_the_reveal_needs_the_right_and_a_purpose_and_is_logged(office: str, home: Path, city: City) -> None:
    publish(city.evaluations, SYNTH_PERIOD, office)
    published = problems(office)
    for code in ("GS-015", "ZH-007", "GC-001"):  # case_id_no; old_id_no with a person; application at the city
        pid = next(i for i, (c, _, _) in published.items() if c == code)
        _, district, key = published[pid]
        handler = CH if district == "110000" else account(Role.DISTRICT_HANDLER, district)
        reviewer = CR if district == "110000" else account(Role.DISTRICT_REVIEWER, district)
        full = raw_evidence(office, pid)
        assert city.leaks(dump(full)) and not city.leaks(dump(workflow.evidence(handler, pid, url=office)))
        before = len(log_records(office))
        for purpose in (None, "", "   "):
            with pytest.raises(InvalidInput) as refused:
                workflow.reveal(handler, pid, purpose, url=office)
            assert refused.value.zh == purpose_required()
        if district != "110000":
            with pytest.raises(PermissionDenied) as refused:
                workflow.reveal(reviewer, pid, "核实", url=office)  # a district reviewer may not unmask
            assert refused.value.zh == "您的角色不能查看完整身份号码"
            other = next(d for _, d, _ in published.values() if d not in (district, "110000"))
            with pytest.raises(PermissionDenied):  # nor a handler of another district
                workflow.reveal(account(Role.DISTRICT_HANDLER, other), pid, "核实", url=office)
        with pytest.raises(PermissionDenied):
            workflow.reveal(ADMIN, pid, "核实", url=office)
        assert len(log_records(office)) == before  # a refused reveal logs nothing and shows nothing
        shown = workflow.reveal(handler, pid, f"{code} 核实身份信息", url=office)
        assert shown.evidence == full
        assert shown.subject == key
        expected = (["subject"] if code == "ZH-007" else []) + masking.id_columns_in(full)
        assert shown.columns == expected and len(expected) >= 1
        record = log_records(office)[-1]
        assert record.action == Action.UNMASKED_VIEW and record.actor == handler.username
        assert record.target == f"problem:{pid}"
        detail = json.loads(record.detail_json)
        assert detail["purpose"] == f"{code} 核实身份信息" and detail["columns"] == expected
        assert workflow.history(handler, pid, url=office)["events"][-1]["action"] == "view_id"
        # shown once, for that view: the page's next load is masked again
        assert not city.leaks(dump(workflow.evidence(handler, pid, url=office)))
    unit = next(i for i, (c, _, _) in published.items() if c == "JY-001")
    with pytest.raises(OfficeError) as refused:  # nothing to reveal on a unit problem without ID evidence
        workflow.reveal(CH, unit, "核实", url=office)
    assert refused.value.zh == "该问题没有需要查看的完整号码"


# ----------------------------------------------------------------------------- reports
def test_html_reports_print_no_full_id_number(synth_warehouse, home: Path, city: City, monkeypatch) -> None:
    """The intake reports of every source (rejected lines quoted, quality examples, views), the
    indicator report and the statistics report over the published city, rendered as the
    notebooks render them: no full number of a person, although the rejected lines hold them."""
    from workbench.contract import SOURCES
    from workbench.reports import data
    from workbench.reports.indicator_report import IndicatorReport
    from workbench.reports.notebook import SourceReport
    from workbench.reports.statistics import StatisticsReport

    landing, url = synth_warehouse
    monkeypatch.setenv("WORKBENCH_WAREHOUSE", url)
    publish(city.evaluations, SYNTH_PERIOD)
    quoted = set()
    for source in SOURCES:
        raw = dump(data.reject_examples(SYNTH_PERIOD, source)["raw"].tolist()).translate(HALF)
        quoted |= {m for m in WINDOW18.findall(raw) if m in city.ids or check_char(m[:17]) == m[17]}
    assert len(quoted) > 20  # the rejected lines quote full numbers

    def rendered(report: Any, skip: tuple[str, ...] = ()) -> str:
        out = []
        for name in dir(report):
            method = getattr(type(report), name, None)
            if name.startswith("_") or not callable(method) or name.endswith("chart") or name in skip:
                continue
            shown = getattr(report, name)(run=False) if name in ("run", "intake") else getattr(report, name)()
            out.append(shown.to_html() if hasattr(shown, "to_html") else str(getattr(shown, "data", shown)))
        return "\n".join(out)

    pages = [rendered(SourceReport(source, str(landing), SYNTH_PERIOD)) for source in SOURCES]
    pages += [rendered(IndicatorReport(SYNTH_PERIOD)), rendered(StatisticsReport(SYNTH_PERIOD), ("periods",))]
    text = "\n".join(pages).translate(HALF)
    assert "被拒" in text or "拒绝" in text
    assert not city.leaks(text)
    assert not {m for m in WINDOW18.findall(text) if m in quoted}


# ----------------------------------------------------------------------------- the browser
USERS = """
from workbench.office import accounts, notices, staff
for user, role, district in {users!r}:
    accounts.add_user(user, "测试" + user, [role], district, "Password-123")
admin = accounts.login("ad1", "Password-123")[0]
# people type ID numbers into free text too: a notice and a staff record quoting one
notices.publish_notice(admin, "核查 {typed} 的通知", "请核查身份证号 {typed} 的待遇发放情况。")
staff.add_staff(admin, staff.StaffInput("city_office", "联络员{typed}", "市社保中心 {typed}", "科员",
                                           "010-12345678"))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory, city: City):
    """`workbench serve` over a home holding the published synthetic city, district reviewers
    of the districts of GS-001, JY-007, ZH-002 and GS-015 problems, a city handler and an admin."""
    import os

    from web_support import serving

    root = tmp_path_factory.mktemp("masking-web")
    home = root / "home"
    url = f"sqlite:///{home / 'office.sqlite'}"
    saved = {k: os.environ.get(k) for k in ("WORKBENCH_HOME", "WORKBENCH_OFFICE_DB")}
    os.environ["WORKBENCH_HOME"] = str(home)
    os.environ.pop("WORKBENCH_OFFICE_DB", None)
    try:
        publish(city.evaluations, SYNTH_PERIOD, url)
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    db.forget(url)
    published = problems(url)
    pick: dict[str, int] = {}
    for code in ("GS-001", "JY-007", "ZH-002", "GS-015", "GC-001", "ZH-007"):
        pick[code] = min(i for i, (c, _, _) in published.items() if c == code)
    districts = sorted({published[i][1] for i in pick.values()} - {"110000"})
    users = [(f"dr{d}", "district_reviewer", d) for d in districts]
    users += [("ch1", "city_handler", None), ("ad1", "admin", None)]
    typed = min(city.ids)
    with serving(home, USERS.format(users=users, typed=typed)) as base:
        yield base, published, pick


# every text held by the models of the page's Bokeh documents (a Tabulator's whole data among
# them, also the rows it does not draw)
BOKEH_TEXTS = """() => {
  const out = [], seen = new WeakSet();
  const walk = (v, depth) => {
    if (v == null || depth > 8) return;
    if (typeof v === "string") { out.push(v); return; }
    if (typeof v !== "object" || seen.has(v) || ArrayBuffer.isView(v)) return;
    seen.add(v);
    if (v instanceof Map) { for (const [k, x] of v) { walk(k, depth + 1); walk(x, depth + 1); } return; }
    if (Array.isArray(v)) { for (const x of v) walk(x, depth + 1); return; }
    if (Object.getPrototypeOf(v) === Object.prototype) { for (const x of Object.values(v)) walk(x, depth + 1); }
  };
  let models = 0;
  for (const doc of (window.Bokeh ? Bokeh.documents : [])) {
    for (const m of doc.all_models) { models += 1; walk(m.attributes, 0); }
  }
  return models ? out : [];
}"""


def looked_at(page, frames: list[str]) -> str:
    """The page's HTML, every Bokeh document's JSON and the websocket frames received so far."""
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0")
    page.wait_for_load_state("networkidle")
    docs = page.evaluate(BOKEH_TEXTS)
    assert docs, "no Bokeh document on the page"
    return page.content() + "\n".join(docs) + "".join(frames)


def watched(browser, base: str, user: str):
    from web_support import login_in

    context = browser.new_context()
    frames: list[str] = []

    def received(payload: str | bytes) -> None:
        frames.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))

    context.on("page", lambda page: page.on("websocket", lambda ws: ws.on("framereceived", received)))
    return login_in(context, base, user), frames


@pytest.mark.browser
def test_district_reviewers_receive_no_full_number_on_any_page(served, browser, city: City) -> None:
    base, published, pick = served
    seen_problems = 0
    for d in sorted({published[i][1] for i in pick.values()} - {"110000"}):
        page, frames = watched(browser, base, f"dr{d}")
        page.locator("#wb-count").wait_for()
        assert not city.leaks(looked_at(page, frames)), "queue"
        for code, pid in pick.items():
            if published[pid][1] != d:
                continue
            page.goto(f"{base}/problem?id={pid}")
            page.locator("#wb-state").wait_for()
            assert page.get_by_role("button", name="查看完整号码").count() == 0
            for tab in ("证据", "处理记录", "意见交流", "附件", "核查结果"):
                page.locator(".bk-tab", has_text=tab).first.click()
            masked = page.locator("#wb-subject").inner_text()
            assert not city.leaks(masked)
            assert not city.leaks(looked_at(page, frames)), f"problem {pid} ({code})"
            seen_problems += 1
        for path in ("/statistics", "/scoring", "/notices", "/records", "/log"):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            seen = looked_at(page, frames)
            assert not city.leaks(seen), path
            if path == "/notices":  # the number typed into the notice is there, masked
                assert masking.mask_id(min(city.ids)) in seen
        page.context.close()
    assert seen_problems >= 4


@pytest.mark.browser
def test_city_handler_sees_full_numbers_only_after_a_logged_reveal(served, browser, city: City) -> None:
    """GC-001 (at the city): masked on load; the reveal without a purpose is refused; with one,
    the subject's application and the evidence show full numbers, and the log review (as the
    admin, masked) lists the view with its purpose; an ID number typed as a user name at the
    login is masked in the log review as well."""
    base, _, pick = served
    pid = pick["GC-001"]
    page, frames = watched(browser, base, "ch1")
    page.goto(f"{base}/problem?id={pid}")
    page.locator("#wb-state").wait_for()
    assert not city.leaks(looked_at(page, frames))
    page.get_by_role("button", name="查看完整号码").click()
    page.get_by_text(purpose_required()).first.wait_for()
    assert not city.leaks(looked_at(page, frames))
    page.get_by_label("查看事由").fill("核实购房资格")
    page.get_by_label("查看事由").press("Tab")
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="查看完整号码").click()
    page.get_by_text("本次查看已记录日志").first.wait_for()
    assert city.leaks(looked_at(page, frames))  # now the full numbers are there
    page.context.close()

    intruder = sorted(city.ids)[-1]
    login = browser.new_context().new_page()
    login.goto(base + "/")
    login.fill("#username", intruder)
    login.fill("#password", "not-the-password")
    login.click("#login")
    login.locator("#error").wait_for()
    login.context.close()

    admin, frames = watched(browser, base, "ad1")
    admin.goto(base + "/log")
    admin.locator("#wb-count").wait_for()
    admin.locator(".tabulator-row", has_text="查看完整证件号码").first.wait_for()
    admin.get_by_text("核实购房资格").first.wait_for()
    admin.locator(".tabulator-row", has_text="登录失败").first.wait_for()
    shown = looked_at(admin, frames)
    assert intruder[:6] + "*" * 8 + intruder[14:] in shown
    assert not city.leaks(shown)
