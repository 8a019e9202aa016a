"""问题统计: counts and amounts of the problems the user may see, by district, indicator,
business line and period, and the indicator quality table (share found true, 属实).

The figures are computed after the page has loaded, under a progress indicator (again when
the period changes); each tab is built when first opened (``ui.lazy_tabs``). Charts are
interactive (``workbench.web.charts``: save, zoom, reset, hover; the legend beside the plot)
and say 暂无数据 when there is nothing to draw."""

from __future__ import annotations

import html

import pandas as pd
import panel as pn
from bokeh.models import AdaptiveTicker

from workbench.errors import OfficeError, message_zh
from workbench.office import statistics
from workbench.office.statistics import Figures
from workbench.web import charts, ui
from workbench.web.page import Page
from workbench.web.widgets import FORGED_ZH, StrictSelect, StrictTabulator

ALL = "全部期间"
TOP_INDICATORS = 20
ROWS = 20  # table rows per page
COLUMNS = ("问题数", "未办结", "已办结", "逾期", "已整改", "未整改", "问题金额", "涉及金额", "追回金额", "罚款")
STACK = {"已办结": "#4c78a8", "未办结": "#f58518"}
CSS = """
.wb-kpi { background:#f3f5f8; padding:8px 14px; border-radius:6px; min-width:110px; }
.wb-kpi b { font-size:18px; color:#1f3b64; }
"""
def bars(title: str, figures: dict[str, Figures], labels: dict[str, str] | None = None) -> pn.viewable.Viewable:
    """Open and closed problems stacked per category (horizontal bars), 暂无数据 when none."""
    keys = list(figures)
    return whole(charts.hbar_stack(
        title, [(labels or {}).get(k, k) for k in keys],
        {"已办结": [figures[k].closed for k in keys], "未办结": [figures[k].open for k in keys]}, STACK,
        extra={"问题金额": [ui.money(figures[k].amount) for k in keys]}), "x")


def trend(figures: dict[str, Figures]) -> pn.viewable.Viewable:
    """Problems and problems closed per period (last detection)."""
    periods = list(figures)
    return whole(charts.vbar_line("各期间问题数（按最近发现期间）", periods,
                            ("问题", [figures[p].problems for p in periods], "#4c78a8"),
                            ("已办结", [figures[p].closed for p in periods], "#e45756")), "y")


def whole(chart: pn.viewable.Viewable, axis: str) -> pn.viewable.Viewable:
    """A chart of counts: ticks on whole numbers only (no 0, 1, 1, 2, 2 of rounded halves)."""
    if isinstance(chart, pn.pane.Bokeh):
        getattr(chart.object, f"{axis}axis").ticker = AdaptiveTicker(min_interval=1, num_minor_ticks=0)
    return chart


def frame(figures: dict[str, Figures], first: str, labels: dict[str, str] | None = None) -> pd.DataFrame:
    return pd.DataFrame([{
        first: (labels or {}).get(k, k), "问题数": f.problems, "未办结": f.open, "已办结": f.closed,
        "逾期": f.overdue, "已整改": f.rectified, "未整改": f.unrectified, "问题金额": ui.money(f.amount),
        "涉及金额": ui.money(f.involved), "追回金额": ui.money(f.recovered), "罚款": ui.money(f.fines)}
        for k, f in figures.items()],
        columns=[first, *COLUMNS])


def table(df: pd.DataFrame) -> pn.viewable.Viewable:
    """A read-only table paging ``ROWS`` rows, as high as what it shows; 暂无数据 when empty."""
    if df.empty:
        return charts.empty()
    return StrictTabulator(df, disabled=True, show_index=False, sizing_mode="stretch_width", pagination="local",
                           page_size=ROWS, layout="fit_data_stretch")


def progress() -> pn.viewable.Viewable:
    """What the page shows while the figures are computed (a new one each time)."""
    return pn.Row(pn.indicators.LoadingSpinner(value=True, size=28), pn.pane.HTML("正在统计，请稍候……"),
                  css_classes=["wb-progress"], sizing_mode="stretch_width")


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
            f'<div style="display:flex;flex-wrap:wrap;gap:12px">{cells}</div></div>')


