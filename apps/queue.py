"""我的工作队列: the problems the logged-in user may see, by state, with filters and bulk actions.

Each role lands on the work it can act on (``workflow.work``: a district handler its
district's 待处理 and 区县处理中, a district reviewer 区县待审核, a city handler 市级待审核 and
the city level's 待处理/市级处理中, a city reviewer 市级待审批 and pending escalations and
deferrals), earliest deadline first; city roles filter by district. The bulk action offers only
what access lets the account do, none chosen beforehand; a message appears beside the
controls that caused it.

The page decides from its own data: it keeps the (id, version) of every row it displayed and
maps a selection to them; the table's value as the browser sends it back is never read. A
selection of a row it did not show, an edited table, a filter or bulk action not among the
options refuse the action with one message (``workbench.web.widgets``), and every id goes
through ``workflow.act_many`` (role, district, state and version checked against the
database)."""

from __future__ import annotations

import functools

import pandas as pd
import panel as pn

from workbench import access
from workbench.districts import NAMES
from workbench.errors import WorkbenchError
from workbench.indicators.registry import all_indicators
from workbench.office import workflow
from workbench.office.accounts import Account
from workbench.office.states import ACTION_LABELS, ProblemState
from workbench.web import ui
from workbench.web.page import Page
from workbench.web.widgets import FORGED_ZH, StrictSelect, StrictTabulator, guard

PAGE_SIZE = 50
MINE, OPEN = "mine", "open"  # (Panel reads an empty value as "none chosen")
STATES = {"我的待办": MINE, "全部未办结": OPEN, **{s.label: s.value for s in ProblemState}}
COLUMNS = ["编号", "指标", "对象", "区县", "状态", "金额", "期限", "逾期", "最近期间", "上报监察局"]
OVERDUE = "只看逾期"
CSS = """
label { cursor: pointer; }
"""


@functools.cache
def indicator_names() -> dict[str, str]:
    """Indicator code -> name, the same for every user (built once per process)."""
    return {i.code: i.name for i in all_indicators()}


