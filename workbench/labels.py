"""Chinese labels of what indicators show: the heading of every evidence column and the words
of a code value, so that no page or export shows a raw field name (``amount``, ``pay_id``) or
a bare code (``appraisal_type 1``).

An evidence column is either a column of the delivery contract, carried through (its meaning
is the contract's ``Column.title``), or a column an indicator derives (a count, a rate, a
month). ``column_label(name, code)`` answers for both: the indicator's own meaning of the name
first (``BY_INDICATOR``, where one name means different things in different indicators), then
the derived columns (``DERIVED``), then the contract's title of that name (``SHARED`` when the
contract's tables title it differently). ``value_text(name, value)`` puts a code in words
(``初次鉴定（1）``), a month index as ``YYYYMM`` and a rate as a percentage.

A meta-test builds every registered indicator's expression and fails on an evidence column
without a Chinese label here (tests/test_web_problem.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from workbench.contract import TABLE_MAP, TABLES, Column

PERIOD_KEY = "期间"
"""The key the office adds to each evidence row: the delivery period that found it."""

SHARED: dict[str, str] = {
    # contract names titled differently by different tables: one heading for every indicator
    "period": "所属期",
    "amount": "问题金额（元）",
    "status": "状态",
    "district_code": "所属区",
    "unit_id": "单位编号",
    "unit_uscc": "单位信用代码",
    "id_no": "公民身份号码",
    "hukou_type": "户籍",
    "pay_date": "发放日期",
}
"""Headings of contract columns whose tables give them different titles."""

DERIVED: dict[str, str] = {
    "age": "年龄（周岁）",
    "allowed_months": "缴费年限对应最长期限（月）",
    "applicants": "同一单位外埠申请人数",
    "arrears_months": "补发所属期月数",
    "at_lower": "按基数下限缴费人数",
    "avg_before": "上期平均缴费基数",
    "avg_now": "本期平均缴费基数",
    "backpaid": "补缴人数",
    "backpay_months": "补缴所属期月数",
    "base_before": "上年同期缴费基数",
    "base_now": "本期缴费基数",
    "before": "上期",
    "cap_total": "补贴上限合计（元）",
    "case_id_no": "工伤认定案件身份号码",
    "cases": "工伤认定案件数",
    "city_growth": "全市增长率",
    "contributed": "本期个人缴费合计",
    "copies": "同类补贴笔数",
    "death_month": "死亡月份",
    "dismissed": "本月核定失业金人数",
    "district_median": "本区核定月待遇中位数",
    "drop_rate": "下降比例",
    "early_retirements": "提前退休人数",
    "expected_check": "应有校验位",
    "first_decision": "首次认定决定日期",
    "funeral_period": "丧葬补助金所属期",
    "growth": "增长率",
    "headcount": "正常缴费人数",
    "holders": "使用该身份号码的个人编号数",
    "house_apply_id": "购房申请编号",
    "house_name": "购房申请姓名",
    "injury_insured": "缴纳工伤保险人数",
    "insured_months": "参保月数",
    "insured_years": "缴费年限（年）",
    "jg_first_enroll": "机关养老首次参保日期",
    "lower": "缴费基数下限",
    "max_base": "最高缴费基数",
    "months": "补缴所属期月数",
    "months_paid": "已正常缴费月数",
    "months_required": "应缴费月数",
    "names": "姓名个数",
    "new_staff": "新参保人数",
    "now": "本期",
    "over_age": "超龄人数",
    "paid": "发放金额（元）",
    "paying_district": "发放区",
    "person_ids": "个人编号数",
    "possible_months": "参保以来月数",
    "prev_closing": "上期期末余额",
    "prev_conclusion": "上次鉴定结论日期",
    "prev_grade": "上次伤残等级",
    "rate": "占比",
    "recipients_before": "上期领取人数",
    "recipients_now": "本期领取人数",
    "registered": "就业登记人数",
    "registered_unit": "参保登记单位编号",
    "rows": "记录条数",
    "scheme": "参保险种",
    "solo_months": "单人单位缴费月数",
    "source": "来源",
    "staff": "正常缴费人数",
    "stayers": "两期均缴费人数",
    "subsidised": "享受补贴人数",
    "subsidy_rows": "补贴笔数",
    "total_before": "上期发放总额（元）",
    "total_now": "本期发放总额（元）",
    "uninsured": "未参保人数",
    "unit_ids": "单位编号个数",
    "units": "缴费单位个数",
    "upper": "缴费基数上限",
    "years": "缴费年度个数",
}
"""Columns indicators derive (counts, rates, months): not in the contract."""

BY_INDICATOR: dict[str, dict[str, str]] = {
    "JM-010": {"before": "上一所属期发放合计（元）", "now": "本期发放合计（元）"},
    "PG-001": {"rate": "按下限缴费人数占比", "lower": "所属期缴费基数下限"},
    "PG-002": {"before": "上期缴费人数", "now": "本期缴费人数", "drop_rate": "缴费人数下降比例"},
    "PG-003": {"rate": "补缴人数占比"},
    "PG-004": {"drop_rate": "平均缴费基数下降比例"},
    "PG-005": {"rate": "享受补贴人数与缴费人数之比"},
    "PG-006": {"rate": "新参保人数占比"},
    "PG-007": {"rate": "缴纳工伤保险人数占比"},
    "PG-008": {"rate": "超龄人数占比"},
    "PG-009": {"rate": "未参保人数占比"},
    "PG-010": {"growth": "本区发放总额增长率"},
    "JM-006": {"paid": "缴费金额（元）"},
    "JM-007": {"pay_date": "缴费日期"},
    "JM-008": {"pay_date": "缴费日期"},
    "GS-008": {"grade": "伤残等级"},
    "GS-014": {"grade": "伤残等级"},
    "JY-002": {"paid": "本笔补贴金额（元）"},
    "JY-011": {"paid": "补贴发放合计（元）"},
    "YL-009": {"paid": "实际发放金额（元）"},
    "SY-011": {"staff": "原单位失业保险缴费人数"},
    "ZH-006": {"status": "单位参保状态"},
    "YL-011": {"status": "参保状态"},
}
"""What a name means in one indicator, where it differs from the general heading."""

RATES = frozenset({"rate", "drop_rate", "growth", "city_growth"})
"""Derived columns holding a share (a decimal fraction), shown as a percentage."""
MONTH_INDEXES = frozenset({"death_month"})
"""Derived columns holding a month as year × 12 + month − 1, shown as YYYYMM."""
SCHEMES = {"1": "职工养老", "2": "居民养老", "3": "机关养老", "sb": "职工养老", "jm": "居民养老", "jg": "机关养老"}


def _titles() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for t in TABLES:
        for c in t.columns:
            out.setdefault(c.name, set()).add(c.title)
    return out


CONTRACT_TITLES: dict[str, set[str]] = _titles()


def _code_columns() -> dict[str, Column]:
    """Contract code columns whose codes mean the same in every table that has them."""
    seen: dict[str, list[Column]] = {}
    for t in TABLES:
        for c in t.columns:
            if c.codes:
                seen.setdefault(c.name, []).append(c)
    return {name: cols[0] for name, cols in seen.items()
            if all(dict(zip(c.codes, c.meanings, strict=True)) == dict(zip(cols[0].codes, cols[0].meanings,
                                                                          strict=True)) for c in cols)}


CODE_COLUMNS: dict[str, Column] = _code_columns()


def column_label(name: str, indicator_code: str | None = None) -> str:
    """The Chinese heading of evidence column ``name`` (of indicator ``indicator_code``);
    ``name`` itself when nothing here knows it (the meta-test keeps that from happening)."""
    if indicator_code and name in BY_INDICATOR.get(indicator_code, {}):
        return BY_INDICATOR[indicator_code][name]
    if name in DERIVED:
        return DERIVED[name]
    if name in SHARED:
        return SHARED[name]
    titles = CONTRACT_TITLES.get(name)
    if titles and len(titles) == 1:
        return next(iter(titles))
    return name


def labelled(name: str, indicator_code: str | None = None) -> bool:
    """Whether ``column_label`` knows ``name`` (the meta-test's question)."""
    return name == PERIOD_KEY or column_label(name, indicator_code) != name


def _rate(value: Any) -> str | None:
    try:
        return f"{Decimal(str(value)) * 100:.2f}%"
    except (InvalidOperation, ValueError):
        return None


def value_text(name: str, value: Any) -> Any:
    """How evidence value ``value`` of column ``name`` is shown: a code with its meaning
    (``基本养老金（11）``), a month index as ``YYYYMM``, a rate as a percentage, a source table
    by its title; anything else as it is (masked values stay masked)."""
    if value is None or value == "":
        return value
    if name in CODE_COLUMNS and (meaning := CODE_COLUMNS[name].meaning(value)) is not None:
        return f"{meaning}（{value}）"
    if name == "scheme" and str(value) in SCHEMES:
        return SCHEMES[str(value)]
    if name == "source" and str(value) in TABLE_MAP:
        return TABLE_MAP[str(value)].title
    if name in MONTH_INDEXES and isinstance(value, int) and not isinstance(value, bool):
        return f"{value // 12:04d}{value % 12 + 1:02d}"
    if name in RATES:
        return _rate(value) or value
    return value


def evidence_table(rows: Iterable[Mapping[str, Any]], indicator_code: str | None = None
                   ) -> tuple[list[str], list[list[Any]]]:
    """Evidence rows (already masked) as Chinese headings and displayed values, the columns in
    the order the rows first hold them."""
    rows = list(rows)
    names: list[str] = []
    for r in rows:
        names += [k for k in r if k not in names]
    headings = [column_label(n, indicator_code) for n in names]
    seen: dict[str, int] = {}
    for i, h in enumerate(headings):  # two names with one heading: keep both columns apart
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            headings[i] = f"{h}（{seen[h]}）"
    return headings, [[value_text(n, r.get(n)) for n in names] for r in rows]


def _param_text(name: str, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None  # a table of values (base_limits): its name stays, the parameters file explains it
    if name.endswith("_share") and not isinstance(value, str):
        return f"{Decimal(str(value)) * 100:f}".rstrip("0").rstrip(".") + "%"
    return str(value)


def describe(description: str, values: Mapping[str, Any]) -> str:
    """An indicator's description with its parameter names replaced by their values
    (``超过 injury_decision_days 天`` -> ``超过 60 天``; ``（参数 min_share）`` -> ``（现行参数 100%）``),
    so a reader sees the numbers, not identifiers. Parameters that are tables keep their name."""
    import re

    out = description
    for name in sorted(values, key=len, reverse=True):  # longer names first: months_below_tier1 before tier1
        text = _param_text(name, values[name])
        if text is None:
            continue
        token = rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])"
        out = re.sub(rf"参数\s*{token}", lambda _m, t=text: f"现行参数 {t}", out)
        out = re.sub(rf"\s*{token}\s*", lambda _m, t=text: f" {t} ", out)
    return re.sub(r" (?=[（），。；、：）])|(?<=[（，。；、：（]) ", "", out).strip()
