"""监督上报: district supervision reports, implementation status and staff base information as
tabs (forms for those allowed to change them), and the discipline inspection package for
city roles. Every permission is checked again by ``workbench.office.records`` / ``package``."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import panel as pn

from workbench import validators
from workbench.districts import DISTRICTS, NAMES
from workbench.errors import WorkbenchError
from workbench.masking import mask_row
from workbench.office import package, records
from workbench.office.records import Rectification, ReportInput, StaffCategory, StaffInput, StatusInput
from workbench.office.roles import Role
from workbench.periods import add_months
from workbench.web import ui
from workbench.web.auth import current_account
from workbench.web.widgets import guard

LIMIT = 100
RECT = {r.label: r.value for r in Rectification}
CATEGORIES = {c.label: c.value for c in StaffCategory}


def last_period() -> str:
    return add_months(datetime.now(package.LOCAL).strftime("%Y%m"), -1)


def _zh(exc: WorkbenchError) -> str:
    return getattr(exc, "zh", str(exc))


# (key, label, kind) of each form field; kind: text, area, money, count, rect
REPORT_FIELDS = (("summary", "上报情况说明", "area"), ("amount_involved", "涉及金额（元）", "money"),
                 ("amount_recovered", "追回金额（元）", "money"), ("rectification", "整改情况", "rect"))
STATUS_FIELDS = (("inspections", "检查次数", "count"), ("problems_found", "发现问题数", "count"),
                 ("fund_losses_found", "发现基金损失金额（元）", "money"),
                 ("problems_handled", "已处理问题数", "count"),
                 ("losses_recovered", "追回损失金额（元）", "money"),
                 ("fines_recovered", "收缴罚款金额（元）", "money"),
                 ("persons_punished", "处理处罚人数", "count"))


def _widget(label: str, kind: str) -> pn.widgets.Widget:
    if kind == "area":
        return pn.widgets.TextAreaInput(name=label, height=140, max_length=validators.SUMMARY.limit,
                                        sizing_mode="stretch_width")
    if kind == "rect":
        return pn.widgets.Select(name=label, options=RECT)
    return pn.widgets.TextInput(name=label, value="0" if kind in ("money", "count") else "")


def _show_value(v: Any, kind: str) -> str:
    return ui.money(v) if kind == "money" else (Rectification(v).label if kind == "rect" else str(v))


def district_tab(account, msg: pn.pane.Alert, fields: tuple, lister: Callable, getter: Callable,
                 saver: Callable, make: Callable) -> pn.Column:
    """A table of the rows ``account`` may read and, for the district's own users, a form."""
    flt = pn.widgets.TextInput(name="期间（YYYYMM，留空为全部）", value="")
    count = pn.pane.HTML("")
    table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width",
                                 height=360)

    def refresh(*_: object) -> None:
        try:
            rows, total = lister(current_account(), period=flt.value.strip() or None, limit=LIMIT)
        except WorkbenchError as exc:
            ui.show(msg, _zh(exc))
            return
        table.value = pd.DataFrame([mask_row({"区县": r["district_name"], "期间": r["period"],
                                              **{label: _show_value(r[key], kind) for key, label, kind in fields
                                                 if kind != "area"},
                                              "上报人": r["submitted_by"], "最后修改": ui.when(r["updated_at"]),
                                              "版本": r["version"]}) for r in rows])
        count.object = f"共 {total} 条" + (f"，显示最新 {LIMIT} 条" if total > LIMIT else "")

    flt.param.watch(refresh, "value")
    parts: list = [flt, count, table]
    district = account.district_code
    if district and records.may_submit(account, district):
        period = pn.widgets.TextInput(name="上报期间（YYYYMM）", value=last_period())
        widgets = {key: _widget(label, kind) for key, label, kind in fields}
        state: dict[str, int | None] = {"version": None}
        load, save = pn.widgets.Button(name="载入本期数据"), pn.widgets.Button(name="提交", button_type="primary")
        status = pn.pane.HTML("")

        def on_load(*_: object) -> None:
            try:
                row = getter(current_account(), district, period.value.strip())
            except WorkbenchError as exc:
                ui.show(msg, _zh(exc))
                return
            state["version"] = row["version"] if row else None
            for key, _label, kind in fields:
                w = widgets[key]
                w.value = (str(row[key]) if row else ("0" if kind in ("money", "count") else "")) \
                    if kind != "rect" else (row[key] if row else Rectification.NOT_STARTED.value)
            status.object = (f"本期已上报（第 {row['version']} 版），修改后提交" if row else "本期尚未上报")

        def on_save(_: object) -> None:
            try:
                new = saver(current_account(), district, period.value.strip(),
                            make(**{k: w.value for k, w in widgets.items()}), state["version"])
            except WorkbenchError as exc:
                ui.show(msg, _zh(exc))
                return
            state["version"] = new
            ui.show(msg, f"已提交（第 {new} 版）", "success")
            status.object = f"本期已上报（第 {new} 版），修改后提交"
            refresh()

        load.on_click(guard(msg, on_load, load))
        period.param.watch(on_load, "value")
        save.on_click(guard(msg, on_save, save))
        on_load()
        parts += [pn.pane.HTML(f"<h3>{NAMES.get(district, district)}上报</h3>"), period, status,
                  *widgets.values(), pn.Row(load, save)]
    refresh()
    return pn.Column(*parts, sizing_mode="stretch_width")


