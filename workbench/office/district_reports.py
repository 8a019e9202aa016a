"""区县监督上报 (workflow.md, office data): each district's supervision report of a period.

One report per district and period: the summary, the amounts involved and recovered and the
rectification status. District handlers and reviewers of the district submit and change it
(``district_report.submit``); city roles read every district, district roles their own
(``district_report.view``). Kept and listed through ``periodic``; money through
``workbench.money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Identity, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workbench import validators as v
from workbench.errors import OfficeError
from workbench.money import parse as parse_money
from workbench.office import periodic
from workbench.office.accounts import Account
from workbench.office.models import ACTOR, AMOUNT, CODE, DISTRICT, PERIOD, Base, now
from workbench.office.states import Action

KIND = "district_report"


class DistrictReport(Base):
    """区县监督上报: one per district and period."""

    __tablename__ = "district_report"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(DISTRICT))
    period: Mapped[str] = mapped_column(String(PERIOD))
    summary: Mapped[str] = mapped_column(Text)
    amount_involved: Mapped[Decimal] = mapped_column(AMOUNT)
    amount_recovered: Mapped[Decimal] = mapped_column(AMOUNT)
    rectification: Mapped[str] = mapped_column(String(CODE))
    submitted_by: Mapped[str] = mapped_column(String(ACTOR))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_by: Mapped[str] = mapped_column(String(ACTOR))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("district_code", "period", name="uq_district_report_period"),
                      Index("ix_district_report_period", "period"))


REPORT = DistrictReport.__table__


class Rectification(StrEnum):
    DONE = "done"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"

    @property
    def label(self) -> str:
        return {"done": "已整改", "in_progress": "整改中", "not_started": "未整改"}[self.value]


@dataclass(frozen=True)
class ReportInput:
    summary: str
    amount_involved: Decimal | str
    amount_recovered: Decimal | str
    rectification: Rectification | str


def _fields(r: ReportInput) -> dict[str, Any]:
    try:
        rect = Rectification(r.rectification)
    except ValueError:
        raise OfficeError(f"unknown rectification status {r.rectification!r}", "请选择整改情况") from None
    return {"summary": v.SUMMARY.clean(r.summary),
            "amount_involved": parse_money(r.amount_involved, "涉及金额", "amount_involved"),
            "amount_recovered": parse_money(r.amount_recovered, "追回金额", "amount_recovered"),
            "rectification": rect.value}


def may_submit(account: Account, district_code: str) -> bool:
    """Whether ``account`` may submit or change the district's reports."""
    return periodic.may_submit(account, KIND, district_code)


def save_report(account: Account, district_code: str, period: str, r: ReportInput, version: int | None = None, *,
                url: str | None = None) -> int:
    """Submit (``version`` None) or change the district's report of ``period``; return its version."""
    return periodic.save(account, KIND, REPORT, Action.DISTRICT_REPORT, district_code, period,
                         _fields(r), version, url)


def list_reports(account: Account, *, period: str | None = None, district_code: str | None = None,
                 limit: int = 50, offset: int = 0, url: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of the district reports ``account`` may read (newest period first) and the total."""
    return periodic.rows(account, KIND, REPORT, period, district_code, limit, offset, url)


def get_report(account: Account, district_code: str, period: str, *, url: str | None = None) -> dict[str, Any] | None:
    """The district's report of ``period`` if there is one ``account`` may read."""
    found, _ = periodic.rows(account, KIND, REPORT, period, district_code, 1, 0, url)
    return found[0] if found else None