class StatisticsPage(Page):
    def body(self) -> pn.viewable.Viewable:
        self.msg = ui.message()
        try:
            periods = statistics.periods(self.current())
        except OfficeError as exc:
            return ui.denied(message_zh(exc))
        self.period = StrictSelect(label="期间", options=[ALL, *periods], value=periods[0] if periods else ALL)
        self.period.param.watch(lambda *_: ui.show(self.msg, FORGED_ZH), "forged")
        self.content = pn.Column(progress(), sizing_mode="stretch_width")
        self.period.param.watch(self.render, "value")
        pn.state.onload(self.fill)  # the page is there at once; the figures follow, under a spinner
        return pn.Column(pn.Row(self.period), self.msg, self.content, sizing_mode="stretch_width")

    def render(self, *_: object) -> None:
        """Show the progress indicator now and compute in the next tick (in a server session; at
        once elsewhere), so the browser sees it while the figures are computed. The indicator
        replaces the content (no ``loading`` toggled on a layout whose children change: the
        browser could lose the new children)."""
        self.content.objects = [progress()]
        pn.state.execute(self.fill, schedule=True)

    def fill(self) -> None:
        try:
            acc = self.current()
            chosen = None if self.period.value == ALL else self.period.value
            s = statistics.summary(acc, chosen)
        except OfficeError as exc:
            ui.show_error(self.msg, exc)
            self.content.objects = []
            return
        ui.hide(self.msg)
        self.content.objects = [pn.pane.HTML(totals_html(s), stylesheets=[CSS], sizing_mode="stretch_width"),
                                ui.lazy_tabs(self.sections(acc, s))]

    def sections(self, acc, s: statistics.Summary) -> list:
        def districts() -> pn.viewable.Viewable:
            if not s.by_district:
                return charts.empty()
            names = {k: statistics.district_name(k) for k in s.by_district}
            return pn.Column(bars("各区县问题数", s.by_district, names), table(frame(s.by_district, "区县", names)),
                             sizing_mode="stretch_width")

        def lines() -> pn.viewable.Viewable:
            if not s.by_line:
                return charts.empty()
            return pn.Column(bars("各业务条线问题数", s.by_line), table(frame(s.by_line, "业务条线")),
                             sizing_mode="stretch_width")

        def indicators() -> pn.viewable.Viewable:
            if not s.by_indicator:
                return charts.empty()
            names = {k: f"{k} {statistics.indicator_name(k)}" for k in s.by_indicator}
            top = dict(sorted(s.by_indicator.items(), key=lambda kv: -kv[1].problems)[:TOP_INDICATORS])
            return pn.Column(bars(f"问题最多的 {TOP_INDICATORS} 个指标", top, names),
                             table(frame(s.by_indicator, "指标", names)), sizing_mode="stretch_width")

        def by_period() -> pn.viewable.Viewable:
            return trend(statistics.by_period(acc))

        def quality() -> pn.viewable.Viewable:
            if not s.by_indicator:
                return charts.empty()
            q = pd.DataFrame([{
                "指标": f"{r.indicator_code} {r.name}", "业务条线": r.business_line, "问题数": r.problems,
                "已办结": r.closed, "属实": r.closed_true, "不属实": r.closed_false,
                "数据差错": r.closed_data_error, "政策允许": r.closed_policy,
                "属实占比": "—" if r.true_share is None else f"{r.true_share:.1%}"}
                for r in statistics.indicator_quality(acc, summary_=s)])
            return pn.Column(pn.pane.HTML("<p>已办结问题中核查结论为“属实”的占比，越高说明指标越准确。</p>"), table(q),
                             sizing_mode="stretch_width")

        return [("按区县", districts), ("按业务条线", lines), ("按指标", indicators), ("按期间", by_period),
                ("指标质量", quality)]
