"""The problem page as its users see it: Chinese headings for every evidence column of every
indicator (from the contract's column meanings and the labels of derived columns), codes in
words, indicator texts without raw field names."""

from __future__ import annotations

import re

import pytest

from workbench import labels
from workbench.contract import TABLES

CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_NAME = re.compile(r"[a-z]+_[a-z_]+")


@pytest.fixture(scope="module")
def evidence_columns(tmp_path_factory) -> dict[str, list[str]]:
    """Every registered indicator's evidence columns: its expression built (never executed)
    over an empty warehouse of the contract's tables; the runner keeps every column but the
    subject key and district as evidence."""
    import os

    from workbench.indicators import params as iparams
    from workbench.indicators.context import Context
    from workbench.indicators.registry import all_indicators
    from workbench.indicators.runner import build
    from workbench.warehouse import Warehouse

    home = tmp_path_factory.mktemp("labels")
    old = os.environ.get("WORKBENCH_HOME")
    os.environ["WORKBENCH_HOME"] = str(home)
    try:
        table = iparams.defaults()
        with Warehouse(f"duckdb://{home / 'warehouse.duckdb'}") as wh:
            wh.ensure_schema()
            out = {}
            for ind in all_indicators():
                expr = build(ind, Context(wh, "202406"), iparams.for_indicator(ind.code, ind.params, table, None))
                out[ind.code] = [c for c in expr.columns if c not in ("subject_key", "district_code")]
            return out
    finally:
        if old is None:
            os.environ.pop("WORKBENCH_HOME", None)
        else:
            os.environ["WORKBENCH_HOME"] = old


def test_every_contract_column_has_a_chinese_meaning() -> None:
    for t in TABLES:
        for c in t.columns:
            assert CJK.search(c.title), f"{t.name}.{c.name} has no Chinese title"
            assert len(c.meanings) == len(c.codes) and all(CJK.search(m) for m in c.meanings), f"{t.name}.{c.name}"


def test_every_evidence_column_of_every_indicator_has_a_chinese_heading(evidence_columns) -> None:
    assert len(evidence_columns) > 100
    missing = [f"{code}: {c}" for code, cols in evidence_columns.items() for c in cols
               if not labels.labelled(c, code) or not CJK.search(labels.column_label(c, code))]
    assert not missing, "evidence columns without a Chinese heading: " + "; ".join(missing)
    for code, cols in evidence_columns.items():
        headings, _ = labels.evidence_table([{labels.PERIOD_KEY: "202406", **dict.fromkeys(cols)}], code)
        assert len(set(headings)) == len(headings), f"{code}: two columns under one heading {headings}"
        assert not [h for h in headings if RAW_NAME.search(h)], f"{code}: {headings}"


def test_indicator_overrides_name_real_evidence_columns(evidence_columns) -> None:
    """Each indicator-specific heading is for a column that indicator has (none left stale)."""
    for code, names in labels.BY_INDICATOR.items():
        assert set(names) <= set(evidence_columns[code]), f"{code}: {set(names) - set(evidence_columns[code])}"


def test_indicator_texts_name_no_raw_field_or_code() -> None:
    """`appraisal_type 1` and its kind are said in words (初次鉴定); parameter names stay
    (they name the entry of parameters/indicators/)."""
    from workbench.indicators.registry import all_indicators

    coded = {c.name for t in TABLES for c in t.columns if c.codes} | {t.name for t in TABLES}
    for ind in all_indicators():
        for text in (ind.name, ind.description):
            assert not re.search(r"类型\s*[0-9]", text), f"{ind.code}: {text}"
            assert not [f for f in coded if re.search(rf"(?<![a-z_]){f}(?![a-z_])", text)], f"{ind.code}: {text}"


def test_values_in_words() -> None:
    assert labels.value_text("appraisal_type", "1") == "初次鉴定（1）"
    assert labels.value_text("benefit_item", "11") == "基本养老金（11）"
    assert labels.value_text("insurance_type", "410") == "工伤保险（410）"
    assert labels.value_text("death_month", 2024 * 12 + 2) == "202403"
    assert labels.value_text("drop_rate", "0.125") == "12.50%"
    assert labels.value_text("source", "jm_benefit_pay") == "城乡居民养老待遇发放"
    assert labels.value_text("scheme", "3") == "机关养老"
    # status means different things in different tables: left as the code
    assert labels.value_text("status", "3") == "3"
    assert labels.value_text("id_no", "110101********1234") == "110101********1234"
    assert labels.value_text("amount", "12.50") == "12.50"


def test_evidence_table_headings_and_values() -> None:
    rows = [{"期间": "202406", "amount": "10.00", "pay_id": "P1", "benefit_item": "11", "period": "202405"}]
    headings, values = labels.evidence_table(rows, "YL-001")
    assert headings == ["期间", "问题金额（元）", "发放记录编号", "待遇项目", "所属期"]
    assert values == [["202406", "10.00", "P1", "基本养老金（11）", "202405"]]
