"""监督落实完成情况 (workflow.md, office data): each district's implementation status of a period.

One status per district and period: inspections, problems found and handled, fund losses
found and recovered, fines recovered and persons punished. District handlers and reviewers of
the district submit and change it (``implementation.submit``); city roles read every
district, district roles their own (``implementation.view``). Kept and listed through
``periodic``; money through ``workbench.money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Identity, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workbench.money import parse as parse_money
from workbench.office import periodic
from workbench.office.accounts import Account
from workbench.office.models import ACTOR, AMOUNT, DISTRICT, PERIOD, Base, now
from workbench.office.states import Action
from workbench.office.versioning import count

KIND = "implementation"


class ImplementationStatus(Base):
    """监督落实完成情况: one per district and period."""

    __tablename__ = "implementation_status"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(DISTRICT))
    period: Mapped[str] = mapped_column(String(PERIOD))
    inspections: Mapped[int] = mapped_column(Integer)
    problems_found: Mapped[int] = mapped_column(Integer)
    fund_losses_found: Mapped[Decimal] = mapped_column(AMOUNT)
    problems_handled: Mapped[int] = mapped_column(Integer)
    losses_recovered: Mapped[Decimal] = mapped_column(AMOUNT)
    fines_recovered: Mapped[Decimal] = mapped_column(AMOUNT)
    persons_punished: Mapped[int] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(ACTOR))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_by: Mapped[str] = mapped_column(String(ACTOR))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("district_code", "period", name="uq_impl_status_district_period"),
                      Index("ix_impl_status_period", "period"))


IMPL = ImplementationStatus.__table__


@dataclass(frozen=True)
class StatusInput:
    inspections: int | str
    problems_found: int | str
    fund_losses_found: Decimal | str
    problems_handled: int | str
    losses_recovered: Decimal | str
    fines_recovered: Decimal | str
    persons_punished: int | str


def _fields(s: StatusInput) -> dict[str, Any]:
    return {"inspections": count(s.inspections, "检查次数"), "problems_found": count(s.problems_found, "发现问题数"),
            "fund_losses_found": parse_money(s.fund_losses_found, "发现基金损失金额", "fund_losses_found"),
            "problems_handled": count(s.problems_handled, "已处理问题数"),
            "losses_recovered": parse_money(s.losses_recovered, "追回损失金额", "losses_recovered"),
            "fines_recovered": parse_money(s.fines_recovered, "收缴罚款金额", "fines_recovered"),
            "persons_punished": count(s.persons_punished, "处理处罚人数")}


def may_submit(account: Account, district_code: str) -> bool:
    """Whether ``account`` may submit or change the district's implementation status."""
    return periodic.may_submit(account, KIND, district_code)


def save_status(account: Account, district_code: str, period: str, s: StatusInput, version: int | None = None, *,
                url: str | None = None) -> int:
    """Submit (``version`` None) or change the district's implementation status of ``period``."""
    return periodic.save(account, KIND, IMPL, Action.IMPLEMENTATION, district_code, period,
                         _fields(s), version, url)


def list_status(account: Account, *, period: str | None = None, district_code: str | None = None,
                limit: int = 50, offset: int = 0, url: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of the implementation status rows ``account`` may read and the total."""
    return periodic.rows(account, KIND, IMPL, period, district_code, limit, offset, url)


def get_status(account: Account, district_code: str, period: str, *, url: str | None = None) -> dict[str, Any] | None:
    """The district's implementation status of ``period`` if there is one ``account`` may read."""
    found, _ = periodic.rows(account, KIND, IMPL, period, district_code, 1, 0, url)
    return found[0] if found else None
