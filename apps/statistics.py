"""问题统计: counts and amounts of the problems the user may see, by district, indicator,
business line and period, and the indicator quality table (share found true, 属实)."""

from __future__ import annotations

import html

import pandas as pd
import panel as pn
from bokeh.models import ColumnDataSource, NumeralTickFormatter
from bokeh.plotting import figure

from workbench.errors import WorkbenchError
from workbench.office import statistics
from workbench.office.statistics import Figures
from workbench.web import ui
from workbench.web.auth import current_account

FONT = "Noto Sans CJK SC"
ALL = "全部期间"
TOP_INDICATORS = 20


def _style(fig) -> None:
    fig.title.text_font = FONT
    for axis in (*fig.xaxis, *fig.yaxis):
        axis.major_label_text_font = axis.axis_label_text_font = FONT
    fig.toolbar.logo = None
    fig.legend.label_text_font = FONT


def bars(title: str, figures: dict[str, Figures], labels: dict[str, str] | None = None) -> pn.pane.Bokeh:
    """Open and closed problems stacked per category (horizontal bars)."""
    keys = list(figures)
    names = [(labels or {}).get(k, k) for k in keys]
    src = ColumnDataSource({"name": names, "未办结": [figures[k].open for k in keys],
                            "已办结": [figures[k].closed for k in keys],
                            "金额": [f"{figures[k].amount:,.2f}" for k in keys]})
    fig = figure(y_range=list(reversed(names)), height=max(220, 26 * len(names) + 80), title=title,
                 sizing_mode="stretch_width", toolbar_location=None,
                 tooltips=[("", "@name"), ("未办结", "@未办结"), ("已办结", "@已办结"), ("问题金额", "@金额")])
    fig.hbar_stack(["已办结", "未办结"], y="name", height=0.7, color=["#4c78a8", "#f58518"], source=src,
                   legend_label=["已办结", "未办结"])
    fig.xaxis.formatter = NumeralTickFormatter(format="0,0")
    fig.legend.location = "bottom_right"
    _style(fig)
    return pn.pane.Bokeh(fig, sizing_mode="stretch_width")


def trend(figures: dict[str, Figures]) -> pn.pane.Bokeh:
    """Problems and amounts recovered per period."""
    periods = list(figures)
    src = ColumnDataSource({"period": periods, "problems": [figures[p].problems for p in periods],
                            "closed": [figures[p].closed for p in periods]})
    fig = figure(x_range=periods, height=260, title="各期间问题数（按最近发现期间）", sizing_mode="stretch_width",
                 toolbar_location=None, tooltips=[("期间", "@period"), ("问题", "@problems"), ("已办结", "@closed")])
    fig.vbar(x="period", top="problems", width=0.7, source=src, color="#4c78a8", legend_label="问题")
    fig.line(x="period", y="closed", source=src, color="#e45756", line_width=2, legend_label="已办结")
    fig.xaxis.major_label_orientation = 0.8
    fig.legend.location = "top_left"
    _style(fig)
    return pn.pane.Bokeh(fig, sizing_mode="stretch_width")


def table(figures: dict[str, Figures], first: str, labels: dict[str, str] | None = None) -> pd.DataFrame:
    return pd.DataFrame([{
        first: (labels or {}).get(k, k), "问题数": f.problems, "未办结": f.open, "已办结": f.closed,
        "逾期": f.overdue, "已整改": f.rectified, "未整改": f.unrectified, "问题金额": ui.money(f.amount),
        "涉及金额": ui.money(f.involved),
        "追回金额": ui.money(f.recovered), "罚款": ui.money(f.fines)} for k, f in figures.items()])


def totals_html(s: statistics.Summary) -> str:
    t = s.total
    where = f"{html.escape(s.period)} 期" if s.period else ALL
    note = (f"（{ui.when(s.archived_at)} 归档数据）" if s.archived_at else "（实时数据）")
    items = [("问题数", f"{t.problems:,}"), ("未办结", f"{t.open:,}"), ("已办结", f"{t.closed:,}"),
             ("逾期", f"{t.overdue:,}"), ("已整改", f"{t.rectified:,}"), ("未整改", f"{t.unrectified:,}"),
             ("问题金额", ui.money(t.amount)), ("涉及金额", ui.money(t.involved)),
             ("追回金额", ui.money(t.recovered)), ("罚款", ui.money(t.fines))]
    cells = "".join(f'<div class="wb-kpi"><div>{k}</div><b>{v}</b></div>' for k, v in items)
    return (f'<div id="wb-stat-total"><div>{where}{note}</div>'
            f'<div style="display:flex;flex-wrap:wrap;gap:12px">{cells}</div></div>'
            '<style>.wb-kpi{background:#f3f5f8;padding:8px 14px;border-radius:6px;min-width:110px}'
            '.wb-kpi b{font-size:18px;color:#1f3b64}</style>')


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
        periods = statistics.periods(account)
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    period = pn.widgets.Select(name="期间", options=[ALL, *periods], value=periods[0] if periods else ALL)
    msg = ui.message()
    body = pn.Column(sizing_mode="stretch_width")

    def render(*_: object) -> None:
        try:
            acc = current_account()
            chosen = None if period.value == ALL else period.value
            s = statistics.summary(acc, chosen)
            by_period = statistics.by_period(acc)
            quality = statistics.indicator_quality(acc, summary_=s)
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        districts = {k: statistics.district_name(k) for k in s.by_district}
        indicators = {k: f"{k} {statistics.indicator_name(k)}" for k in s.by_indicator}
        top = dict(sorted(s.by_indicator.items(), key=lambda kv: -kv[1].problems)[:TOP_INDICATORS])
        q = pd.DataFrame([{
            "指标": f"{r.indicator_code} {r.name}", "业务条线": r.business_line, "问题数": r.problems,
            "已办结": r.closed, "属实": r.closed_true, "不属实": r.closed_false, "数据差错": r.closed_data_error,
            "政策允许": r.closed_policy,
            "属实占比": "—" if r.true_share is None else f"{r.true_share:.1%}"} for r in quality])
        body.objects = [
            pn.pane.HTML(totals_html(s), sizing_mode="stretch_width"),
            pn.Tabs(
                ("按区县", pn.Column(bars("各区县问题数", s.by_district, districts),
                                    pn.widgets.Tabulator(table(s.by_district, "区县", districts), disabled=True,
                                                         show_index=False, sizing_mode="stretch_width"))),
                ("按业务条线", pn.Column(bars("各业务条线问题数", s.by_line),
                                      pn.widgets.Tabulator(table(s.by_line, "业务条线"), disabled=True,
                                                           show_index=False, sizing_mode="stretch_width"))),
                ("按指标", pn.Column(bars(f"问题最多的 {TOP_INDICATORS} 个指标", top, indicators),
                                    pn.widgets.Tabulator(table(s.by_indicator, "指标", indicators), disabled=True,
                                                         show_index=False, sizing_mode="stretch_width",
                                                         pagination="local", page_size=30))),
                ("按期间", trend(by_period) if by_period else pn.pane.HTML("暂无数据")),
                ("指标质量", pn.Column(
                    pn.pane.HTML("<p>已办结问题中核查结论为“属实”的占比，越高说明指标越准确。</p>"),
                    pn.widgets.Tabulator(q, disabled=True, show_index=False, sizing_mode="stretch_width",
                                         pagination="local", page_size=30))),
                dynamic=True, sizing_mode="stretch_width"),
        ]

    period.param.watch(render, "value")
    render()
    return pn.Column(ui.header(account, "问题统计"), msg, pn.Row(period), body, sizing_mode="stretch_width")
