"""用户管理: list, add, disable/enable, reset passwords and change roles (admins only, checked
in ``workbench.office.admin``)."""

from __future__ import annotations

import pandas as pd
import panel as pn

from workbench.districts import DISTRICTS, NAMES
from workbench.errors import OfficeError, WorkbenchError
from workbench.office import admin
from workbench.office.admin import require_admin
from workbench.office.roles import Role
from workbench.web import ui
from workbench.web.auth import current_account

ROLE_OPTIONS = {r.label: r.value for r in Role}
DISTRICT_OPTIONS = {"（市级，不选区县）": "", **{f"{name}（{code}）": code for code, name in DISTRICTS.items()}}


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
        require_admin(account)  # every service called below checks again
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    msg = ui.message()
    table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width",
                                 height=360)

    # add a user
    new_name = pn.widgets.TextInput(name="用户名", placeholder="小写字母、数字，如 zhang.san")
    new_display = pn.widgets.TextInput(name="姓名")
    new_roles = pn.widgets.CheckBoxGroup(name="角色", options=ROLE_OPTIONS, inline=False)
    new_district = pn.widgets.Select(name="所属区县", options=DISTRICT_OPTIONS, value="")
    add = pn.widgets.Button(name="新增用户", button_type="primary")

    # change a user
    who = pn.widgets.Select(name="选择用户", options=[])
    disable = pn.widgets.Button(name="停用", button_type="danger")
    enable = pn.widgets.Button(name="启用")
    reset = pn.widgets.Button(name="重置密码", button_type="warning")
    roles = pn.widgets.CheckBoxGroup(name="角色", options=ROLE_OPTIONS, inline=False)
    district = pn.widgets.Select(name="所属区县", options=DISTRICT_OPTIONS, value="")
    save_roles = pn.widgets.Button(name="保存角色", button_type="primary")
    current: dict[str, tuple] = {}

    def refresh() -> None:
        try:
            rows = admin.users(current_account())
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        current.clear()
        current.update({acc.username: (acc, disabled, locked) for acc, disabled, locked in rows})
        table.value = pd.DataFrame([{
            "用户名": acc.username, "姓名": acc.display_name,
            "区县": NAMES.get(acc.district_code, acc.district_code) if acc.district_code else "市级",
            "角色": "、".join(sorted(r.label for r in acc.roles)),
            "状态": "已停用" if disabled else (f"锁定至 {locked.astimezone():%H:%M}" if locked else "正常")}
            for acc, disabled, locked in rows])
        chosen = who.value
        who.options = list(current)
        if chosen in current:
            who.value = chosen
        on_pick()

    def on_pick(*_: object) -> None:
        picked = current.get(who.value)
        if picked:
            roles.value = sorted(r.value for r in picked[0].roles)
            district.value = picked[0].district_code or ""

    def run(action, done: str) -> None:
        """Run one admin action on the chosen user; show ``done`` or the refusal."""
        if not who.value:
            ui.show(msg, "请先选择用户", "warning")
            return
        try:
            result = action(current_account(), who.value)
        except OfficeError as exc:
            ui.show(msg, exc.zh)
            return
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", "操作失败，请检查输入"))
            return
        ui.show(msg, done.format(user=who.value, result=result), "success")
        refresh()

    def on_add(_: object) -> None:
        try:
            acc, password = admin.add_user(current_account(), new_name.value, new_display.value,
                                           list(new_roles.value), new_district.value or None)
        except OfficeError as exc:
            ui.show(msg, exc.zh)
            return
        except WorkbenchError:
            ui.show(msg, "新增用户失败，请检查输入")
            return
        ui.show(msg, f"已新增用户 {acc.username}，初始密码：{password}（只显示这一次，请立即转交本人）", "success")
        new_name.value, new_display.value, new_roles.value = "", "", []
        refresh()

    add.on_click(on_add)
    disable.on_click(lambda _: run(lambda a, u: admin.set_disabled(a, u, True), "已停用 {user}"))
    enable.on_click(lambda _: run(lambda a, u: admin.set_disabled(a, u, False), "已启用 {user}"))
    reset.on_click(lambda _: run(admin.reset_password,
                                 "{user} 的新密码：{result}（只显示这一次，请立即转交本人）"))
    save_roles.on_click(lambda _: run(lambda a, u: admin.set_roles(a, u, list(roles.value), district.value or None),
                                      "已修改 {user} 的角色"))
    who.param.watch(on_pick, "value")
    refresh()
    return pn.Column(
        ui.header(account, "用户管理"), msg, table,
        pn.Row(
            pn.Column(pn.pane.Markdown("#### 新增用户"), new_name, new_display, new_roles, new_district, add),
            pn.Column(pn.pane.Markdown("#### 修改用户"), who, pn.Row(disable, enable, reset), roles, district,
                      save_roles)),
        sizing_mode="stretch_width")
