"""The permission matrix: every role x action x district (own, another, the city level) x state,
with the expectations taken from the spec's tables as transcribed in tests/data/permissions.yaml
(README roles and scopes, workflow.md's state table with its city-level rows), never from the
code's own tables.

The workflow actions and the other problem actions run on the service layer against a real
office database (the ``office`` fixture: SQLite and PostgreSQL): each case puts a problem in the
state (with what the action needs: findings, a pending request) and calls the service as that
role; ``access.decide`` must agree with what the service did. The other actions (notices, staff,
district reports, statistics, scoring, package, users, log, documents, annuity reports) are
checked through ``access.decide`` / ``require`` for every role, target district and institution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, insert, select, update
from test_office_publish import evaluation

from workbench import access
from workbench.errors import OfficeError, PermissionDenied
from workbench.office import attachments, comments, db, findings, workflow
from workbench.office.accounts import Account
from workbench.office.findings import Finding
from workbench.office.models import Problem, ProblemFinding, now
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.states import Action, ProblemState

SPEC = yaml.safe_load((Path(__file__).parent / "data" / "permissions.yaml").read_text(encoding="utf-8"))
OWN, OTHER, CITY = SPEC["districts"]["own"], SPEC["districts"]["other"], SPEC["districts"]["city"]
PLACES = {"own": OWN, "other": OTHER, "city": CITY}
STATES = [ProblemState.from_label(label) for label in SPEC["states"]]
CLOSED = "已办结"
INSTITUTION, OTHER_INSTITUTION = "91110000MA00000001", "91110000MA00000002"
SUBJECTS = {OWN: "110101199001011234", OTHER: "110101199001015678", CITY: "110101199001019999"}
FINDING = Finding("true", "100.50", "80", "0", True, 1, "已核实。")
PDF = b"%PDF-1.4 access test"
REASSIGN_TO = "110101"  # a district that is none of the three places


@dataclass(frozen=True)
class ReporterAccount(Account):
    """An account bound to an annuity institution (the attribute ``access`` reads)."""

    institution: str | None = None


def account(role: Role, *, district: str | None = OWN, institution: str | None = INSTITUTION) -> Account:
    scoped = SPEC["roles"][role.value] == "own_district"
    return ReporterAccount(abs(hash(role)) % 10_000, f"{role.value}-test", "测试", district if scoped else None,
                           frozenset({role}), institution if role is Role.ANNUITY_REPORTER else None)


ACCOUNTS = {role.value: account(role) for role in Role}
assert set(ACCOUNTS) == set(SPEC["roles"]), "every role of the code is in the spec's roles table, and back"


# ----------------------------------------------------------------------------- expectations (from the spec file)
def sees(role: str, district: str) -> bool:
    """Whether ``role``'s scope (README) covers a problem of ``district``."""
    scope = SPEC["roles"][role]
    return scope == "all_districts" or (scope == "own_district" and district == OWN)


def level_of(district: str) -> dict[str, Any]:
    return SPEC["workflow"]["city_level" if district == CITY else "district"]


def workflow_expected(role: str, action: str, district: str, state: ProblemState) -> bool:
    level = level_of(district)
    if state.label not in level["states"]:
        return False  # a state no problem of this level is ever in
    by = {r for row in level["rows"] if row["from"] == state.label and row["action"] == action for r in row["by"]}
    if state.label != CLOSED:
        by |= {r for row in SPEC["workflow"]["any_open"] if row["action"] == action for r in row["by"]}
    return role in by and sees(role, district)


def problem_expected(role: str, action: str, district: str, state: ProblemState) -> bool:
    rule = SPEC["problem"][action]
    if "by" not in rule:  # per level
        rule = rule["city_level" if district == CITY else "district"]
    states = rule["states"]
    in_state = (states == "all" or (states == "open" and state.label != CLOSED)
                or (isinstance(states, list) and state.label in states))
    return role in rule["by"] and sees(role, district) and in_state


def other_expected(role: str, action: str, district: str | None, institution: str | None,
                   acc: Account | None = None) -> bool:
    rule = SPEC["other"][action]
    if role not in rule["by"]:
        return False
    scope = SPEC["roles"][role]
    if rule.get("scoped"):
        own = acc.district_code if acc is not None else OWN
        if scope == "own_district" and (own is None or district not in (own, None)):
            return False
    if rule.get("institution") and scope == "own_institution":
        own_inst = getattr(acc, "institution", INSTITUTION) if acc is not None else INSTITUTION
        if own_inst is None or institution not in (own_inst, None):
            return False
    return True


