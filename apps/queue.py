"""我的工作队列: the problems the logged-in user may see, by state, with filters and bulk actions."""

from __future__ import annotations

import pandas as pd
import panel as pn

from workbench.errors import OfficeError, WorkbenchError
from workbench.indicators.registry import all_indicators
from workbench.office import workflow
from workbench.office.states import ACTION_LABELS, Action, ProblemState
from workbench.web import ui
from workbench.web.auth import current_account

PAGE_SIZE = 50
BULK = (Action.START, Action.APPROVE, Action.ACCEPT)


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    names = {i.code: i.name for i in all_indicators()}
    state = pn.widgets.Select(name="状态", options={"全部未办结": "", **{s.label: s.value for s in ProblemState}},
                              value="")
    overdue = pn.widgets.Checkbox(name="只看逾期")
    code = pn.widgets.TextInput(name="指标编码", placeholder="如 YL-001")
    offset = {"value": 0}
    msg = ui.message()
    count = pn.pane.HTML("")
    table = pn.widgets.Tabulator(pd.DataFrame(), selectable="checkbox", disabled=True, show_index=False,
                                 formatters={"问题": {"type": "html"}}, sizing_mode="stretch_width", height=520)
    bulk = pn.widgets.Select(name="批量操作", options={ACTION_LABELS[a]: a.value for a in BULK})
    opinion = pn.widgets.TextInput(name="意见（可选）")
    run_bulk = pn.widgets.Button(name="对选中问题执行", button_type="primary")
    prev, nxt = pn.widgets.Button(name="上一页"), pn.widgets.Button(name="下一页")
    versions: dict[int, int] = {}

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
        versions.clear()
        versions.update({v.id: v.version for v in views})
        table.value = pd.DataFrame([{
            "问题": f'<a href="/problem?id={v.id}">#{v.id}</a>', "编号": v.id,
            "指标": f"{v.indicator_code} {names.get(v.indicator_code, '')}",
            "对象": v.subject, "区县": v.district_name, "状态": v.state.label, "金额": ui.money(v.amount),
            "期限": ui.when(v.deadline), "逾期": "逾期" if v.overdue else "", "最近期间": v.last_period,
            "上报监察局": {"requested": "待批", "approved": "已上报"}.get(v.escalation or "", "")} for v in views])
        first = offset["value"] + 1 if total else 0
        count.object = f'<span id="wb-count">共 {total} 个问题，第 {first}–{offset["value"] + len(views)} 个</span>'

    def on_bulk(_: object) -> None:
        rows = table.selection
        if not rows:
            ui.show(msg, "请先勾选问题", "warning")
            return
        ids = [int(table.value.iloc[i]["编号"]) for i in rows]
        try:
            result = workflow.act_many(current_account(), [(i, versions[i]) for i in ids], bulk.value,
                                       opinion.value or None)
        except OfficeError as exc:
            ui.show(msg, exc.zh)
            return
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
    run_bulk.on_click(on_bulk)
    prev.on_click(lambda _: page_move(-1))
    nxt.on_click(lambda _: page_move(1))
    refresh()
    return pn.Column(ui.header(account, "我的工作队列"), msg, pn.Row(state, code, overdue), count, table,
                     pn.Row(prev, nxt), pn.Row(bulk, opinion, run_bulk), sizing_mode="stretch_width")
