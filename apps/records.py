"""监督上报: district supervision reports, implementation status and staff base information as
tabs (forms for those access lets change them), and the discipline inspection package for
those it lets export it. Every permission is checked again by the office services.

Tabs are built when first opened (``ui.lazy_tabs``); each tab has its own message, under the
control that caused it; tables page in Chinese (``StrictTabulator``) and are as high as
their rows (no blank gap)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
import panel as pn

from workbench import times, validators
from workbench.access import Target
from workbench.districts import DISTRICTS, NAMES
from workbench.errors import OfficeError
from workbench.masking import mask_row, mask_text
from workbench.office import district_reports, implementation, package, staff
from workbench.office.district_reports import Rectification, ReportInput
from workbench.office.implementation import StatusInput
from workbench.office.staff import StaffCategory, StaffInput, StaffView
from workbench.periods import add_months
from workbench.web import ui
from workbench.web.page import Page
from workbench.web.widgets import FORGED_ZH, StrictSelect, StrictTabulator, guard

LIMIT = 100
ROWS = 15  # rows per table page
RECT = {r.label: r.value for r in Rectification}
CATEGORIES = {c.label: c.value for c in StaffCategory}

# (key, label, kind) of each form field; kind: text, area, money, count, rect
REPORT_FIELDS = (("summary", "上报情况说明", "area"), ("amount_involved", "涉及金额（元）", "money"),
                 ("amount_recovered", "追回金额（元）", "money"), ("rectification", "整改情况", "rect"))
STATUS_FIELDS = (("inspections", "检查次数", "count"), ("problems_found", "发现问题数", "count"),
                 ("fund_losses_found", "发现基金损失金额（元）", "money"),
                 ("problems_handled", "已处理问题数", "count"),
                 ("losses_recovered", "追回损失金额（元）", "money"),
                 ("fines_recovered", "收缴罚款金额（元）", "money"),
                 ("persons_punished", "处理处罚人数", "count"))


def last_period() -> str:
    return add_months(datetime.now(times.LOCAL).strftime("%Y%m"), -1)


def table() -> StrictTabulator:
    """A read-only table paging ``ROWS`` rows at a time, as high as what it shows."""
    return StrictTabulator(pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width",
                           pagination="local", page_size=ROWS, layout="fit_data_stretch")


def _widget(label: str, kind: str) -> pn.widgets.Widget:
    if kind == "area":
        return pn.widgets.TextAreaInput(label=label, height=140, max_length=validators.SUMMARY.limit,
                                        sizing_mode="stretch_width")
    if kind == "rect":
        return pn.widgets.Select(label=label, options=RECT)
    return pn.widgets.TextInput(label=label, value="0" if kind in ("money", "count") else "")


def _show_value(v: Any, kind: str) -> str:
    return ui.money(v) if kind == "money" else (Rectification(v).label if kind == "rect" else str(v))


class DistrictTab:
    """A table of the rows the account may read and, for a district's own users access lets
    submit (``<kind>.submit``), a form for the district's period."""

    def __init__(self, page: Page, kind: str, fields: tuple, lister: Callable, getter: Callable,
                 saver: Callable, make: Callable) -> None:
        self.page, self.kind, self.fields = page, kind, fields
        self.lister, self.getter, self.saver, self.make = lister, getter, saver, make
        self.list_msg = ui.message()
        self.flt = pn.widgets.TextInput(label="期间（YYYYMM，留空为全部）", value="")
        self.count = pn.pane.HTML("")
        self.table = table()
        self.table.param.watch(lambda *_: ui.show(self.list_msg, FORGED_ZH), "forged")
        self.flt.param.watch(self.refresh, "value")

    def view(self) -> pn.viewable.Viewable:
        parts: list = [self.flt, self.list_msg, self.count, self.table]
        district = self.page.account.district_code
        if district and self.page.may(f"{self.kind}.submit", Target(self.kind, district_code=district)):
            parts += self.form(district)
        self.refresh()
        return pn.Column(*parts, sizing_mode="stretch_width")

    def refresh(self, *_: object) -> None:
        try:
            rows, total = self.lister(self.page.current(), period=self.flt.value.strip() or None, limit=LIMIT)
        except OfficeError as exc:
            ui.show_error(self.list_msg, exc)
            return
        ui.hide(self.list_msg)
        self.table.value = pd.DataFrame([mask_row({
            "区县": r["district_name"], "期间": r["period"],
            **{label: _show_value(r[key], kind) for key, label, kind in self.fields if kind != "area"},
            "上报人": r["submitted_by"], "最后修改": ui.when(r["updated_at"]), "版本": r["version"]}) for r in rows])
        self.table.visible = bool(rows)  # no empty frame with a pager
        more = f"，显示最新 {LIMIT} 条" if total > LIMIT else ""
        self.count.object = f"共 {total} 条{more}" if total else "暂无数据"

    def form(self, district: str) -> list:
        self.district = district
        self.msg = ui.message()
        self.period = pn.widgets.TextInput(label="上报期间（YYYYMM）", value=last_period())
        self.widgets = {key: _widget(label, kind) for key, label, kind in self.fields}
        self.version: int | None = None
        load, save = pn.widgets.Button(label="载入本期数据"), pn.widgets.Button(label="提交", color="primary")
        self.status = pn.pane.HTML("")
        load.on_click(guard(self.msg, self.on_load, load))
        self.period.param.watch(guard(self.msg, self.on_load), "value")
        save.on_click(guard(self.msg, self.on_save, save))
        self.on_load()
        return [pn.pane.HTML(f"<h3>{NAMES.get(district, district)}上报</h3>"), self.period, self.status,
                *self.widgets.values(), pn.Row(load, save, self.msg)]

    def on_load(self, *_: object) -> None:
        ui.hide(self.msg)
        row = self.getter(self.page.current(), self.district, self.period.value.strip())
        self.version = row["version"] if row else None
        for key, _label, kind in self.fields:
            w = self.widgets[key]
            w.value = (str(row[key]) if row else ("0" if kind in ("money", "count") else "")) \
                if kind != "rect" else (row[key] if row else Rectification.NOT_STARTED.value)
        self.status.object = (f"本期已上报（第 {row['version']} 版），修改后提交" if row else "本期尚未上报")

    def on_save(self, _: object) -> None:
        new = self.saver(self.page.current(), self.district, self.period.value.strip(),
                         self.make(**{k: w.value for k, w in self.widgets.items()}), self.version)
        self.version = new
        ui.show(self.msg, f"已提交（第 {new} 版）", "success")
        self.status.object = f"本期已上报（第 {new} 版），修改后提交"
        self.refresh()