WORKFLOW_ACTIONS = sorted({row["action"] for level in ("district", "city_level")
                           for row in SPEC["workflow"][level]["rows"]}
                          | {row["action"] for row in SPEC["workflow"]["any_open"]})


def test_the_spec_file_names_every_action_of_the_policy() -> None:
    """The policy's actions are exactly the spec file's (a new action needs its spec row)."""
    named = {f"problem.{a}" for a in WORKFLOW_ACTIONS} | set(SPEC["problem"]) | set(SPEC["other"])
    assert named == set(access.ACTIONS)
    for action in access.ACTIONS:
        with pytest.raises(ValueError):
            access.decide(ACCOUNTS["admin"], action + ".typo")


def test_roles_for_every_action_are_the_spec_roles() -> None:
    for a in WORKFLOW_ACTIONS:
        spec = {r for level in ("district", "city_level") for row in SPEC["workflow"][level]["rows"]
                if row["action"] == a for r in row["by"]}
        spec |= {r for row in SPEC["workflow"]["any_open"] if row["action"] == a for r in row["by"]}
        assert {r.value for r in access.roles_for(f"problem.{a}")} == spec, a
    for action, rule in SPEC["problem"].items():
        spec = set(rule["by"]) if "by" in rule else {r for level in rule.values() for r in level["by"]}
        assert {r.value for r in access.roles_for(action)} == spec, action
    for action, rule in SPEC["other"].items():
        assert {r.value for r in access.roles_for(action)} == set(rule["by"]), action


def test_unmask_roles_parameter_is_the_transcribed_default() -> None:
    assert {r.value for r in access.unmask_roles()} == set(SPEC["problem"]["problem.unmask"]["by"])


# ----------------------------------------------------------------------------- the service layer
@pytest.fixture
def three_problems(office: str) -> tuple[str, dict[str, int]]:
    """One person problem in our own district, one in another, one of the city level."""
    publish([evaluation("A01", [(SUBJECTS[d], d, "100.50") for d in (OWN, OTHER, CITY)])], "202406", office)
    with db.engine(office).begin() as conn:
        ids = {d: conn.execute(select(Problem.id).where(Problem.subject_key == SUBJECTS[d])).scalar_one()
               for d in (OWN, OTHER, CITY)}
        for pid in ids.values():  # "submit findings" needs recorded findings
            conn.execute(insert(ProblemFinding).values(
                problem_id=pid, conclusion="true", amount_involved=1, amount_recovered=0, fines=0, rectified=0,
                persons_punished=0, description="x", updated_by="t", updated_at=now()))
    return office, ids


def _put(url: str, problem_id: int, district: str, state: ProblemState, action: str) -> int:
    """Put the problem in ``state`` (in ``district``) with what ``action`` needs; its version."""
    values: dict[str, Any] = {"state": state.value, "district_code": district, "escalation": None,
                              "deferral_until": None, "deadline": now() + timedelta(days=10)}
    if action in ("approve_escalation", "refuse_escalation"):
        values["escalation"] = "requested"
    if action in ("grant_deferral", "refuse_deferral"):
        values["deferral_until"] = now() + timedelta(days=40)
    with db.engine(url).begin() as conn:
        conn.execute(update(Problem).where(Problem.id == problem_id).values(**values))
        return conn.execute(select(Problem.version).where(Problem.id == problem_id)).scalar_one()


def _outcome(call, *args: Any, **kw: Any) -> tuple[bool, str]:
    try:
        call(*args, **kw)
        return True, ""
    except OfficeError as exc:  # PermissionDenied, or a state the action does not apply to
        return False, exc.zh


def _target(district: str, state: ProblemState) -> access.Target:
    return access.Target("problem", district, state.value)


def test_workflow_actions_every_role_district_and_state(three_problems) -> None:
    url, ids = three_problems
    wrong, cases = [], 0
    for action in WORKFLOW_ACTIONS:
        for state in STATES:
            for place, district in PLACES.items():
                for role, who in ACCOUNTS.items():
                    version = _put(url, ids[district], district, state, action)
                    ok, why = _outcome(workflow.act, who, ids[district], action, version, "意见",
                                       district=REASSIGN_TO, deadline=now() + timedelta(days=60), url=url)
                    expected = workflow_expected(role, action, district, state)
                    decided = access.decide(who, f"problem.{action}", _target(district, state))
                    cases += 1
                    if ok != expected or decided.allowed != expected or (not expected and not why):
                        wrong.append(f"{role} {action} on a {place} problem in {state.label}: service "
                                     f"{'allowed' if ok else 'refused (' + why + ')'}, access {decided}, "
                                     f"spec {'allows' if expected else 'refuses'}")
    assert cases == len(WORKFLOW_ACTIONS) * len(STATES) * len(PLACES) * len(ACCOUNTS)
    assert not wrong, "\n".join(wrong)


