"""The data-quality summary of a period: references between tables that do not resolve,
and id numbers with a wrong check character.

Such rows are not rejects (data-contract.md): they load, indicators leave them out or
report them (ZH-002), and this summary counts them. Every check is an ibis expression
over the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pyarrow as pa

from workbench.idno import wrong_check_char
from workbench.warehouse import PERIOD_COL, QUALITY_SCHEMA, Warehouse


@dataclass(frozen=True)
class RefCheck:
    code: str
    child: str
    column: str
    parent: str
    parent_column: str
    description: str


def _ref(code: str, child: str, parent: str, description: str) -> RefCheck:
    (ct, cc), (pt, pc) = child.split("."), parent.split(".")
    return RefCheck(code, ct, cc, pt, pc, description)


REF_CHECKS: tuple[RefCheck, ...] = (
    _ref("DQ-01", "sb_contrib.person_id", "sb_person.person_id", "缴费明细的个人编号不在参保人员快照中"),
    _ref("DQ-02", "sb_contrib.unit_id", "sb_unit.unit_id", "缴费明细的单位编号不在参保单位快照中"),
    _ref("DQ-03", "sb_benefit_pay.person_id", "sb_person.person_id", "待遇发放的个人编号不在参保人员快照中"),
    _ref("DQ-04", "sb_benefit_approval.person_id", "sb_person.person_id", "待遇核定的个人编号不在参保人员快照中"),
    _ref("DQ-05", "sb_account.person_id", "sb_person.person_id", "个人账户的个人编号不在参保人员快照中"),
    _ref("DQ-06", "sb_person.unit_id", "sb_unit.unit_id", "参保人员的当前单位不在参保单位快照中"),
    _ref("DQ-07", "jm_contrib.person_id", "jm_person.person_id", "居民养老缴费的个人编号不在居民参保快照中"),
    _ref("DQ-08", "jm_benefit_pay.person_id", "jm_person.person_id", "居民养老待遇的个人编号不在居民参保快照中"),
    _ref("DQ-09", "jg_contrib.person_id", "jg_person.person_id", "机关养老缴费的个人编号不在机关参保快照中"),
    _ref("DQ-10", "jg_benefit_pay.person_id", "jg_person.person_id", "机关养老待遇的个人编号不在机关参保快照中"),
    _ref("DQ-11", "jg_person.unit_id", "sb_unit.unit_id", "机关参保人员的单位不在参保单位快照中"),
    _ref("DQ-12", "jg_contrib.unit_id", "sb_unit.unit_id", "机关养老缴费的单位不在参保单位快照中"),
    _ref("DQ-13", "ldnl_appraisal.case_id", "gsrd_case.case_id", "劳动能力鉴定的工伤认定编号不存在"),
)


ID_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("DQ-14", "sb_person", "职工参保人员身份号码校验位错误"),
    ("DQ-15", "jm_person", "居民养老参保人员身份号码校验位错误"),
    ("DQ-16", "jg_person", "机关养老参保人员身份号码校验位错误"),
)


def dangling(wh: Warehouse, check: RefCheck, period: str) -> ibis.Table:
    """Rows of the child table of ``period`` whose reference has no parent row."""
    child = wh.table(check.child).filter(ibis._[PERIOD_COL] == period)
    parent = wh.table(check.parent).filter(ibis._[PERIOD_COL] == period)
    child = child.filter(child[check.column].notnull())
    return child.anti_join(parent, child[check.column] == parent[check.parent_column])


def run_checks(wh: Warehouse, period: str, loaded: set[str] | None = None) -> list[dict]:
    """Run every check for ``period``, store them in ``intake_quality`` and return them."""
    found: list[tuple[str, str, str, ibis.Table, str]] = [
        (c.code, c.child, c.description, dangling(wh, c, period), c.column) for c in REF_CHECKS]
    for code, name, description in ID_CHECKS:
        t = wh.table(name).filter(ibis._[PERIOD_COL] == period)
        found.append((code, name, description, t.filter(wrong_check_char(t.id_no)), "id_no"))
    rows = []
    for code, name, description, bad, column in found:
        count = int(bad.count().to_pyarrow().as_py())
        example = None
        if count:
            example = str(bad.select(column).order_by(column).limit(1).to_pyarrow().column(0)[0].as_py())
        rows.append({PERIOD_COL: period, "check_code": code, "table_name": name,
                     "description": description, "rows": count, "example": example})
    data = pa.Table.from_pylist(rows, schema=QUALITY_SCHEMA.to_pyarrow())
    wh.replace_partitions([("intake_quality", {PERIOD_COL: period}, data)])
    return rows
