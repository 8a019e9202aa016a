"""通知公告: the published notices for everyone; admins publish, change and withdraw them."""

from __future__ import annotations

import html

import panel as pn

from workbench import validators
from workbench.errors import WorkbenchError
from workbench.masking import mask_text
from workbench.office import records
from workbench.office.records import NoticeView
from workbench.office.roles import Role
from workbench.web import ui
from workbench.web.auth import current_account
from workbench.web.widgets import guard

PAGE_SIZE = 20
CSS = """
.wb-notice { border-bottom:1px solid #dde3ea; padding:8px 0; }
.wb-notice-title { font-size:17px; font-weight:bold; color:#1f3b64; margin:0 0 4px; }
.wb-notice-meta { color:#666; font-size:13px; }
.wb-notice-body { white-space:pre-wrap; margin-top:6px; }
"""


def _card(n: NoticeView) -> str:
    stamp = n.published_at.astimezone().strftime("%Y-%m-%d %H:%M")
    return (f'<div class="wb-notice" id="wb-notice-{n.id}">'
            f'<div class="wb-notice-title">{html.escape(mask_text(n.title))}</div>'
            f'<div class="wb-notice-meta">发布时间：{stamp}　发布人：{html.escape(mask_text(n.author))}</div>'
            f'<div class="wb-notice-body">{html.escape(mask_text(n.content))}</div></div>')


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    msg = ui.message()
    listing = pn.pane.HTML("", stylesheets=[CSS], sizing_mode="stretch_width")
    count = pn.pane.HTML("")
    offset = {"value": 0}
    shown: dict[int, NoticeView] = {}
    prev, nxt = pn.widgets.Button(name="上一页"), pn.widgets.Button(name="下一页")

    def refresh() -> None:
        try:
            notices, total = records.list_notices(current_account(), limit=PAGE_SIZE, offset=offset["value"])
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        shown.clear()
        shown.update({n.id: n for n in notices})
        listing.object = "".join(_card(n) for n in notices) or "<p>暂无通知公告</p>"
        count.object = f'<span id="wb-notice-count">共 {total} 条通知公告</span>'
        if account.has(Role.ADMIN):
            pick.options = {"（新通知）": 0, **{f"#{n.id} {n.title}": n.id for n in notices}}

    def move(step: int) -> None:
        offset["value"] = max(0, offset["value"] + step * PAGE_SIZE)
        refresh()

    prev.on_click(lambda _: move(-1))
    nxt.on_click(lambda _: move(1))
    parts: list = [ui.header(account, "通知公告"), msg, count, listing, pn.Row(prev, nxt)]

    pick = pn.widgets.Select(name="编辑", options={"（新通知）": 0}, value=0)
    if account.has(Role.ADMIN):
        title = pn.widgets.TextInput(name="标题", max_length=validators.TITLE.limit)
        content = pn.widgets.TextAreaInput(name="内容", height=180, max_length=validators.CONTENT.limit,
                                           sizing_mode="stretch_width")
        publish = pn.widgets.Button(name="发布", button_type="primary")
        withdraw = pn.widgets.Button(name="撤回", button_type="danger", visible=False)

        def on_pick(*_: object) -> None:
            n = shown.get(pick.value)
            title.value, content.value = (n.title, n.content) if n else ("", "")
            publish.name = "保存修改" if n else "发布"
            withdraw.visible = n is not None

        def on_publish(_: object) -> None:
            try:
                acc = current_account()
                n = shown.get(pick.value)
                if n is None:
                    records.publish_notice(acc, title.value, content.value)
                    done = "通知已发布"
                else:
                    records.update_notice(acc, n.id, n.version, title.value, content.value)
                    done = "通知已修改"
            except WorkbenchError as exc:
                ui.show(msg, getattr(exc, "zh", str(exc)))
                return
            ui.show(msg, done, "success")
            refresh()
            pick.value = 0
            on_pick()

        def on_withdraw(_: object) -> None:
            n = shown.get(pick.value)
            if n is None:
                return
            try:
                records.withdraw_notice(current_account(), n.id, n.version)
            except WorkbenchError as exc:
                ui.show(msg, getattr(exc, "zh", str(exc)))
                return
            ui.show(msg, "通知已撤回", "success")
            refresh()
            pick.value = 0
            on_pick()

        pick.param.watch(on_pick, "value")
        publish.on_click(guard(msg, on_publish, publish))
        withdraw.on_click(guard(msg, on_withdraw, withdraw))
        parts += [pn.pane.HTML("<h3>发布 / 修改通知</h3>"), pick, title, content, pn.Row(publish, withdraw)]
    refresh()
    return pn.Column(*parts, sizing_mode="stretch_width")