PROBLEM_CALLS = {
    "problem.view": lambda who, pid, version, url: workflow.get(who, pid, url=url),
    "problem.comment": lambda who, pid, version, url: comments.comment(who, pid, "请核实", url=url),
    "problem.finding": lambda who, pid, version, url: findings.record_finding(who, pid, version, FINDING, url=url),
    "problem.attach": lambda who, pid, version, url: attachments.attach(who, pid, "核查.pdf", PDF, url=url),
    "problem.unmask": lambda who, pid, version, url: workflow.reveal(who, pid, "核实身份", url=url),
}


def test_other_problem_actions_every_role_district_and_state(three_problems) -> None:
    url, ids = three_problems
    assert set(PROBLEM_CALLS) == set(SPEC["problem"])
    wrong, cases = [], 0
    for action, call in PROBLEM_CALLS.items():
        for state in STATES:
            for place, district in PLACES.items():
                for role, who in ACCOUNTS.items():
                    version = _put(url, ids[district], district, state, action)
                    ok, why = _outcome(call, who, ids[district], version, url)
                    expected = problem_expected(role, action, district, state)
                    decided = access.decide(who, action, _target(district, state))
                    cases += 1
                    if ok != expected or decided.allowed != expected or (not expected and not why):
                        wrong.append(f"{role} {action} on a {place} problem in {state.label}: service "
                                     f"{'allowed' if ok else 'refused (' + why + ')'}, access {decided}, "
                                     f"spec {'allows' if expected else 'refuses'}")
    assert cases == len(PROBLEM_CALLS) * len(STATES) * len(PLACES) * len(ACCOUNTS)
    assert not wrong, "\n".join(wrong)


def test_each_role_lists_the_problems_of_its_scope(three_problems) -> None:
    url, ids = three_problems
    for role, who in ACCOUNTS.items():
        listed, total = workflow.queue(who, url=url)
        expected = {ids[d] for d in PLACES.values() if sees(role, d)}
        assert {v.id for v in listed} == expected and total == len(expected), role
        with db.engine(url).connect() as conn:  # the scope as a WHERE, on the table itself
            n = conn.execute(select(func.count()).select_from(Problem).where(access.problem_scope(who))).scalar_one()
        assert n == len(expected), role


def test_a_district_role_without_a_district_sees_and_does_nothing(three_problems) -> None:
    url, ids = three_problems
    for role in (Role.DISTRICT_HANDLER, Role.DISTRICT_REVIEWER):
        lost = account(role, district=None)
        assert workflow.queue(lost, url=url) == ([], 0)
        assert access.districts(lost) == ()
        for district in PLACES.values():
            with pytest.raises(PermissionDenied):
                workflow.get(lost, ids[district], url=url)
        decided = access.decide(lost, "district_report.submit", access.Target("district_report", OWN))
        assert not decided.allowed and decided.reason == "您的账号未设置所属区县，不能执行此操作"


# ----------------------------------------------------------------------------- decisions without a state
TARGET_DISTRICTS = {"own": OWN, "other": OTHER, "city": CITY, "none": None}
INSTITUTIONS = {"own": INSTITUTION, "other": OTHER_INSTITUTION, "none": None}


def test_other_actions_every_role_district_and_institution() -> None:
    wrong, cases = [], 0
    extra = {"district_handler without district": account(Role.DISTRICT_HANDLER, district=None),
             "district_reviewer without district": account(Role.DISTRICT_REVIEWER, district=None),
             "annuity_reporter without institution": account(Role.ANNUITY_REPORTER, institution=None)}
    who_all = {**{r: (r, a) for r, a in ACCOUNTS.items()}, **{k: (k.split()[0], a) for k, a in extra.items()}}
    for action in SPEC["other"]:
        kind = action.split(".")[0]
        for name, (role, who) in who_all.items():
            for dplace, district in TARGET_DISTRICTS.items():
                for iplace, institution in INSTITUTIONS.items():
                    target = access.Target(kind, district, None, institution)
                    decided = access.decide(who, action, target)
                    expected = other_expected(role, action, district, institution, who)
                    cases += 1
                    if decided.allowed != expected or bool(decided.reason) == expected:
                        wrong.append(f"{name} {action} (district {dplace}, institution {iplace}): {decided}, "
                                     f"spec {'allows' if expected else 'refuses'}")
                    if not expected:
                        with pytest.raises(PermissionDenied) as e:
                            access.require(who, action, target)
                        assert e.value.zh == decided.reason
    assert cases == len(SPEC["other"]) * len(who_all) * len(TARGET_DISTRICTS) * len(INSTITUTIONS)
    assert not wrong, "\n".join(wrong)


