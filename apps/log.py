"""日志审查: search the action log and verify its hash chain (``log.review``, checked again by
``workbench.office.logreview``). Each record's details are shown in words: Chinese labels and
values (``logreview.detail_zh``), never the stored JSON with its English keys; targets in words
(``logreview.target_zh``: 问题 12)."""

from __future__ import annotations

import pandas as pd
import panel as pn

from workbench import times
from workbench.districts import NAMES
from workbench.errors import OfficeError
from workbench.office import logreview
from workbench.web import ui
from workbench.web.page import Page
from workbench.web.widgets import FORGED_ZH, StrictSelect, StrictTabulator, guard

PAGE_SIZE = logreview.PAGE_SIZE
COLUMNS = ["编号", "时间", "操作人", "操作", "对象", "区县", "详情"]


class LogPage(Page):
    def body(self) -> pn.viewable.Viewable:
        self.actor = pn.widgets.TextInput(label="操作人", placeholder="用户名")
        self.action = StrictSelect(label="操作", value="", options={
            "全部": "", **{v: k for k, v in logreview.ACTION_LABELS.items()}})
        self.since = pn.widgets.DatePicker(label="开始日期")
        self.until = pn.widgets.DatePicker(label="结束日期")
        self.target = pn.widgets.TextInput(label="对象", placeholder="如 problem:12 或用户名（前缀匹配）")
        go = pn.widgets.Button(label="查询", color="primary")
        check = pn.widgets.Button(label="校验日志链", color="warning")
        prev, nxt = pn.widgets.Button(label="上一页"), pn.widgets.Button(label="下一页")
        self.msg = ui.message()        # under the search form: a refused filter
        self.check_msg = ui.message()  # next to 校验日志链: its result
        self.count = pn.pane.HTML("")
        # every column is plain text, escaped once by the table's string formatter; nothing here is
        # HTML (escaping it as well would show entities such as &lt; literally)
        self.table = StrictTabulator(pd.DataFrame(columns=COLUMNS), disabled=True, show_index=False,
                                     sizing_mode="stretch_width", layout="fit_data_table",
                                     widths={"详情": 520}, formatters={"详情": {"type": "textarea"}})
        self.offset, self.total = 0, 0
        go.on_click(guard(self.msg, self.search, go))
        check.on_click(guard(self.check_msg, self.on_check, check))
        prev.on_click(guard(self.msg, lambda _: self.page_move(-1), prev))
        nxt.on_click(guard(self.msg, lambda _: self.page_move(1), nxt))
        self.action.param.watch(lambda *_: ui.show(self.msg, FORGED_ZH), "forged")
        self.refresh()
        return pn.Column(pn.FlexBox(self.actor, self.action, self.since, self.until, self.target),
                         pn.Row(go, check), self.msg, self.check_msg, self.count, self.table, pn.Row(prev, nxt),
                         sizing_mode="stretch_width")

    def refresh(self) -> None:
        f = logreview.LogFilter(actor=self.actor.value, action=self.action.value or None, since=self.since.value,
                                until=self.until.value, target=self.target.value)
        try:
            rows, total = logreview.search(self.current(), f, limit=PAGE_SIZE, offset=self.offset)
        except OfficeError as exc:
            ui.show_error(self.msg, exc)
            return
        self.msg.visible = False
        self.total = total
        self.table.value = pd.DataFrame([{
            "编号": e.id, "时间": times.second_text(e.at), "操作人": e.actor,
            "操作": e.action_label, "对象": logreview.target_zh(e.target),
            "区县": NAMES.get(e.district_code or "", e.district_code or ""),
            "详情": "\n".join(f"{label}：{value}" for label, value in logreview.detail_zh(e.detail))} for e in rows],
            columns=COLUMNS)
        first = self.offset + 1 if total else 0
        last = self.offset + len(rows)
        self.count.object = f'<span id="wb-count">共 {total} 条记录，第 {first}–{last} 条（最新在前）</span>'

    def search(self, _: object = None) -> None:
        self.offset = 0
        self.refresh()

    def page_move(self, step: int) -> None:
        moved = self.offset + step * PAGE_SIZE
        if 0 <= moved < max(self.total, 1):
            self.offset = moved
        self.refresh()

    def on_check(self, _: object) -> None:
        result = logreview.verify(self.current())
        ui.show(self.check_msg, logreview.verification_zh(result), "success" if result.ok else "danger")
