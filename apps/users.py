"""用户管理: list, add, disable/enable, reset passwords and change roles (``users.admin``,
checked again by every ``workbench.office.admin`` service).

Roles are offered as the ``Role`` enum has them (label and code, annuity_reporter among them).
No user is selected when the page opens; an action without one is refused ("请先选择用户").
停用, 重置密码 and 保存角色 only ask: the page keeps the change (server side) and shows
"确认停用用户 zhang.san？" with 确认/取消; 确认 acts on what was kept, for the user still
selected. A forged select value or a click on the hidden 确认 changes nothing and says so
(``workbench.web.widgets``). Each form's messages appear under that form."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import panel as pn

from workbench.districts import DISTRICTS, NAMES
from workbench.errors import OfficeError
from workbench.office import admin
from workbench.office.roles import Role
from workbench.web import ui
from workbench.web.page import Page
from workbench.web.widgets import FORGED_ZH, StrictSelect, StrictTabulator, guard


def role_text(role: Role) -> str:
    """A role as the admin picks it: its label and its code (what `workbench users` takes)."""
    return f"{role.label}（{role.value}）"


ROLE_OPTIONS = {role_text(r): r.value for r in Role}
DISTRICT_OPTIONS = {"（市级，不选区县）": "", **{f"{name}（{code}）": code for code, name in DISTRICTS.items()}}


class UsersPage(Page):
    def body(self) -> pn.viewable.Viewable:
        self.listed: dict[str, tuple[Any, bool]] = {}
        self.pending: dict[str, object] = {}  # the change waiting for 确认 (server side: never read from the page)
        self.list_msg = ui.message()
        self.add_msg = ui.message()
        self.msg = ui.message()
        self.table = StrictTabulator(pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width",
                                     pagination="local", page_size=15, layout="fit_data_stretch")

        # add a user
        self.new_name = pn.widgets.TextInput(label="用户名", placeholder="小写字母、数字，如 zhang.san")
        self.new_display = pn.widgets.TextInput(label="姓名")
        self.new_roles = pn.widgets.CheckBoxGroup(label="角色", options=ROLE_OPTIONS, inline=False)
        self.new_district = StrictSelect(label="所属区县", options=DISTRICT_OPTIONS, value="")
        add = pn.widgets.Button(label="新增用户", color="primary")

        # change a user: nothing is selected at first; 停用, 重置密码 and 保存角色 ask to confirm by name
        self.who = StrictSelect(label="选择用户", options={"请选择用户": ""}, value="")
        disable = pn.widgets.Button(label="停用", color="danger")
        enable = pn.widgets.Button(label="启用")
        reset = pn.widgets.Button(label="重置密码", color="warning")
        self.roles = pn.widgets.CheckBoxGroup(label="角色", options=ROLE_OPTIONS, inline=False)
        self.district = StrictSelect(label="所属区县", options=DISTRICT_OPTIONS, value="")
        save_roles = pn.widgets.Button(label="保存角色", color="primary")
        self.question = pn.pane.HTML("")
        yes = pn.widgets.Button(label="确认", color="danger")
        no = pn.widgets.Button(label="取消")
        self.confirm = pn.Row(self.question, yes, no, visible=False)

        add.on_click(guard(self.add_msg, self.on_add, add))
        disable.on_click(guard(self.msg, lambda _: self.ask("disable"), disable))
        reset.on_click(guard(self.msg, lambda _: self.ask("reset"), reset))
        save_roles.on_click(guard(self.msg, lambda _: self.ask("roles"), save_roles))
        enable.on_click(guard(self.msg, self.on_enable, enable))
        yes.on_click(guard(self.msg, self.on_yes, self.confirm, yes))
        no.on_click(guard(self.msg, lambda _: self.cancel(), self.confirm, no))
        self.who.param.watch(self.on_pick, "value")
        self.table.param.watch(lambda *_: ui.show(self.list_msg, FORGED_ZH), "forged")
        for w, alert in ((self.who, self.msg), (self.district, self.msg), (self.new_district, self.add_msg)):
            w.param.watch(lambda *_, a=alert: ui.show(a, FORGED_ZH), "forged")
        self.refresh()
        return pn.Column(
            self.list_msg, self.table,
            pn.Row(
                pn.Column(pn.pane.Markdown("#### 新增用户"), self.new_name, self.new_display, self.new_roles,
                          self.new_district, add, self.add_msg),
                pn.Column(pn.pane.Markdown("#### 修改用户"), self.who, pn.Row(disable, enable, reset), self.roles,
                          self.district, save_roles, self.confirm, self.msg)),
            sizing_mode="stretch_width")

    def refresh(self) -> None:
        try:
            rows = admin.users(self.current())
        except OfficeError as exc:
            ui.show_error(self.list_msg, exc)
            return
        self.listed.clear()
        self.listed.update({acc.username: (acc, disabled) for acc, disabled in rows})
        self.table.value = pd.DataFrame([{
            "用户名": acc.username, "姓名": acc.display_name,
            "区县": NAMES.get(acc.district_code, acc.district_code) if acc.district_code else "市级",
            "角色": "、".join(sorted(r.label for r in acc.roles)),
            "状态": "已停用" if disabled else "正常"} for acc, disabled in rows],
            columns=["用户名", "姓名", "区县", "角色", "状态"])
        chosen = self.who.value
        self.who.options = {"请选择用户": "", **{name: name for name in self.listed}}
        self.who.value = chosen if chosen in self.listed else ""
        self.on_pick()

    def on_pick(self, *_: object) -> None:
        self.cancel()
        picked = self.listed.get(self.who.value)
        self.roles.value = sorted(r.value for r in picked[0].roles) if picked else []
        self.district.value = (picked[0].district_code or "") if picked else ""

    def chosen_user(self) -> str:
        """The selected user, known to the page; ``OfficeError`` otherwise."""
        if not self.who.value:
            raise OfficeError("no user selected", "请先选择用户")
        if self.who.value not in self.listed:
            raise OfficeError(f"user {self.who.value!r} is not listed", f"用户 {self.who.value} 不存在")
        return self.who.value

    def ask(self, kind: str) -> None:
        """Keep the change asked for and show 确认/取消 naming the user."""
        user = self.chosen_user()
        role_values, where = list(self.roles.value), self.district.value or None
        if kind == "roles":
            labels = "、".join(label for label, value in ROLE_OPTIONS.items() if value in role_values) or "（无）"
            text = f"确认将用户 {user} 的角色改为 {labels}？"
        else:
            text = {"disable": f"确认停用用户 {user}？", "reset": f"确认重置用户 {user} 的密码？"}[kind]
        self.pending.clear()
        self.pending.update(kind=kind, user=user, roles=role_values, district=where)
        self.question.object = f'<span id="wb-confirm">{html.escape(text)}</span>'
        self.confirm.visible = True
        self.msg.visible = False

    def cancel(self) -> None:
        self.pending.clear()
        self.confirm.visible = False
        self.question.object = ""

    def on_yes(self, _: object) -> None:
        if not self.pending:
            raise OfficeError("nothing to confirm", "没有待确认的操作")
        kind, user = self.pending["kind"], self.pending["user"]
        if self.who.value != user:
            self.cancel()
            raise OfficeError("the selected user changed since the question", "所选用户已变化，请重新操作")
        change = dict(self.pending)
        self.cancel()
        acc = self.current()
        if kind == "disable":
            admin.set_disabled(acc, user, True)
            done = f"已停用 {user}"
        elif kind == "reset":
            done = f"{user} 的新密码：{admin.reset_password(acc, user)}（只显示这一次，请立即转交本人）"
        else:
            admin.set_roles(acc, user, change["roles"], change["district"])
            done = f"已修改 {user} 的角色"
        ui.show(self.msg, done, "success")
        self.refresh()

    def on_enable(self, _: object) -> None:
        user = self.chosen_user()
        self.cancel()
        admin.set_disabled(self.current(), user, False)
        ui.show(self.msg, f"已启用 {user}", "success")
        self.refresh()

    def on_add(self, _: object) -> None:
        acc, password = admin.add_user(self.current(), self.new_name.value, self.new_display.value,
                                       list(self.new_roles.value), self.new_district.value or None)
        ui.show(self.add_msg, f"已新增用户 {acc.username}，初始密码：{password}（只显示这一次，请立即转交本人）",
                "success")
        self.new_name.value, self.new_display.value, self.new_roles.value = "", "", []
        self.refresh()
