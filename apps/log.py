"""日志审查: search the action log (admins only, checked in ``workbench.office.logreview``) and
verify its hash chain."""

from __future__ import annotations

import json

import pandas as pd
import panel as pn

from workbench.districts import NAMES
from workbench.errors import WorkbenchError
from workbench.office import logreview
from workbench.office.admin import require_admin
from workbench.web import ui
from workbench.web.auth import current_account

PAGE_SIZE = logreview.PAGE_SIZE


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
        require_admin(account)  # every service called below checks again
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    actor = pn.widgets.TextInput(name="操作人", placeholder="用户名")
    action = pn.widgets.Select(name="操作", options={"全部": "", **{v: k for k, v in logreview.ACTION_LABELS.items()}},
                               value="")
    since = pn.widgets.DatePicker(name="开始日期")
    until = pn.widgets.DatePicker(name="结束日期")
    target = pn.widgets.TextInput(name="对象", placeholder="如 problem:12 或用户名（前缀匹配）")
    go = pn.widgets.Button(name="查询", button_type="primary")
    check = pn.widgets.Button(name="校验日志链", button_type="warning")
    prev, nxt = pn.widgets.Button(name="上一页"), pn.widgets.Button(name="下一页")
    msg = ui.message()
    count = pn.pane.HTML("")
    # every column is plain text, escaped once by the table's string formatter; nothing here is
    # HTML (escaping it as well would show entities such as &lt; literally)
    table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width",
                                 height=560)
    offset = {"value": 0, "total": 0}

    def refresh(*_: object) -> None:
        f = logreview.LogFilter(actor=actor.value, action=action.value or None, since=since.value,
                                until=until.value, target=target.value)
        try:
            rows, total = logreview.search(current_account(), f, limit=PAGE_SIZE, offset=offset["value"])
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        msg.visible = False
        offset["total"] = total
        table.value = pd.DataFrame([{
            "编号": e.id, "时间": e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), "操作人": e.actor,
            "操作": e.action_label, "对象": e.target or "",
            "区县": NAMES.get(e.district_code or "", e.district_code or ""),
            "详情": json.dumps(e.detail, ensure_ascii=False, default=str)} for e in rows],
            columns=["编号", "时间", "操作人", "操作", "对象", "区县", "详情"])
        first = offset["value"] + 1 if total else 0
        last = offset["value"] + len(rows)
        count.object = f'<span id="wb-count">共 {total} 条记录，第 {first}–{last} 条（最新在前）</span>'

    def search(*_: object) -> None:
        offset["value"] = 0
        refresh()

    def page_move(step: int) -> None:
        moved = offset["value"] + step * PAGE_SIZE
        if 0 <= moved < max(offset["total"], 1):
            offset["value"] = moved
        refresh()

    def on_check(_: object) -> None:
        try:
            result = logreview.verify(current_account())
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        ui.show(msg, logreview.verification_zh(result), "success" if result.ok else "danger")

    go.on_click(search)
    check.on_click(on_check)
    prev.on_click(lambda _: page_move(-1))
    nxt.on_click(lambda _: page_move(1))
    refresh()
    return pn.Column(ui.header(account, "日志审查"), msg, pn.Row(actor, action, since, until, target),
                     pn.Row(go, check), count, table, pn.Row(prev, nxt), sizing_mode="stretch_width")
