"""用户管理: list, add, disable/enable, reset passwords and change roles (admins only, checked
in ``workbench.office.admin``).

No user is selected when the page opens; an action without one is refused ("请先选择用户").
停用, 重置密码 and 保存角色 only ask: the page keeps the change (server side) and shows
"确认停用用户 zhang.san？" with 确认/取消; 确认 acts on what was kept, for the user still
selected. A forged select value or a click on the hidden 确认 changes nothing and says so
(``workbench.web.widgets``)."""

from __future__ import annotations

import html

import pandas as pd
import panel as pn

from workbench.districts import DISTRICTS, NAMES
from workbench.errors import OfficeError, WorkbenchError
from workbench.office import admin
from workbench.office.admin import require_admin
from workbench.office.roles import Role
from workbench.web import ui
from workbench.web.auth import current_account
from workbench.web.widgets import FORGED_ZH, StrictSelect, guard

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
    new_district = StrictSelect(name="所属区县", options=DISTRICT_OPTIONS, value="")
    add = pn.widgets.Button(name="新增用户", button_type="primary")

    # change a user: nothing is selected at first; 停用, 重置密码 and 保存角色 ask to confirm by name
    who = StrictSelect(name="选择用户", options={"请选择用户": ""}, value="")
    disable = pn.widgets.Button(name="停用", button_type="danger")
    enable = pn.widgets.Button(name="启用")
    reset = pn.widgets.Button(name="重置密码", button_type="warning")
    roles = pn.widgets.CheckBoxGroup(name="角色", options=ROLE_OPTIONS, inline=False)
    district = StrictSelect(name="所属区县", options=DISTRICT_OPTIONS, value="")
    save_roles = pn.widgets.Button(name="保存角色", button_type="primary")
    question = pn.pane.HTML("")
    yes = pn.widgets.Button(name="确认", button_type="danger")
    no = pn.widgets.Button(name="取消")
    confirm = pn.Row(question, yes, no, visible=False)
    current: dict[str, tuple] = {}
    pending: dict[str, object] = {}  # the change waiting for 确认 (server side: never read from the page)

    def refresh() -> None:
        try:
            rows = admin.users(current_account())
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        current.clear()
        current.update({acc.username: (acc, disabled) for acc, disabled in rows})
        table.value = pd.DataFrame([{
            "用户名": acc.username, "姓名": acc.display_name,
            "区县": NAMES.get(acc.district_code, acc.district_code) if acc.district_code else "市级",
            "角色": "、".join(sorted(r.label for r in acc.roles)),
            "状态": "已停用" if disabled else "正常"} for acc, disabled in rows])
        chosen = who.value
        who.options = {"请选择用户": "", **{name: name for name in current}}
        who.value = chosen if chosen in current else ""
        on_pick()

    def on_pick(*_: object) -> None:
        cancel()
        picked = current.get(who.value)
        roles.value = sorted(r.value for r in picked[0].roles) if picked else []
        district.value = (picked[0].district_code or "") if picked else ""

    def chosen_user() -> str:
        """The selected user, known to the page; ``OfficeError`` otherwise."""
        if not who.value:
            raise OfficeError("no user selected", "请先选择用户")
        if who.value not in current:
            raise OfficeError(f"user {who.value!r} is not listed", f"用户 {who.value} 不存在")
        return who.value

    def ask(kind: str) -> None:
        """Keep the change asked for and show 确认/取消 naming the user."""
        user = chosen_user()
        role_values, where = list(roles.value), district.value or None
        if kind == "roles":
            labels = "、".join(label for label, value in ROLE_OPTIONS.items() if value in role_values) or "（无）"
            text = f"确认将用户 {user} 的角色改为 {labels}？"
        else:
            text = {"disable": f"确认停用用户 {user}？", "reset": f"确认重置用户 {user} 的密码？"}[kind]
        pending.clear()
        pending.update(kind=kind, user=user, roles=role_values, district=where)
        question.object = f'<span id="wb-confirm">{html.escape(text)}</span>'
        confirm.visible = True
        msg.visible = False

    def cancel() -> None:
        pending.clear()
        confirm.visible = False
        question.object = ""

    def on_yes(_: object) -> None:
        if not pending:
            raise OfficeError("nothing to confirm", "没有待确认的操作")
        kind, user = pending["kind"], pending["user"]
        if who.value != user:
            cancel()
            raise OfficeError("the selected user changed since the question", "所选用户已变化，请重新操作")
        change = dict(pending)
        cancel()
        acc = current_account()
        if kind == "disable":
            admin.set_disabled(acc, user, True)
            done = f"已停用 {user}"
        elif kind == "reset":
            done = f"{user} 的新密码：{admin.reset_password(acc, user)}（只显示这一次，请立即转交本人）"
        else:
            admin.set_roles(acc, user, change["roles"], change["district"])
            done = f"已修改 {user} 的角色"
        ui.show(msg, done, "success")
        refresh()

    def on_enable(_: object) -> None:
        user = chosen_user()
        cancel()
        admin.set_disabled(current_account(), user, False)
        ui.show(msg, f"已启用 {user}", "success")
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

    add.on_click(guard(msg, on_add, add))
    disable.on_click(guard(msg, lambda _: ask("disable"), disable))
    reset.on_click(guard(msg, lambda _: ask("reset"), reset))
    save_roles.on_click(guard(msg, lambda _: ask("roles"), save_roles))
    enable.on_click(guard(msg, on_enable, enable))
    yes.on_click(guard(msg, on_yes, confirm, yes))
    no.on_click(guard(msg, lambda _: cancel(), confirm, no))
    who.param.watch(on_pick, "value")
    for w in (who, district, new_district):
        w.param.watch(lambda *_: ui.show(msg, FORGED_ZH), "forged")
    refresh()
    return pn.Column(
        ui.header(account, "用户管理"), msg, table,
        pn.Row(
            pn.Column(pn.pane.Markdown("#### 新增用户"), new_name, new_display, new_roles, new_district, add),
            pn.Column(pn.pane.Markdown("#### 修改用户"), who, pn.Row(disable, enable, reset), roles, district,
                      save_roles, confirm)),
        sizing_mode="stretch_width")
