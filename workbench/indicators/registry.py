"""The indicator registry: every indicator declared once, its metadata beside its logic.

An indicator is a function ``(ctx, params) -> ibis.Table`` registered with ``@indicator``.
It builds (never executes) an expression of its *qualifying rows*, with the columns

* ``subject_key`` (string): per indicators-core.md, Common terms;
* ``district_code`` (string): the subject's district, the same on all its rows;
* ``amount`` (decimal, nullable): the row's share of the problem's amount (null when the
  indicator states no amount);
* any further columns: evidence, kept with the published problem.

The runner groups the rows by subject, sums and rounds the amount, and publishes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.errors import UsageError, suggest


class BusinessLine(StrEnum):
    PENSION = "养老"
    UNEMPLOYMENT = "失业"
    INJURY = "工伤"
    RESIDENT = "居民养老"
    AGENCY = "机关养老"
    HR_MARKET = "人力资源市场"
    GENERAL = "综合"
    PURCHASE = "购车购房"


class WarningKind(StrEnum):
    AUTO = "自动预警"
    ANALYSIS = "分析预警"
    QUERY = "查询"
    EVALUATION = "评估"


class SubjectType(StrEnum):
    PERSON = "person"
    UNIT = "unit"
    CASE = "case"
    APPRAISAL = "appraisal"
    APPLICATION = "application"
    DISTRICT = "district"


class Severity(StrEnum):
    HIGH = "高"
    MEDIUM = "中"
    LOW = "低"


@dataclass(frozen=True)
class Policy:
    """A policy basis: document number (文号) and title."""

    number: str
    title: str

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    business_line: BusinessLine
    kind: WarningKind
    subject_type: SubjectType
    severity: Severity
    policy: tuple[Policy, ...]
    description: str
    has_amount: bool
    core: bool
    version: int
    params: tuple[str, ...]
    build: Callable[..., Any] = field(repr=False, compare=False)
    where: str = field(default="", compare=False)

    @property
    def policy_basis(self) -> str:
        return "；".join(str(p) for p in self.policy)


REGISTRY: dict[str, Indicator] = {}


def indicator(code: str, name: str, *, line: BusinessLine, subject: SubjectType, severity: Severity,
              policy: Policy | tuple[Policy, ...], description: str, has_amount: bool,
              params: tuple[str, ...] = (), kind: WarningKind = WarningKind.AUTO, core: bool = False,
              version: int = 1) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated expression builder as indicator ``code``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        where = f"{inspect.getsourcefile(fn)}:{inspect.getsourcelines(fn)[1]}"
        if code in REGISTRY:
            raise RuntimeError(f"indicator {code} declared twice: {REGISTRY[code].where} and {where}")
        REGISTRY[code] = Indicator(
            code=code, name=name, business_line=line, kind=kind, subject_type=subject,
            severity=severity, policy=policy if isinstance(policy, tuple) else (policy,),
            description=description, has_amount=has_amount, core=core, version=version,
            params=params, build=fn, where=where)
        return fn

    return register


def get(code: str) -> Indicator:
    """The indicator ``code``, or a UsageError suggesting close codes."""
    load_all()
    try:
        return REGISTRY[code]
    except KeyError:
        raise UsageError(f"unknown indicator {code!r}{suggest(code, list(REGISTRY))}") from None


def all_indicators() -> list[Indicator]:
    load_all()
    return [REGISTRY[c] for c in sorted(REGISTRY)]


def load_all() -> None:
    """Import every business-line module, which registers its indicators."""
    import workbench.indicators.catalog  # noqa: F401
