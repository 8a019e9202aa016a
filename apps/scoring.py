"""考核评分: each district's assessment score for a period, explained in words (what was
counted, the figures, how each score follows: ``Score.explanation`` from
``workbench.office.scoring``), the extra score entered by the city and archiving the period's
statistics and scores (shown only to those access lets do it; the services check again)."""

from __future__ import annotations

import html

import pandas as pd
import panel as pn

from workbench import validators
from workbench.districts import DISTRICTS
from workbench.errors import OfficeError, message_zh
from workbench.office import scoring, statistics
from workbench.office import statistics as statistics_archive
from workbench.web import charts, ui
from workbench.web.page import Page
from workbench.web.widgets import FORGED_ZH, StrictSelect, StrictTabulator, guard

PARTS = ("warning", "rectification", "recovered_money", "recovered_fund", "extra")
COLORS = ("#4c78a8", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2")


def chart(sheet: scoring.ScoreSheet) -> pn.viewable.Viewable:
    """Totals per district, stacked by component (negative extra scores drawn as zero)."""
    rows = sorted(sheet.rows, key=lambda r: -r.total)
    if not any(getattr(r, p) > 0 for r in rows for p in PARTS):  # nothing to draw: no frame of empty bars
        return charts.empty(f"{sheet.period} 各区县得分均为 0.00，暂无可绘制的得分")
    return charts.vbar_stack(f"{sheet.period} 各区县综合评分", [r.district_name for r in rows],
                             {scoring.LABELS[p]: [float(max(getattr(r, p), 0)) for r in rows] for p in PARTS},
                             dict(zip((scoring.LABELS[p] for p in PARTS), COLORS, strict=True)),
                             extra={"综合评分": [f"{r.total:.2f}" for r in rows]})


def rules_html(sheet: scoring.ScoreSheet) -> str:
    """The scoring rules in words (``ScoreSheet.rules``), never the parameters file or a formula."""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in sheet.rules)
    return f'<details id="wb-rules" open><summary><b>评分规则</b></summary><ul>{items}</ul></details>'


def explanation_html(score: scoring.Score) -> str:
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in score.explanation)
    return (f'<div id="wb-explain"><b>{html.escape(score.district_name)}：综合评分 {score.total:.2f}</b>'
            f"<ul>{lines}</ul></div>")


class ScoringPage(Page):
    def body(self) -> pn.viewable.Viewable:
        try:
            acc = self.current()
            periods = sorted(set(statistics.periods(acc)) | set(statistics_archive.archived_periods()), reverse=True)
        except OfficeError as exc:
            return ui.denied(message_zh(exc))
        self.sheet: scoring.ScoreSheet | None = None
        self.buttons: list[pn.widgets.Button] = []  # the city's, disabled once the period is archived
        self.msg = ui.message()
        self.period = StrictSelect(label="期间", options=periods, value=periods[0] if periods else None)
        self.status = pn.pane.HTML("")
        self.content = pn.Column(sizing_mode="stretch_width")
        self.who = StrictSelect(label="查看得分说明", options={})
        self.explain = pn.pane.HTML("", sizing_mode="stretch_width")
        self.period.param.watch(self.render, "value")
        self.who.param.watch(self.show_explanation, "value")
        for w in (self.period, self.who):
            w.param.watch(lambda *_: ui.show(self.msg, FORGED_ZH), "forged")
        self.rules = pn.pane.HTML("", sizing_mode="stretch_width")
        parts: list[pn.viewable.Viewable] = [pn.Row(self.period, self.status), self.msg, self.content, self.rules]
        self.extra_allowed = self.may("scoring.extra")
        self.archive_allowed = self.may("statistics.archive")
        if self.extra_allowed or self.archive_allowed:
            parts.append(self.city_form())
        self.render()
        return pn.Column(*parts, sizing_mode="stretch_width")

    def city_form(self) -> pn.viewable.Viewable:
        self.form_msg = ui.message()
        self.district = StrictSelect(label="区县", options={v: k for k, v in DISTRICTS.items()})
        self.extra = pn.widgets.TextInput(label="额外得分", placeholder="如 2.5 或 -1")
        self.reason = pn.widgets.TextInput(label="理由", max_length=validators.REASON.limit)
        self.save = pn.widgets.Button(label="保存额外得分", color="primary", visible=self.extra_allowed)
        self.do_archive = pn.widgets.Button(label="归档本期统计与评分", color="warning",
                                            visible=self.archive_allowed)
        self.buttons = [self.save, self.do_archive]
        self.district.param.watch(lambda *_: ui.show(self.form_msg, FORGED_ZH), "forged")
        self.save.on_click(guard(self.form_msg, self.on_save, self.save))
        self.do_archive.on_click(guard(self.form_msg, self.on_archive, self.do_archive))
        rows = [pn.Row(self.district, self.extra, self.reason)] if self.extra_allowed else []
        return pn.Card(*rows, pn.Row(self.save, self.do_archive, self.form_msg), title="额外得分与归档（市级）",
                       sizing_mode="stretch_width")

    def render(self, *_: object) -> None:
        if not self.period.value:
            self.content.objects = [charts.empty("暂无问题数据")]
            return
        try:
            sheet = scoring.scores(self.current(), self.period.value)
        except OfficeError as exc:
            ui.show_error(self.msg, exc)
            return
        ui.hide(self.msg)
        self.sheet = sheet
        self.rules.object = rules_html(sheet)
        p = html.escape(sheet.period)
        self.status.object = (f'<span id="wb-archived">{p} 已于 {ui.when(sheet.archived_at)} 归档，数据不再变化</span>'
                              if sheet.archived_at else f'<span id="wb-archived">{p} 未归档（实时计算）</span>')
        for w in self.buttons:
            w.disabled = sheet.archived_at is not None
        if not sheet.rows:
            self.content.objects = [charts.empty("无可查看的区县")]
            return
        ranked = sorted(sheet.rows, key=lambda r: -r.total)
        df = pd.DataFrame([{"区县": r.district_name, **{scoring.LABELS[p]: f"{getattr(r, p):.2f}" for p in PARTS},
                            "综合评分": f"{r.total:.2f}", "额外得分理由": r.extra_reason or ""} for r in ranked])
        table = StrictTabulator(df, disabled=True, show_index=False, sizing_mode="stretch_width",
                                layout="fit_data_stretch")
        chosen = self.who.value
        self.who.options = {r.district_name: r.district_code for r in ranked}
        self.who.value = chosen if chosen in self.who.options.values() else ranked[0].district_code
        self.show_explanation()
        self.content.objects = [chart(sheet), table, self.who, self.explain]

    def show_explanation(self, *_: object) -> None:
        score = next((r for r in (self.sheet.rows if self.sheet else []) if r.district_code == self.who.value), None)
        self.explain.object = explanation_html(score) if score else ""

    def on_save(self, _: object) -> None:
        value = scoring.set_extra(self.current(), self.period.value, self.district.value, self.extra.value,
                                  self.reason.value)
        ui.show(self.form_msg, f"已保存 {DISTRICTS[self.district.value]} 的额外得分 {value}", "success")
        self.render()

    def on_archive(self, _: object) -> None:
        statistics_archive.archive_period(self.current(), self.period.value)
        ui.show(self.form_msg, f"{self.period.value} 的统计与评分已归档", "success")
        self.render()
