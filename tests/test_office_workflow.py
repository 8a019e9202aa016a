"""The workflow service (workflow.md) on SQLite and PostgreSQL: the whole path of a district
problem and of a city-level one (110000: 市级处理中, approve, return), optimistic locking under
two concurrent transitions, findings, comments, attachments, deferral, reassignment,
escalation, unmasking and the logs they leave. The permission matrix (every role x action x
district x state, from the spec's tables) is tests/test_access.py."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from test_office_publish import evaluation

from workbench.errors import OfficeError, PermissionDenied, StaleEdit
from workbench.office import actionlog, attachments, comments, db, findings, workflow
from workbench.office.accounts import Account
from workbench.office.findings import Finding
from workbench.office.models import Problem, ProblemEvent, now
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.states import Action, ProblemState
from workbench.office.workflow import QueueFilter

OWN, OTHER = "110105", "110108"
ID1, ID2 = "110101199001011234", "110101199001015678"


def account(role: Role, district: str | None = None, name: str | None = None) -> Account:
    return Account(hash((role, district)) % 10_000, name or f"{role.value}-{district or 'city'}", "测试",
                   district if role.district_scoped else None, frozenset({role}))


DH, DR = account(Role.DISTRICT_HANDLER, OWN), account(Role.DISTRICT_REVIEWER, OWN)
DH2 = account(Role.DISTRICT_HANDLER, OTHER)
CH, CR, ADMIN = account(Role.CITY_HANDLER), account(Role.CITY_REVIEWER), account(Role.ADMIN)
FINDING = Finding("true", "100.50", "80", "0", True, 1, "已核实：死亡后继续领取，已追回部分。")


@pytest.fixture
def office_with_problems(office: str) -> str:
    publish([evaluation("A01", [(ID1, OWN, "100.50"), (ID2, OTHER, "20")])], "202406", office)
    return office


def pid(url: str, key: str = ID1) -> int:
    with db.engine(url).connect() as conn:
        return conn.execute(select(Problem.id).where(Problem.subject_key == key)).scalar_one()


def version(url: str, problem_id: int) -> int:
    return workflow.get(CH, problem_id, url=url).version


def step(url: str, who: Account, action: Action, opinion: str | None = None, **kw) -> None:
    p = pid(url)
    workflow.act(who, p, action, version(url, p), opinion, url=url, **kw)


def test_a_problem_goes_from_district_to_city_to_closed(office_with_problems: str) -> None:
    url = office_with_problems
    p = pid(url)
    assert workflow.get(DH, p, url=url).state is ProblemState.PENDING
    step(url, DH, Action.START)
    with pytest.raises(OfficeError) as e:  # findings first
        step(url, DH, Action.SUBMIT)
    assert e.value.zh == "请先录入核查结果再提交"
    findings.record_finding(DH, p, version(url, p), FINDING, url=url)
    step(url, DH, Action.SUBMIT)
    with pytest.raises(OfficeError) as e:  # a return needs an opinion
        step(url, DR, Action.RETURN, "  ")
    assert "必须填写意见" in e.value.zh
    step(url, DR, Action.RETURN, "请补充追回凭证")
    step(url, DH, Action.SUBMIT)
    step(url, DR, Action.APPROVE)
    step(url, CH, Action.ACCEPT)
    step(url, CR, Action.APPROVE)
    assert workflow.get(CH, p, url=url).state is ProblemState.CLOSED
    h = workflow.history(CH, p, url=url)
    assert [e["action"] for e in h["events"]] == ["published", "start", "finding", "submit", "return", "submit",
                                                  "approve", "accept", "approve"]
    assert h["events"][4]["opinion"] == "请补充追回凭证" and h["events"][4]["actor"] == DR.username
    assert h["finding"][0]["amount_recovered"] == Decimal("80.00")
    with db.engine(url).connect() as conn:
        v = actionlog.verify(conn)
        assert v.ok and v.records == 1 + 8  # the publication, and every change also in the action log
    with pytest.raises(OfficeError) as e:  # closed: nothing more
        step(url, CH, Action.REASSIGN, district=OTHER)
    assert "已办结" in e.value.zh


ID3 = "110101199001019999"
CITY = "110000"


@pytest.fixture
def office_with_city_problem(office: str) -> str:
    """One district problem (own district) and one of the city level (110000)."""
    publish([evaluation("A01", [(ID1, OWN, "100.50"), (ID3, CITY, "60")])], "202406", office)
    return office


def test_a_city_level_problem_is_handled_and_approved_by_the_city(office_with_city_problem: str) -> None:
    url = office_with_city_problem
    p = pid(url, ID3)
    assert workflow.get(CH, p, url=url).city_level and not workflow.get(CH, pid(url, ID1), url=url).city_level
    for district_role in (DH, DR):  # district roles neither see nor act on the city level
        with pytest.raises(PermissionDenied) as e:
            workflow.act(district_role, p, Action.START, version(url, p), url=url)
        assert e.value.zh == "问题不存在或无权查看"
    assert [v.id for v in workflow.queue(DH, url=url)[0]] == [pid(url, ID1)]
    with pytest.raises(PermissionDenied) as e:  # the city reviewer does not start it
        workflow.act(CR, p, Action.START, version(url, p), url=url)
    assert e.value.zh == "您无权对该问题执行“开始处理”"
    assert workflow.possible_actions(CH, workflow.get(CH, p, url=url))[0] is Action.START
    workflow.act(CH, p, Action.START, version(url, p), url=url)
    assert workflow.get(CH, p, url=url).state is ProblemState.CITY_HANDLING
    assert ProblemState.CITY_HANDLING.label == "市级处理中" and ProblemState.CITY_HANDLING.is_open
    with pytest.raises(OfficeError) as e:  # findings first, as in a district
        workflow.act(CH, p, Action.SUBMIT, version(url, p), url=url)
    assert e.value.zh == "请先录入核查结果再提交"
    with pytest.raises(PermissionDenied) as e:  # only the city handler records them
        findings.record_finding(CR, p, version(url, p), FINDING, url=url)
    assert e.value.zh == "只有市级处理人在“市级处理中”状态下可以录入核查结果"
    findings.record_finding(CH, p, version(url, p), FINDING, url=url)
    workflow.act(CH, p, Action.SUBMIT, version(url, p), url=url)
    assert workflow.get(CH, p, url=url).state is ProblemState.CITY_APPROVAL
    with pytest.raises(OfficeError) as e:  # no 市级受理 step on the city level
        workflow.act(CH, p, Action.ACCEPT, version(url, p), url=url)
    assert e.value.zh == "当前状态（市级待审批）不能执行“市级受理”"
    with pytest.raises(OfficeError) as e:
        workflow.act(CR, p, Action.RETURN, version(url, p), "", url=url)
    assert "必须填写意见" in e.value.zh
    workflow.act(CR, p, Action.RETURN, version(url, p), "请补充处理依据", url=url)
    assert workflow.get(CH, p, url=url).state is ProblemState.CITY_HANDLING  # back to the city handler
    findings.record_finding(CH, p, version(url, p), FINDING, url=url)
    workflow.act(CH, p, Action.SUBMIT, version(url, p), url=url)
    assert workflow.possible_actions(CR, workflow.get(CR, p, url=url)) == [Action.APPROVE, Action.RETURN]
    workflow.act(CR, p, Action.APPROVE, version(url, p), url=url)
    assert workflow.get(CH, p, url=url).state is ProblemState.CLOSED
    events = workflow.history(CR, p, url=url)["events"]
    assert [(e["action"], e["to_state"]) for e in events] == [
        ("published", "pending"), ("start", "city_handling"), ("finding", "city_handling"),
        ("submit", "city_approval"), ("return", "city_handling"), ("finding", "city_handling"),
        ("submit", "city_approval"), ("approve", "closed")]
    assert events[4]["opinion"] == "请补充处理依据" and events[4]["actor"] == CR.username
    with db.engine(url).connect() as conn:
        v = actionlog.verify(conn)
        assert v.ok and v.records == 1 + 7


def test_district_rows_do_not_apply_to_the_city_level(office_with_city_problem: str) -> None:
    """A district problem never reaches 市级处理中, a city-level one never 区县处理中, and the
    city handler's start is refused on a district problem (the district starts it)."""
    url = office_with_city_problem
    own, city = pid(url, ID1), pid(url, ID3)
    with pytest.raises(PermissionDenied) as e:
        workflow.act(CH, own, Action.START, version(url, own), url=url)
    assert e.value.zh == "您无权对该问题执行“开始处理”"
    workflow.act(DH, own, Action.START, version(url, own), url=url)
    assert workflow.get(CH, own, url=url).state is ProblemState.DISTRICT_HANDLING
    with db.engine(url).begin() as conn:  # a city-level problem put in a district state by hand
        conn.execute(update(Problem).where(Problem.id == city).values(state=ProblemState.DISTRICT_REVIEW.value))
    for who, action in ((CR, Action.APPROVE), (DR, Action.APPROVE), (CH, Action.RETURN)):
        with pytest.raises(OfficeError):
            workflow.act(who, city, action, version(url, city), "意见", url=url)
    assert workflow.get(CH, city, url=url).state is ProblemState.DISTRICT_REVIEW
    with pytest.raises(OfficeError) as e:  # not even the any-open actions: the state is not of its level
        workflow.act(CH, city, Action.REASSIGN, version(url, city), district=OTHER, url=url)
    assert e.value.zh == "当前状态（区县待审核）不能执行“协调委派”"