class QueuePage(Page):
    def body(self) -> pn.viewable.Viewable:
        account = self.account
        self.offset = 0
        self.state = StrictSelect(label="状态", options=STATES, value=MINE, width=160)
        # a box in a <label> with its text (Bokeh's Checkbox puts the text beside the box, not clickable)
        self.overdue = pn.widgets.CheckBoxGroup(options=[OVERDUE], value=[], inline=True, align="end",
                                                stylesheets=[CSS])
        self.code = pn.widgets.TextInput(label="指标编码", placeholder="如 YL-001", width=160)
        seen = access.districts(account, city_level=True)
        self.district = StrictSelect(label="区县", options={"全部区县": "", **{NAMES[c]: c for c in seen}},
                                     value="", width=180, visible=len(seen) > 1)
        self.filter_msg = ui.message()
        self.count = pn.pane.HTML("", margin=(0, 10))
        self.prev, self.next = pn.widgets.Button(label="上一页"), pn.widgets.Button(label="下一页")
        self.shown: list[tuple[int, int]] = []  # (id, version) of each displayed row, in the table's order
        # the first rows as the account the server just checked sees them, the table built once on them
        first = self._rows(account)
        self.table = StrictTabulator(pd.DataFrame(columns=COLUMNS) if first is None else first,
                                     selectable="checkbox", disabled=True, show_index=False,
                                     formatters={"编号": {"type": "html"}}, layout="fit_data_stretch",
                                     sizing_mode="stretch_width")
        self.frame = self.table.value.copy()  # the table as the server last sent it
        actions = workflow.bulk_actions(account)
        self.bulk = StrictSelect(label="批量操作", value="", width=200, options={
            "请选择批量操作": "", **{ACTION_LABELS[a]: a.value for a in actions}})
        self.opinion = pn.widgets.TextInput(label="意见（可选）", width=240)
        self.run_bulk = pn.widgets.Button(label="对选中问题执行", color="primary", align="end")
        self.bulk_msg = ui.message()

        for w in (self.state, self.overdue, self.code, self.district):
            w.param.watch(self._filtered, "value")
        for w in (self.state, self.district):
            w.param.watch(lambda *_: ui.show(self.filter_msg, FORGED_ZH), "forged")
        for w in (self.bulk, self.table):
            w.param.watch(lambda *_: ui.show(self.bulk_msg, FORGED_ZH), "forged")
        self.run_bulk.on_click(guard(self.bulk_msg, self._on_bulk, self.run_bulk))
        self.prev.on_click(guard(self.filter_msg, lambda _: self._move(-1), self.prev))
        self.next.on_click(guard(self.filter_msg, lambda _: self._move(1), self.next))
        parts: list[pn.viewable.Viewable] = [
            pn.Row(self.state, self.district, self.code, self.overdue, sizing_mode="stretch_width"),
            self.filter_msg, self.count, self.table, pn.Row(self.prev, self.next)]
        if actions:  # a role with no bulk action (none today) sees no bulk controls
            parts.append(pn.Row(self.bulk, self.opinion, self.run_bulk, self.bulk_msg, sizing_mode="stretch_width"))
        return pn.Column(*parts, sizing_mode="stretch_width")

    def queue_filter(self) -> workflow.QueueFilter:
        state, code = self.state.value, self.code.value.strip().upper()
        return workflow.QueueFilter(
            states=(ProblemState(state),) if state not in (MINE, OPEN) else (), open_only=state == OPEN,
            mine=state == MINE, overdue_only=OVERDUE in self.overdue.value, district_code=self.district.value or None,
            indicator_codes=(code,) if code else ())

    def _filtered(self, *_: object) -> None:
        self.offset = 0
        self.refresh()

    def _move(self, step: int) -> None:
        self.offset = max(0, self.offset + step * PAGE_SIZE)
        self.refresh()

    def refresh(self) -> None:
        """The rows of the filters now, for the account as it is now (session checked again)."""
        try:
            account = self.current()
        except WorkbenchError as exc:
            ui.show_error(self.filter_msg, exc)
            return
        rows = self._rows(account)
        if rows is None:
            return
        self.table.selection = []
        self.table.value = rows
        self.frame = self.table.value.copy()

    def _rows(self, account: Account) -> pd.DataFrame | None:
        """One page of the queue as a table (the count and pager set to match); None when the
        service refused (its message shown beside the filters)."""
        try:
            views, total = workflow.queue(account, self.queue_filter(), limit=PAGE_SIZE, offset=self.offset)
        except WorkbenchError as exc:
            ui.show_error(self.filter_msg, exc)
            return None
        ui.hide(self.filter_msg)
        names = indicator_names()
        self.shown = [(v.id, v.version) for v in views]
        first = self.offset + 1 if total else 0
        self.count.object = (f'<span id="wb-count">共 {total} 个问题，第 {first}–{self.offset + len(views)} 个'
                             '（按期限从早到晚）</span>')
        self.prev.disabled = self.offset == 0
        self.next.disabled = self.offset + len(views) >= total
        return pd.DataFrame([{
            "编号": f'<a href="/problem?id={v.id}">#{v.id}</a>',
            "指标": f"{v.indicator_code} {names.get(v.indicator_code, '')}",
            "对象": v.subject, "区县": v.district_name, "状态": v.state.label, "金额": ui.money(v.amount),
            "期限": ui.when(v.deadline), "逾期": "逾期" if v.overdue else "", "最近期间": v.last_period,
            "上报监察局": {"requested": "待批", "approved": "已上报"}.get(v.escalation or "", "")} for v in views],
            columns=COLUMNS)

    def _on_bulk(self, _: object) -> None:
        if not self.bulk.value:
            ui.show(self.bulk_msg, "请先选择批量操作", "warning")
            return
        rows = list(self.table.selection)
        if not rows:
            ui.show(self.bulk_msg, "请先勾选问题", "warning")
            return
        if (len(set(rows)) != len(rows) or not all(isinstance(i, int) and 0 <= i < len(self.shown) for i in rows)
                or not self.table.value.equals(self.frame)):
            ui.show(self.bulk_msg, FORGED_ZH)  # a row the page did not show, or an edited table: nothing is done
            self.refresh()
            return
        result = workflow.act_many(self.current(), [self.shown[i] for i in rows], self.bulk.value,
                                   self.opinion.value or None)
        failed = {i: m for i, m in result.items() if m}
        done = len(result) - len(failed)
        text = f"已处理 {done} 个" + (f"；未处理 {len(failed)} 个：" + "；".join(
            f"#{i} {m}" for i, m in failed.items()) if failed else "")
        ui.show(self.bulk_msg, text, "warning" if failed else "success")
        self.refresh()
