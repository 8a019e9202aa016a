"""核查结果 (findings) of a problem (workflow.md): conclusion, amounts, rectified, persons
punished, description.

Findings are recorded (or replaced) by whoever may submit them from the problem's state
(``access``: ``problem.finding``): the district handler of the problem's district while it is
区县处理中, the city handler while a city-level problem is 市级处理中. Amounts are read by
``workbench.money.parse``; each change moves the problem's version (optimistic locking, like
every workflow step) and is recorded as a problem event and in the action log.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import insert, select, update

from workbench import access, money, validators
from workbench.errors import OfficeError
from workbench.office import db, workflow
from workbench.office.accounts import Account
from workbench.office.models import ProblemFinding, now
from workbench.office.states import Action

FINDING = ProblemFinding.__table__


class Conclusion(StrEnum):
    """核查结论 of a finding."""

    TRUE = "true"                # 属实
    FALSE = "false"              # 不属实
    DATA_ERROR = "data_error"    # 数据差错
    POLICY_ALLOWED = "policy_allowed"  # 政策允许

    @property
    def label(self) -> str:
        return CONCLUSION_LABELS[self]


CONCLUSION_LABELS: dict[Conclusion, str] = {
    Conclusion.TRUE: "属实", Conclusion.FALSE: "不属实", Conclusion.DATA_ERROR: "数据差错",
    Conclusion.POLICY_ALLOWED: "政策允许",
}


@dataclass(frozen=True)
class Finding:
    """核查结果 as entered (money as text or Decimal; validated by ``record_finding``)."""

    conclusion: Conclusion | str
    amount_involved: Decimal | str
    amount_recovered: Decimal | str
    fines: Decimal | str
    rectified: bool
    persons_punished: int | str
    description: str


def conclusion_of(value: Conclusion | str) -> Conclusion:
    """The conclusion chosen (its code or its Chinese label); ``OfficeError`` if none."""
    for c in Conclusion:
        if value == c.value or value == c.label:
            return c
    raise OfficeError(f"unknown conclusion {value!r}", "请选择核查结论")


def _persons(value: int | str) -> int:
    try:
        n = int(str(value).strip() or "0")
    except ValueError:
        raise OfficeError(f"{value!r} is not a number of persons", "处理处罚人数须为整数") from None
    if n < 0:
        raise OfficeError("persons punished cannot be negative", "处理处罚人数不能为负数")
    return n


def checked(f: Finding) -> dict[str, object]:
    """The columns of ``f`` once every field is valid (Chinese refusal naming the field)."""
    values: dict[str, object] = {
        "conclusion": conclusion_of(f.conclusion).value,
        "amount_involved": money.parse(f.amount_involved, "涉及金额", "amount_involved"),
        "amount_recovered": money.parse(f.amount_recovered, "追回金额", "amount_recovered"),
        "fines": money.parse(f.fines, "罚款", "fines"),
        "rectified": 1 if f.rectified else 0,
        "persons_punished": _persons(f.persons_punished),
    }
    if values["amount_recovered"] > values["amount_involved"]:  # type: ignore[operator]
        raise OfficeError("the amount recovered exceeds the amount involved", "追回金额不能大于涉及金额")
    values["description"] = validators.FINDING_DESCRIPTION.clean(f.description)
    return values


def record_finding(account: Account, problem_id: int, version: int, f: Finding, *, url: str | None = None) -> int:
    """Record (or replace) the findings of a problem being handled; return its new version."""
    values = checked(f)
    with db.ready(url).begin() as conn:
        p = workflow.load(conn, account, problem_id)
        workflow.check_version(p, version)
        access.require(account, "problem.finding", workflow.problem_target(p), problem=problem_id)
        new_version = workflow.bump(conn, p, version, {})
        row = {**values, "updated_by": account.username, "updated_at": now()}
        if conn.execute(select(FINDING.c.problem_id).where(FINDING.c.problem_id == p.id)).first():
            conn.execute(update(FINDING).where(FINDING.c.problem_id == p.id).values(**row))
        else:
            conn.execute(insert(FINDING).values(problem_id=p.id, **row))
        workflow.record(conn, account, p, Action.FINDING, p.state, p.state, conclusion=values["conclusion"],
                        amount_involved=str(values["amount_involved"]),
                        amount_recovered=str(values["amount_recovered"]), fines=str(values["fines"]))
        return new_version