def test_the_city_handler_starts_city_level_problems_in_bulk(office_with_city_problem: str) -> None:
    url = office_with_city_problem
    own, city = pid(url, ID1), pid(url, ID3)
    res = workflow.act_many(CH, [(own, version(url, own)), (city, version(url, city))], Action.START, url=url)
    assert res == {own: "您无权对该问题执行“开始处理”", city: None}
    assert workflow.get(CH, city, url=url).state is ProblemState.CITY_HANDLING
    mine, n = workflow.queue(CH, QueueFilter(mine=True), url=url)
    assert n == 1 and mine[0].id == city  # the city handler's own work: the city-level problem it handles
    assert [v.id for v in workflow.queue(DH, QueueFilter(mine=True), url=url)[0]] == [own]


def test_district_users_see_only_their_district(office_with_problems: str) -> None:
    url = office_with_problems
    mine, total = workflow.queue(DH, url=url)
    assert total == 1 and [v.district_code for v in mine] == [OWN]
    assert mine[0].subject == "110101********1234"  # masked
    with pytest.raises(PermissionDenied) as e:
        workflow.get(DH, pid(url, ID2), url=url)
    assert e.value.zh == "问题不存在或无权查看"
    for call in (lambda: comments.comment(DH, pid(url, ID2), "看看", url=url),
                 lambda: workflow.reveal_subject(DH, pid(url, ID2), url=url),
                 lambda: workflow.history(DH, pid(url, ID2), url=url)):
        with pytest.raises(PermissionDenied):
            call()
    assert workflow.queue(CH, url=url)[1] == 2
    assert workflow.queue(ADMIN, url=url)[1] == 0


