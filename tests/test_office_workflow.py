"""The workflow service (workflow.md) on SQLite and PostgreSQL: the whole path of a problem,
the permission matrix (every role x action x own/other district), optimistic locking under
two concurrent transitions, findings, comments, attachments, deferral, reassignment,
escalation, unmasking and the logs they leave."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, update
from test_office_publish import evaluation

from workbench.errors import OfficeError, PermissionDenied, StaleEdit
from workbench.office import actionlog, db, workflow
from workbench.office.accounts import Account
from workbench.office.models import Problem, ProblemEvent, ProblemFinding, now
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.states import ALLOWED, Action, ProblemState
from workbench.office.workflow import Finding, QueueFilter

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
    workflow.record_finding(DH, p, version(url, p), FINDING, url=url)
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


def _setup(url: str, problem_id: int, state: ProblemState, action: Action) -> None:
    """Put the problem in ``state`` with what ``action`` needs (findings, requests)."""
    values = {"state": state.value, "district_code": OWN, "escalation": None, "deferral_until": None,
              "deadline": now() + timedelta(days=10)}
    if action in (Action.APPROVE_ESCALATION, Action.REFUSE_ESCALATION):
        values["escalation"] = "requested"
    if action in (Action.GRANT_DEFERRAL, Action.REFUSE_DEFERRAL):
        values["deferral_until"] = now() + timedelta(days=40)
    with db.engine(url).begin() as conn:
        conn.execute(update(Problem).where(Problem.id == problem_id).values(**values))
        if action is Action.SUBMIT and conn.execute(select(ProblemFinding.problem_id)).first() is None:
            conn.execute(insert(ProblemFinding).values(
                problem_id=problem_id, conclusion="true", amount_involved=1, amount_recovered=0, fines=0,
                rectified=0, persons_punished=0, description="x", updated_by="t", updated_at=now()))


def test_permission_matrix_every_role_action_and_district(office_with_problems: str) -> None:
    url = office_with_problems
    p = pid(url)
    wrong: list[str] = []
    cases = 0
    for (state, action), t in ALLOWED.items():
        for role in Role:
            for district in (OWN, OTHER):
                who = account(role, district)
                _setup(url, p, state, action)
                expected = role.value in t.roles and (not role.district_scoped or district == OWN)
                try:
                    workflow.act(who, p, action, version(url, p), "意见", url=url, district=OTHER,
                                 deadline=now() + timedelta(days=60))
                    ok = True
                except PermissionDenied:
                    ok = False
                cases += 1
                if ok != expected:
                    wrong.append(f"{role.value}/{'own' if district == OWN else 'other'} {action.value} "
                                 f"from {state.value}: {'allowed' if ok else 'refused'}")
    assert cases == len(ALLOWED) * len(Role) * 2
    assert not wrong, wrong


def test_district_users_see_only_their_district(office_with_problems: str) -> None:
    url = office_with_problems
    mine, total = workflow.queue(DH, url=url)
    assert total == 1 and [v.district_code for v in mine] == [OWN]
    assert mine[0].subject == "110101********1234"  # masked
    with pytest.raises(PermissionDenied) as e:
        workflow.get(DH, pid(url, ID2), url=url)
    assert e.value.zh == "问题不存在或无权查看"
    for call in (lambda: workflow.comment(DH, pid(url, ID2), "看看", url=url),
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
        workflow.record_finding(DH, p, version(url, p), FINDING, url=url)
    step(url, DH, Action.START)
    bad = [(Finding("maybe", "1", "0", "0", False, 0, "x"), "请选择核查结论"),
           (Finding("true", "1.234", "0", "0", False, 0, "x"), "涉及金额须为非负金额，最多两位小数"),
           (Finding("true", "abc", "0", "0", False, 0, "x"), "涉及金额不是有效金额"),
           (Finding("true", "10", "20", "0", False, 0, "x"), "追回金额不能大于涉及金额"),
           (Finding("true", "10", "0", "0", False, -1, "x"), "处理处罚人数不能为负数"),
           (Finding("true", "10", "0", "0", False, 0, "  "), "请填写核查情况说明")]
    for f, message in bad:
        with pytest.raises(OfficeError) as e:
            workflow.record_finding(DH, p, version(url, p), f, url=url)
        assert e.value.zh == message
    with pytest.raises(PermissionDenied):  # another district's handler
        workflow.record_finding(DH2, p, version(url, p), FINDING, url=url)
    workflow.record_finding(DH, p, version(url, p), FINDING, url=url)
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
    workflow.comment(DH, p, "<script>alert(1)</script> 已联系家属", url=url)
    assert workflow.history(CH, p, url=url)["comments"][0]["body"] == "<script>alert(1)</script> 已联系家属"
    for name, data, message in (("../../etc/passwd.pdf", b"x", "附件文件名不合法"),
                                ("..\\x.pdf", b"x", "附件文件名不合法"),
                                ("report.exe", b"x", "不支持的附件类型"),
                                ("big.pdf", b"x" * (workflow.office_params()["attachments"]["max_bytes"] + 1),
                                 "附件不能超过"),
                                ("empty.pdf", b"", "附件为空")):
        with pytest.raises(OfficeError) as e:
            workflow.attach(DH, p, name, data, url=url)
        assert e.value.zh.startswith(message)
    assert not (tmp_path / "home" / "attachments").exists() or not any((tmp_path / "home" / "attachments").iterdir())
    aid = workflow.attach(DH, p, "核查报告.pdf", b"%PDF-1.4 test", url=url)
    stored = workflow.history(DH, p, url=url)["attachments"]
    assert stored[0]["id"] == aid and stored[0]["filename"] == "核查报告.pdf"
    assert (tmp_path / "home" / "attachments" / stored[0]["sha256"]).read_bytes() == b"%PDF-1.4 test"
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
