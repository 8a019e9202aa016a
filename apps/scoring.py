"""考核评分: each district's assessment score for a period (parameters/scoring.yaml), the extra
score entered by the city, and archiving the period's statistics and scores."""

from __future__ import annotations

import html

import pandas as pd
import panel as pn
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from workbench import validators
from workbench.districts import DISTRICTS
from workbench.errors import WorkbenchError
from workbench.office import archive, statistics
from workbench.office.roles import Role
from workbench.web import ui
from workbench.web.auth import current_account
from workbench.web.widgets import guard

FONT = "Noto Sans CJK SC"
PARTS = ("warning", "rectification", "recovered_money", "recovered_fund", "extra")
COLORS = ("#4c78a8", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2")


def chart(sheet: archive.ScoreSheet) -> pn.pane.Bokeh:
    """Totals per district, stacked by component (negative extra scores drawn below zero)."""
    rows = sorted(sheet.rows, key=lambda r: -r.total)
    names = [r.district_name for r in rows]
    data = {"name": names, "total": [float(r.total) for r in rows]}
    data.update({p: [float(max(getattr(r, p), 0)) for r in rows] for p in PARTS})
    fig = figure(x_range=names, height=340, title=f"{sheet.period} 各区县综合评分", sizing_mode="stretch_width",
                 toolbar_location=None, tooltips=[("区县", "@name"), ("综合评分", "@total{0.00}")])
    fig.vbar_stack(list(PARTS), x="name", width=0.7, color=list(COLORS), source=ColumnDataSource(data),
                   legend_label=[archive.LABELS[p] for p in PARTS])
    fig.xaxis.major_label_orientation = 0.8
    fig.title.text_font = FONT
    fig.xaxis.major_label_text_font = fig.yaxis.major_label_text_font = FONT
    fig.legend.label_text_font = FONT
    fig.legend.location = "top_right"
    fig.add_layout(fig.legend[0], "right")
    return pn.pane.Bokeh(fig, sizing_mode="stretch_width")


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
        periods = sorted(set(statistics.periods(account)) | set(archive.archived_periods()), reverse=True)
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    city = account.has(Role.CITY_HANDLER, Role.CITY_REVIEWER)
    period = pn.widgets.Select(name="期间", options=periods, value=periods[0] if periods else None)
    msg = ui.message()
    status = pn.pane.HTML("")
    body = pn.Column(sizing_mode="stretch_width")
    district = pn.widgets.Select(name="区县", options={v: k for k, v in DISTRICTS.items()})
    extra = pn.widgets.TextInput(name="额外得分", placeholder="如 2.5 或 -1")
    reason = pn.widgets.TextInput(name="理由", max_length=validators.REASON.limit)
    save = pn.widgets.Button(name="保存额外得分", button_type="primary")
    do_archive = pn.widgets.Button(name="归档本期统计与评分", button_type="warning")

    def render(*_: object) -> None:
        if not period.value:
            body.objects = [pn.pane.HTML("暂无问题数据")]
            return
        try:
            sheet = archive.scores(current_account(), period.value)
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        status.object = (f'<span id="wb-archived">{html.escape(sheet.period)} 已于 {ui.when(sheet.archived_at)} 归档，'
                         '数据不再变化</span>' if sheet.archived_at else
                         f'<span id="wb-archived">{html.escape(sheet.period)} 未归档（实时计算）</span>')
        for w in (save, do_archive):
            w.disabled = sheet.archived_at is not None
        df = pd.DataFrame([{"区县": r.district_name, **{archive.LABELS[p]: f"{getattr(r, p):.2f}" for p in PARTS},
                            "综合评分": f"{r.total:.2f}", "额外得分理由": r.extra_reason or ""}
                           for r in sorted(sheet.rows, key=lambda r: -r.total)])
        body.objects = [chart(sheet), pn.widgets.Tabulator(df, disabled=True, show_index=False,
                                                           sizing_mode="stretch_width")] if sheet.rows else [
            pn.pane.HTML("无可查看的区县")]

    def on_save(_: object) -> None:
        try:
            value = archive.set_extra(current_account(), period.value, district.value, extra.value, reason.value)
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        ui.show(msg, f"已保存 {DISTRICTS[district.value]} 的额外得分 {value}", "success")
        render()

    def on_archive(_: object) -> None:
        try:
            archive.archive_period(current_account(), period.value)
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        ui.show(msg, f"{period.value} 的统计与评分已归档", "success")
        render()

    period.param.watch(render, "value")
    save.on_click(guard(msg, on_save, save))
    do_archive.on_click(guard(msg, on_archive, do_archive))
    render()
    rules = pn.pane.HTML("<p>各项得分 = 权重 × min(1, 比率 ÷ 满分比率)，权重与公式见 parameters/scoring.yaml；"
                         "综合评分 = 四项得分 + 额外得分。</p>")
    parts: list[pn.viewable.Viewable] = [ui.header(account, "考核评分"), msg, pn.Row(period, status), rules, body]
    if city:
        parts.append(pn.Card(pn.Row(district, extra, reason), pn.Row(save, do_archive), title="额外得分与归档（市级）",
                             sizing_mode="stretch_width"))
    return pn.Column(*parts, sizing_mode="stretch_width")