def staff_tab(account, msg: pn.pane.Alert) -> pn.Column:
    table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width",
                                 height=360)
    shown: dict[int, records.StaffView] = {}
    pick = pn.widgets.Select(name="编辑人员", options={"（新增人员）": 0}, value=0)

    def refresh() -> None:
        try:
            staff = records.list_staff(current_account())
        except WorkbenchError as exc:
            ui.show(msg, _zh(exc))
            return
        shown.clear()
        shown.update({s.id: s for s in staff})
        table.value = pd.DataFrame([mask_row({"编号": s.id, "类别": s.category.label, "姓名": s.name, "单位": s.unit,
                                              "区县": s.district_name, "职务": s.position, "联系电话": s.phone})
                                    for s in staff])
        pick.options = {"（新增人员）": 0, **{f"#{s.id} {s.name}（{s.district_name}）": s.id for s in staff}}

    parts: list = [table]
    if account.has(Role.ADMIN):
        category = pn.widgets.Select(name="人员类别", options=CATEGORIES)
        district = pn.widgets.Select(name="区县（区县人员）", options={"—": "", **{v: k for k, v in DISTRICTS.items()}})
        name = pn.widgets.TextInput(name="姓名", max_length=validators.PERSON_NAME.limit)
        unit = pn.widgets.TextInput(name="单位", max_length=validators.UNIT.limit)
        position = pn.widgets.TextInput(name="职务", max_length=validators.POSITION.limit)
        phone = pn.widgets.TextInput(name="联系电话", max_length=validators.PHONE.limit)
        save = pn.widgets.Button(name="保存", button_type="primary")
        remove = pn.widgets.Button(name="删除", button_type="danger", visible=False)

        def on_pick(*_: object) -> None:
            s = shown.get(pick.value)
            category.value = s.category.value if s else StaffCategory.DISTRICT.value
            district.value = s.district_code if s and s.district_code in DISTRICTS else ""
            for w, v in ((name, s and s.name), (unit, s and s.unit), (position, s and s.position),
                         (phone, s and s.phone)):
                w.value = v or ""
            remove.visible = s is not None

        def done(text: str) -> None:
            ui.show(msg, text, "success")
            refresh()
            pick.value = 0
            on_pick()

        def on_save(_: object) -> None:
            s = shown.get(pick.value)
            data = StaffInput(category.value, name.value, unit.value, position.value, phone.value,
                              district.value or None)
            try:
                if s is None:
                    records.add_staff(current_account(), data)
                else:
                    records.update_staff(current_account(), s.id, s.version, data)
            except WorkbenchError as exc:
                ui.show(msg, _zh(exc))
                return
            done("人员信息已保存")

        def on_remove(_: object) -> None:
            s = shown.get(pick.value)
            if s is None:
                return
            try:
                records.delete_staff(current_account(), s.id, s.version)
            except WorkbenchError as exc:
                ui.show(msg, _zh(exc))
                return
            done("人员信息已删除")

        pick.param.watch(on_pick, "value")
        save.on_click(guard(msg, on_save, save))
        remove.on_click(guard(msg, on_remove, remove))
        parts += [pn.pane.HTML("<h3>维护人员信息</h3>"), pick, pn.Row(category, district), pn.Row(name, unit),
                  pn.Row(position, phone), pn.Row(save, remove)]
    refresh()
    return pn.Column(*parts, sizing_mode="stretch_width")


def package_tab(msg: pn.pane.Alert) -> pn.Column:
    period = pn.widgets.TextInput(name="期间（YYYYMM）", value=last_period())
    build = pn.widgets.Button(name="生成数据包", button_type="primary")
    download = pn.widgets.FileDownload(label="下载数据包（zip）", button_type="success", visible=False,
                                       filename="package.zip")
    table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width")
    anchor = pn.pane.HTML("")

    def on_build(_: object) -> None:
        download.visible = False
        try:
            pkg = package.export(current_account(), period.value.strip())
        except WorkbenchError as exc:
            ui.show(msg, _zh(exc))
            return
        download.filename = f"纪检监察数据包_{pkg.period}.zip"
        download.file = io.BytesIO(pkg.zip_bytes())
        download.visible = True
        table.value = pd.DataFrame([{"文件": e["file"], "行数": e["rows"], "SHA-256": e["sha256"]}
                                    for e in pkg.manifest["files"]])
        a = pkg.manifest["log_anchor"]
        anchor.object = f"日志锚点：第 {a['seq']} 条记录，MAC <code>{a['mac']}</code>"
        ui.show(msg, f"{pkg.period} 数据包已生成（已记录日志）", "success")

    build.on_click(guard(msg, on_build, build))
    return pn.Column(pn.pane.HTML("<p>上传监察局已批准的问题（含核查结果与处理记录）、区县监督上报、监督落实完成情况"
                                  "及问题统计，附清单（行数与 SHA-256）。</p>"),
                     pn.Row(period, build), download, table, anchor, sizing_mode="stretch_width")


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    msg = ui.message()
    tabs = pn.Tabs(dynamic=False, sizing_mode="stretch_width")
    if account.has(Role.CITY_HANDLER, Role.CITY_REVIEWER, Role.DISTRICT_HANDLER, Role.DISTRICT_REVIEWER):
        tabs.append(("区县监督上报", district_tab(account, msg, REPORT_FIELDS, records.list_reports, records.get_report,
                                            records.save_report, ReportInput)))
        tabs.append(("监督落实完成情况", district_tab(account, msg, STATUS_FIELDS, records.list_status,
                                              records.get_status, records.save_status, StatusInput)))
    tabs.append(("人员基础信息", staff_tab(account, msg)))
    if package.may_export(account):
        tabs.append(("纪检监察数据包", package_tab(msg)))
    return pn.Column(ui.header(account, "监督上报"), msg, tabs, sizing_mode="stretch_width")
