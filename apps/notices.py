"""通知公告: the published notices for everyone; those access lets publish (``notice.publish``)
publish, change and withdraw them. Each message appears next to what caused it: the pager's
under the list, the form's under its buttons."""

from __future__ import annotations

import html

import panel as pn

from workbench import validators
from workbench.errors import OfficeError
from workbench.masking import mask_text
from workbench.office import notices
from workbench.office.notices import NoticeView
from workbench.web import ui
from workbench.web.page import Page
from workbench.web.widgets import FORGED_ZH, StrictSelect, guard

PAGE_SIZE = 20
CSS = """
.wb-notice { border-bottom:1px solid #dde3ea; padding:8px 0; }
.wb-notice-title { font-size:17px; font-weight:bold; color:#1f3b64; margin:0 0 4px; }
.wb-notice-meta { color:#666; font-size:13px; }
.wb-notice-body { white-space:pre-wrap; margin-top:6px; }
"""


def card(n: NoticeView) -> str:
    stamp = n.published_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return (f'<div class="wb-notice" id="wb-notice-{n.id}">'
            f'<div class="wb-notice-title">{html.escape(mask_text(n.title))}</div>'
            f'<div class="wb-notice-meta">发布时间：{stamp}　发布人：{html.escape(mask_text(n.author))}</div>'
            f'<div class="wb-notice-body">{html.escape(mask_text(n.content))}</div></div>')


class NoticesPage(Page):
    def body(self) -> pn.viewable.Viewable:
        self.offset, self.total = 0, 0
        self.shown: dict[int, NoticeView] = {}
        self.list_msg = ui.message()
        self.listing = pn.pane.HTML("", stylesheets=[CSS], sizing_mode="stretch_width")
        self.count = pn.pane.HTML("")
        self.prev, self.nxt = pn.widgets.Button(label="上一页"), pn.widgets.Button(label="下一页")
        self.prev.on_click(guard(self.list_msg, lambda _: self.move(-1), self.prev))
        self.nxt.on_click(guard(self.list_msg, lambda _: self.move(1), self.nxt))
        parts: list[pn.viewable.Viewable] = [self.count, self.listing, pn.Row(self.prev, self.nxt), self.list_msg]
        self.editor = self.may("notice.publish")
        if self.editor:
            parts.append(self.form())
        self.refresh()
        return pn.Column(*parts, sizing_mode="stretch_width")

    def form(self) -> pn.viewable.Viewable:
        self.msg = ui.message()
        self.pick = StrictSelect(label="编辑", options={"（新通知）": 0}, value=0)
        self.title_in = pn.widgets.TextInput(label="标题", max_length=validators.TITLE.limit,
                                             sizing_mode="stretch_width")
        self.content = pn.widgets.TextAreaInput(label="内容", height=180, max_length=validators.CONTENT.limit,
                                                sizing_mode="stretch_width")
        self.publish = pn.widgets.Button(label="发布", color="primary")
        self.withdraw = pn.widgets.Button(label="撤回", color="danger", visible=False)
        self.pick.param.watch(self.on_pick, "value")
        self.pick.param.watch(lambda *_: ui.show(self.msg, FORGED_ZH), "forged")
        self.publish.on_click(guard(self.msg, self.on_publish, self.publish))
        self.withdraw.on_click(guard(self.msg, self.on_withdraw, self.withdraw))
        return pn.Column(pn.pane.HTML("<h3>发布 / 修改通知</h3>"), self.pick, self.title_in, self.content,
                         pn.Row(self.publish, self.withdraw, self.msg), sizing_mode="stretch_width")

    def refresh(self) -> None:
        try:
            listed, self.total = notices.list_notices(self.current(), limit=PAGE_SIZE, offset=self.offset)
        except OfficeError as exc:
            ui.show_error(self.list_msg, exc)
            return
        self.shown.clear()
        self.shown.update({n.id: n for n in listed})
        self.listing.object = "".join(card(n) for n in listed) or "<p>暂无通知公告</p>"
        last = self.offset + len(listed)
        self.count.object = (f'<span id="wb-notice-count">共 {self.total} 条通知公告'
                             + (f"，第 {self.offset + 1}–{last} 条" if self.total > PAGE_SIZE else "") + "</span>")
        self.prev.visible = self.offset > 0
        self.nxt.visible = last < self.total
        if self.editor:
            self.pick.options = {"（新通知）": 0, **{f"#{n.id} {mask_text(n.title)}": n.id for n in listed}}

    def move(self, step: int) -> None:
        self.offset = max(0, self.offset + step * PAGE_SIZE)
        self.refresh()

    def on_pick(self, *_: object) -> None:
        n = self.shown.get(self.pick.value)
        self.title_in.value, self.content.value = (n.title, n.content) if n else ("", "")
        self.publish.label = "保存修改" if n else "发布"
        self.withdraw.visible = n is not None

    def done(self, text: str) -> None:
        ui.show(self.msg, text, "success")
        self.refresh()
        self.pick.value = 0
        self.on_pick()

    def on_publish(self, _: object) -> None:
        acc = self.current()
        n = self.shown.get(self.pick.value)
        if n is None:
            notices.publish_notice(acc, self.title_in.value, self.content.value)
            self.done("通知已发布")
        else:
            notices.update_notice(acc, n.id, n.version, self.title_in.value, self.content.value)
            self.done("通知已修改")

    def on_withdraw(self, _: object) -> None:
        n = self.shown.get(self.pick.value)
        if n is None:
            raise OfficeError("no notice picked", "请先选择要撤回的通知")
        notices.withdraw_notice(self.current(), n.id, n.version)
        self.done("通知已撤回")