def test_several_roles_allow_what_one_of_them_allows() -> None:
    both = ReporterAccount(1, "dh-cr", "测试", OWN, frozenset({Role.DISTRICT_HANDLER, Role.CITY_REVIEWER}))
    assert access.decide(both, "problem.start", _target(OWN, ProblemState.PENDING)).allowed
    assert not access.decide(both, "problem.start", _target(OTHER, ProblemState.PENDING)).allowed
    assert access.decide(both, "problem.approve", _target(OTHER, ProblemState.CITY_APPROVAL)).allowed
    assert access.decide(both, "problem.view", _target(CITY, ProblemState.PENDING)).allowed
    assert access.decide(both, "district_report.submit", access.Target("district_report", OWN)).allowed
    assert not access.decide(both, "district_report.submit", access.Target("district_report", OTHER)).allowed
    assert set(access.districts(both)) == set(access.districts(ACCOUNTS["city_reviewer"]))


def test_districts_and_scopes() -> None:
    from workbench.districts import DISTRICTS

    assert access.districts(ACCOUNTS["city_handler"]) == tuple(DISTRICTS)
    assert access.districts(ACCOUNTS["city_handler"], city_level=True) == (*DISTRICTS, CITY)
    assert access.districts(ACCOUNTS["district_reviewer"]) == (OWN,)
    assert access.districts(ACCOUNTS["district_reviewer"], city_level=True) == (OWN,)
    assert access.districts(ACCOUNTS["admin"]) == () and access.districts(ACCOUNTS["annuity_reporter"]) == ()


def test_refusals_say_why_in_chinese() -> None:
    dh, ch = ACCOUNTS["district_handler"], ACCOUNTS["city_handler"]
    assert access.decide(dh, "problem.start", _target(CITY, ProblemState.PENDING)).reason == \
        "市级问题由市基金监督处办理，区县角色不能操作"
    assert access.decide(dh, "problem.view", _target(OTHER, ProblemState.PENDING)).reason == \
        "只能查看或办理本区县的数据"
    assert access.decide(ch, "problem.start", _target(OWN, ProblemState.PENDING)).reason == \
        "您无权对该问题执行“开始处理”"
    assert access.decide(ch, "problem.accept", _target(CITY, ProblemState.CITY_APPROVAL)).reason == \
        "该问题当前状态（市级待审批）不能执行“市级受理”"
    assert access.decide(ACCOUNTS["admin"], "problem.view").reason == "问题不存在或无权查看"
    assert access.decide(account(Role.ANNUITY_REPORTER, institution=None), "annuity_report.submit").reason == \
        "您的账号未关联年金机构，不能执行此操作"
    assert access.decide(ACCOUNTS["annuity_reporter"], "annuity_report.view",
                         access.Target("annuity_report", institution=OTHER_INSTITUTION)).reason == \
        "只能查看或报送本机构的年金报表"
    with pytest.raises(PermissionDenied) as e:
        access.require(ACCOUNTS["district_reviewer"], "package.export", access.Target("package"), period="202406")
    assert e.value.zh == "只有市级处理人或审核人可以导出纪检监察数据包"
    assert "district_reviewer-test may not package.export on package" in str(e.value)


def test_bulk_actions_follow_the_policy() -> None:
    """The queue offers a bulk action to a role the spec lets take it on some problem."""
    for role, who in ACCOUNTS.items():
        offered = {a.value for a in workflow.bulk_actions(who)}
        spec = {a.value for a in workflow.BULK_ACTIONS
                if any(workflow_expected(role, a.value, d, s) for d in PLACES.values() for s in STATES)}
        assert offered == spec, role
    assert Action.START in workflow.bulk_actions(ACCOUNTS["city_handler"])  # city-level problems
