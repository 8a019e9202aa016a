"""我的工作队列: the problems the logged-in user may see, by state, with filters and bulk actions.

The page decides from its own data: it keeps the (id, version) of every row it displayed and
maps a selection to them; the table's value as the browser sends it back is never read. A
selection of a row it did not show, an edited table, a filter or bulk action not among the
options refuse the action with one message (``workbench.web.widgets``), and every id goes
through ``workflow.act_many`` (role, district, state and version checked against the
database)."""

from __future__ import annotations

import pandas as pd
import panel as pn

from workbench.errors import WorkbenchError
from workbench.indicators.registry import all_indicators
from workbench.office import workflow
from workbench.office.states import ACTION_LABELS, ProblemState
from workbench.web import ui
from workbench.web.auth import current_account
from workbench.web.widgets import FORGED_ZH, StrictSelect, StrictTabulator, guard

PAGE_SIZE = 50


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    names = {i.code: i.name for i in all_indicators()}
    state = StrictSelect(name="状态", options={"全部未办结": "", **{s.label: s.value for s in ProblemState}},
                         value="")
    overdue = pn.widgets.Checkbox(name="只看逾期")
    code = pn.widgets.TextInput(name="指标编码", placeholder="如 YL-001")
    offset = {"value": 0}
    msg = ui.message()
    count = pn.pane.HTML("")
    table = StrictTabulator(pd.DataFrame(), selectable="checkbox", disabled=True, show_index=False,
                            formatters={"问题": {"type": "html"}}, sizing_mode="stretch_width", height=520)
    bulk = StrictSelect(name="批量操作", value="", options={
        "请选择批量操作": "", **{ACTION_LABELS[a]: a.value for a in workflow.bulk_actions(account)}})
    opinion = pn.widgets.TextInput(name="意见（可选）")
    run_bulk = pn.widgets.Button(name="对选中问题执行", button_type="primary")
    prev, nxt = pn.widgets.Button(name="上一页"), pn.widgets.Button(name="下一页")
    shown: list[tuple[int, int]] = []  # (id, version) of each displayed row, in the table's order
    frame = {"value": pd.DataFrame()}  # the table as the server last sent it

    def refresh(*_: object) -> None:
        try:
            acc = current_account()
            f = workflow.QueueFilter(
                states=(ProblemState(state.value),) if state.value else (), open_only=not state.value,
                overdue_only=overdue.value, indicator_codes=(code.value.strip().upper(),) if code.value.strip() else ())
            views, total = workflow.queue(acc, f, limit=PAGE_SIZE, offset=offset["value"])
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        shown[:] = [(v.id, v.version) for v in views]
        table.selection = []
        table.value = pd.DataFrame([{
            "问题": f'<a href="/problem?id={v.id}">#{v.id}</a>', "编号": v.id,
            "指标": f"{v.indicator_code} {names.get(v.indicator_code, '')}",
            "对象": v.subject, "区县": v.district_name, "状态": v.state.label, "金额": ui.money(v.amount),
            "期限": ui.when(v.deadline), "逾期": "逾期" if v.overdue else "", "最近期间": v.last_period,
            "上报监察局": {"requested": "待批", "approved": "已上报"}.get(v.escalation or "", "")} for v in views])
        frame["value"] = table.value.copy()
        first = offset["value"] + 1 if total else 0
        count.object = f'<span id="wb-count">共 {total} 个问题，第 {first}–{offset["value"] + len(views)} 个</span>'

    def on_bulk(_: object) -> None:
        if not bulk.value:
            ui.show(msg, "请先选择批量操作", "warning")
            return
        rows = list(table.selection)
        if not rows:
            ui.show(msg, "请先勾选问题", "warning")
            return
        if (len(set(rows)) != len(rows) or not all(isinstance(i, int) and 0 <= i < len(shown) for i in rows)
                or not table.value.equals(frame["value"])):
            ui.show(msg, FORGED_ZH)  # a row the page did not show, or an edited table: nothing is done
            refresh()
            return
        result = workflow.act_many(current_account(), [shown[i] for i in rows], bulk.value, opinion.value or None)
        failed = {i: m for i, m in result.items() if m}
        done = len(result) - len(failed)
        text = f"已处理 {done} 个" + (f"；未处理 {len(failed)} 个：" + "；".join(
            f"#{i} {m}" for i, m in failed.items()) if failed else "")
        ui.show(msg, text, "warning" if failed else "success")
        refresh()

    def page_move(step: int) -> None:
        offset["value"] = max(0, offset["value"] + step * PAGE_SIZE)
        refresh()

    for w in (state, overdue, code):
        w.param.watch(lambda *_: (offset.update(value=0), refresh()), "value")
    for w in (state, bulk, table):
        w.param.watch(lambda *_: ui.show(msg, FORGED_ZH), "forged")
    run_bulk.on_click(guard(msg, on_bulk, run_bulk))
    prev.on_click(guard(msg, lambda _: page_move(-1), prev))
    nxt.on_click(guard(msg, lambda _: page_move(1), nxt))
    refresh()
    return pn.Column(ui.header(account, "我的工作队列"), msg, pn.Row(state, code, overdue), count, table,
                     pn.Row(prev, nxt), pn.Row(bulk, opinion, run_bulk), sizing_mode="stretch_width")