def test_two_concurrent_transitions_one_wins_one_is_told(office_with_problems: str) -> None:
    url = office_with_problems
    p = pid(url)
    v = version(url, p)
    other = account(Role.DISTRICT_HANDLER, OWN, name="second-handler")
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def go(who: Account) -> None:
        barrier.wait()
        try:
            workflow.act(who, p, Action.START, v, url=url)
            results[who.username] = "ok"
        except StaleEdit as exc:
            results[who.username] = exc.zh
        except OfficeError as exc:  # the loser may also find the state already moved
            results[who.username] = exc.zh

    threads = [threading.Thread(target=go, args=(a,)) for a in (DH, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values()) == sorted(["ok", "该问题已被他人修改，请刷新后重试"]), results
    with db.engine(url).connect() as conn:
        starts = conn.execute(select(ProblemEvent.actor).where(ProblemEvent.action == "start")).all()
    assert len(starts) == 1  # nothing half-saved by the loser
    with pytest.raises(StaleEdit):  # a stale version is refused outright
        workflow.act(DH, p, Action.SUBMIT, v, url=url)


def test_findings_are_validated(office_with_problems: str) -> None:
    url = office_with_problems
    p = pid(url)
    with pytest.raises(PermissionDenied):  # not yet in handling
        findings.record_finding(DH, p, version(url, p), FINDING, url=url)
    step(url, DH, Action.START)
    bad = [(Finding("maybe", "1", "0", "0", False, 0, "x"), "请选择核查结论"),
           (Finding("true", "1.234", "0", "0", False, 0, "x"), "涉及金额须为非负金额，最多两位小数"),
           (Finding("true", "abc", "0", "0", False, 0, "x"), "涉及金额不是有效金额"),
           (Finding("true", "10", "20", "0", False, 0, "x"), "追回金额不能大于涉及金额"),
           (Finding("true", "10", "0", "0", False, -1, "x"), "处理处罚人数不能为负数"),
           (Finding("true", "10", "0", "0", False, 0, "  "), "请填写核查情况说明")]
    for f, message in bad:
        with pytest.raises(OfficeError) as e:
            findings.record_finding(DH, p, version(url, p), f, url=url)
        assert e.value.zh == message
    with pytest.raises(PermissionDenied):  # another district's handler
        findings.record_finding(DH2, p, version(url, p), FINDING, url=url)
    findings.record_finding(DH, p, version(url, p), FINDING, url=url)
    assert workflow.history(DH, p, url=url)["finding"][0]["conclusion"] == "true"


def test_deferral_reassign_escalation(office_with_problems: str) -> None:
    url = office_with_problems
    p = pid(url)
    old = workflow.get(DH, p, url=url).deadline
    with pytest.raises(OfficeError):  # a new deadline is needed
        step(url, DH, Action.REQUEST_DEFERRAL)
    step(url, DH, Action.REQUEST_DEFERRAL, deadline=old + timedelta(days=30))
    with pytest.raises(OfficeError):
        step(url, CR, Action.REFUSE_DEFERRAL)  # refusal needs an opinion
    step(url, CR, Action.GRANT_DEFERRAL)
    assert workflow.get(DH, p, url=url).deadline == old + timedelta(days=30)
    step(url, CH, Action.ESCALATE)
    with pytest.raises(OfficeError):
        step(url, CH, Action.ESCALATE)  # already requested
    step(url, CR, Action.APPROVE_ESCALATION)
    assert workflow.get(CH, p, url=url).escalation == "approved"
    step(url, DH, Action.START)
    step(url, CH, Action.REASSIGN, district=OTHER)
    moved = workflow.get(CH, p, url=url)
    assert (moved.district_code, moved.state) == (OTHER, ProblemState.PENDING)
    with pytest.raises(PermissionDenied):  # gone from the old district
        workflow.get(DH, p, url=url)
    assert workflow.get(DH2, p, url=url).district_code == OTHER


def test_comments_attachments_and_unmasking_are_logged(office_with_problems: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    url = office_with_problems
    p = pid(url)
    comments.comment(DH, p, "<script>alert(1)</script> 已联系家属", url=url)
    assert workflow.history(CH, p, url=url)["comments"][0]["body"] == "<script>alert(1)</script> 已联系家属"
    for name, data, message in (("../../etc/passwd.pdf", b"x", "附件文件名不合法"),
                                ("report.exe", b"x", "不支持的附件类型"),
                                ("empty.pdf", b"", "附件为空")):
        with pytest.raises(OfficeError) as e:
            attachments.attach(DH, p, name, data, url=url)
        assert e.value.zh.startswith(message)
    vid = attachments.attach(DH, p, "核查报告.pdf", b"%PDF-1.4 test", url=url)
    stored = attachments.listing(CH, p, url=url)
    assert [(a.version_id, a.name, a.uploaded_by) for a in stored] == [(vid, "核查报告.pdf", DH.username)]
    assert attachments.read(DR, vid, url=url)[1] == b"%PDF-1.4 test"
    assert workflow.reveal_subject(DH, p, "核实死亡后领取", url=url) == ID1
    with pytest.raises(PermissionDenied):
        workflow.reveal_subject(DR, p, url=url)  # the reviewer's role may not unmask
    with db.engine(url).connect() as conn:
        actions = [r.action for r in conn.execute(select(actionlog.LOG).order_by(actionlog.LOG.c.id))]
    assert actions == ["publication", "comment", "attachment", "view_unmasked_id"]


def test_queue_filters_overdue_and_bulk(office_with_problems: str) -> None:
    url = office_with_problems
    p1, p2 = pid(url, ID1), pid(url, ID2)
    with db.engine(url).begin() as conn:
        conn.execute(update(Problem).where(Problem.id == p1).values(deadline=now() - timedelta(days=1)))
    overdue, n = workflow.queue(CH, QueueFilter(overdue_only=True), url=url)
    assert n == 1 and overdue[0].id == p1 and overdue[0].overdue
    assert workflow.queue(CH, QueueFilter(district_code=OTHER), url=url)[0][0].id == p2
    assert workflow.queue(CH, QueueFilter(states=(ProblemState.CLOSED,)), url=url)[1] == 0
    res = workflow.act_many(DH, [(p1, version(url, p1)), (p2, version(url, p2))], Action.START, url=url)
    assert res == {p1: None, p2: "问题不存在或无权查看"}