class StaffTab:
    """Staff base information; a form for those access lets edit it (``staff.edit``)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.list_msg = ui.message()
        self.table = table()
        self.table.param.watch(lambda *_: ui.show(self.list_msg, FORGED_ZH), "forged")
        self.shown: dict[int, StaffView] = {}
        self.editor = page.may("staff.edit")

    def view(self) -> pn.viewable.Viewable:
        self.empty = pn.pane.HTML("<p>暂无人员信息</p>", visible=False)
        parts: list = [self.list_msg, self.empty, self.table]
        if self.editor:
            parts += self.form()
        self.refresh()
        return pn.Column(*parts, sizing_mode="stretch_width")

    def refresh(self) -> None:
        try:
            listed = staff.list_staff(self.page.current())
        except OfficeError as exc:
            ui.show_error(self.list_msg, exc)
            return
        self.shown.clear()
        self.shown.update({s.id: s for s in listed})
        self.empty.visible, self.table.visible = not listed, bool(listed)
        self.table.value = pd.DataFrame([mask_row({"编号": s.id, "类别": s.category.label, "姓名": s.name,
                                                   "单位": s.unit, "区县": s.district_name, "职务": s.position,
                                                   "联系电话": s.phone}) for s in listed])
        if self.editor:
            self.pick.options = {"（新增人员）": 0, **{
                f"#{s.id} {mask_text(s.name)}（{s.district_name}）": s.id for s in listed}}

    def form(self) -> list:
        self.msg = ui.message()
        self.pick = StrictSelect(label="编辑人员", options={"（新增人员）": 0}, value=0)
        self.category = pn.widgets.Select(label="人员类别", options=CATEGORIES)
        self.district = StrictSelect(label="区县（区县人员）", value="",
                                     options={"—": "", **{v: k for k, v in DISTRICTS.items()}})
        self.name = pn.widgets.TextInput(label="姓名", max_length=validators.PERSON_NAME.limit)
        self.unit = pn.widgets.TextInput(label="单位", max_length=validators.UNIT.limit)
        self.position = pn.widgets.TextInput(label="职务", max_length=validators.POSITION.limit)
        self.phone = pn.widgets.TextInput(label="联系电话", max_length=validators.PHONE.limit)
        save = pn.widgets.Button(label="保存", color="primary")
        self.remove = pn.widgets.Button(label="删除", color="danger", visible=False)
        self.pick.param.watch(self.on_pick, "value")
        for w in (self.pick, self.district):
            w.param.watch(lambda *_: ui.show(self.msg, FORGED_ZH), "forged")
        save.on_click(guard(self.msg, self.on_save, save))
        self.remove.on_click(guard(self.msg, self.on_remove, self.remove))
        return [pn.pane.HTML("<h3>维护人员信息</h3>"), self.pick, pn.Row(self.category, self.district),
                pn.Row(self.name, self.unit), pn.Row(self.position, self.phone), pn.Row(save, self.remove, self.msg)]

    def on_pick(self, *_: object) -> None:
        s = self.shown.get(self.pick.value)
        self.category.value = s.category.value if s else StaffCategory.DISTRICT.value
        self.district.value = s.district_code if s and s.district_code in DISTRICTS else ""
        for w, v in ((self.name, s and s.name), (self.unit, s and s.unit), (self.position, s and s.position),
                     (self.phone, s and s.phone)):
            w.value = v or ""
        self.remove.visible = s is not None

    def done(self, text: str) -> None:
        ui.show(self.msg, text, "success")
        self.refresh()
        self.pick.value = 0
        self.on_pick()

    def on_save(self, _: object) -> None:
        s = self.shown.get(self.pick.value)
        data = StaffInput(self.category.value, self.name.value, self.unit.value, self.position.value,
                          self.phone.value, self.district.value or None)
        if s is None:
            staff.add_staff(self.page.current(), data)
        else:
            staff.update_staff(self.page.current(), s.id, s.version, data)
        self.done("人员信息已保存")

    def on_remove(self, _: object) -> None:
        s = self.shown.get(self.pick.value)
        if s is None:
            raise OfficeError("no staff member picked", "请先选择要删除的人员")
        staff.delete_staff(self.page.current(), s.id, s.version)
        self.done("人员信息已删除")


class PackageTab:
    """The discipline inspection package of a period: built, listed and offered as a zip."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def view(self) -> pn.viewable.Viewable:
        self.msg = ui.message()
        self.period = pn.widgets.TextInput(label="期间（YYYYMM）", value=last_period())
        build = pn.widgets.Button(label="生成数据包", color="primary")
        self.download = pn.widgets.FileDownload(label="下载数据包（zip）", color="success", visible=False,
                                                filename="package.zip")
        self.table = table()
        self.anchor = pn.pane.HTML("")
        build.on_click(guard(self.msg, self.on_build, build))
        about = pn.pane.HTML("<p>上传监察局已批准的问题（含核查结果与处理记录）、区县监督上报、监督落实完成情况"
                             "及问题统计，附清单（行数与 SHA-256）。</p>")
        return pn.Column(about,
                         pn.Row(self.period, build, self.msg), self.download, self.table, self.anchor,
                         sizing_mode="stretch_width")

    def on_build(self, _: object) -> None:
        self.download.visible = False
        ui.hide(self.msg)
        with pn.param.set_values(self.table, loading=True):
            pkg = package.export(self.page.current(), self.period.value.strip())
        self.download.filename = f"纪检监察数据包_{pkg.period}.zip"
        self.download.file = io.BytesIO(pkg.zip_bytes())
        self.download.visible = True
        self.table.value = pd.DataFrame([{"文件": e["file"], "行数": e["rows"], "SHA-256": e["sha256"]}
                                         for e in pkg.manifest["files"]])
        a = pkg.manifest["log_anchor"]
        self.anchor.object = f"日志锚点：第 {a['seq']} 条记录，MAC <code>{a['mac']}</code>"
        ui.show(self.msg, f"{pkg.period} 数据包已生成（已记录日志）", "success")


class RecordsPage(Page):
    def body(self) -> pn.viewable.Viewable:
        sections: list[tuple[str, Callable[[], pn.viewable.Viewable]]] = []
        if self.may("district_report.view"):
            sections.append(("区县监督上报", DistrictTab(
                self, "district_report", REPORT_FIELDS, district_reports.list_reports, district_reports.get_report,
                district_reports.save_report, ReportInput).view))
        if self.may("implementation.view"):
            sections.append(("监督落实完成情况", DistrictTab(
                self, "implementation", STATUS_FIELDS, implementation.list_status, implementation.get_status,
                implementation.save_status, StatusInput).view))
        if self.may("staff.view"):
            sections.append(("人员基础信息", StaffTab(self).view))
        if self.may("package.export"):
            sections.append(("纪检监察数据包", PackageTab(self).view))
        if not sections:
            return ui.denied("无权查看监督上报")
        return ui.lazy_tabs(sections)
