"""District evaluation rates of the statistics report, against the same figures computed
independently from the raw tables with pandas."""

from __future__ import annotations

import duckdb
import pytest
from conftest import SYNTH_PERIOD

from workbench.periods import add_months, month_range
from workbench.reports import rates
from workbench.warehouse import Warehouse


def test_district_rates_equal_a_direct_computation(synth_warehouse):
    _, url = synth_warehouse
    periods = month_range(SYNTH_PERIOD, 2)
    with Warehouse(url) as wh:
        got = rates.district_rates(periods, wh).set_index(["period", "district_code"])
    con = duckdb.connect(url.removeprefix("duckdb://"), read_only=True)
    p, before = SYNTH_PERIOD, add_months(SYNTH_PERIOD, -1)
    person = con.execute("SELECT delivery_period, person_id, district_code FROM sb_person "
                         "WHERE delivery_period IN (?, ?)", [p, before]).df()
    contrib = con.execute("SELECT * FROM sb_contrib WHERE delivery_period = ? AND insurance_type = '110'", [p]).df()
    pay = con.execute("SELECT * FROM sb_benefit_pay WHERE delivery_period IN (?, ?)", [p, before]).df()
    con.close()
    lower = rates.lower_limits([p])[p]
    c = contrib.merge(person[person.delivery_period == p], on=["delivery_period", "person_id"])
    normal = c[(c.pay_type == "1") & (c.period == p)]
    checked = 0
    for district, rows in normal.groupby("district_code"):
        if (p, district) not in got.index:
            continue
        share = (rows.base.astype(float) == lower).mean() * 100
        assert got.loc[(p, district), "lower_share"] == pytest.approx(share)
        cd = c[c.district_code == district]
        money = (cd.unit_amount + cd.person_amount).astype(float)
        backpay = money[cd.pay_type == "2"].sum() / money.sum() * 100
        assert got.loc[(p, district), "backpay_share"] == pytest.approx(backpay)
        checked += 1
    assert checked >= 10
    pay = pay.merge(person, on=["delivery_period", "person_id"])
    pension = pay[(pay.insurance_type == "110") & (pay.benefit_item == "11")].groupby(
        ["delivery_period", "district_code"]).amount.sum().astype(float)
    for district in got.loc[p].index:
        if (before, district) in pension.index and (p, district) in pension.index:
            growth = (pension[(p, district)] / pension[(before, district)] - 1) * 100
            assert got.loc[(p, district), "pension_growth"] == pytest.approx(growth)
    fig = rates.plot_rates(got.reset_index(), p)
    assert len(fig.axes) == 4
