"""问题详情: the problem (indicator, subject, state, deadline), its 办理 section first, then the
evidence (Chinese headings, codes in words; ID numbers masked: a role that may unmask sees them
after stating the purpose of a logged view), history, comments, attachments and findings.

Laid out for the people who use it: 办理 (the workflow actions the user may take now, from
``workflow.possible_actions``) sits under the summary, visible without scrolling; every form has
its own message pane next to its button; an action updates what it changed in place (the
summary, the 办理 buttons, the history), so the page stays on the tab where the user acted.
Tabs are built when first opened (``ui.lazy_tabs``). History shows display names, date and
time (Asia/Shanghai) and whole opinions."""

from __future__ import annotations

import contextlib
import functools
import html
from collections.abc import Iterator
from datetime import datetime, time
from typing import Any

import pandas as pd
import panel as pn
import param

from workbench import labels, masking, times, validators
from workbench.districts import DISTRICTS
from workbench.errors import StaleEdit, WorkbenchError, message_zh
from workbench.indicators import params as iparams
from workbench.indicators.registry import get as get_indicator
from workbench.office import accounts, attachments, comments, findings, workflow
from workbench.office.findings import Conclusion
from workbench.office.states import ACTION_LABELS, SYSTEM, Action, ProblemState, transition
from workbench.web import ui
from workbench.web.page import Page
from workbench.web.widgets import TABULATOR_ZH, SizedFileInput, StrictSelect, guard

CONCLUSIONS = {c.label: c.value for c in Conclusion}
EVIDENCE_PAGE = 10  # evidence rows per page of the table

CSS = """
.wb-summary h3 { margin: 4px 0 6px 0; }
.wb-summary p { margin: 2px 0; }
.wb-summary .wb-basis { color: #444; font-size: 0.92em; }
.wb-history { border-collapse: collapse; width: 100%; }
.wb-history th, .wb-history td { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left;
                                 vertical-align: top; }
.wb-history th { background: #f3f5f8; white-space: nowrap; }
.wb-history td.wb-when, .wb-history td.wb-who, .wb-history td.wb-step { white-space: nowrap; }
.wb-opinion, .wb-comment-body { white-space: pre-wrap; overflow-wrap: anywhere; }
.wb-comment { border-bottom: 1px solid #eee; padding: 4px 0; }
.wb-comment .wb-when { color: #666; margin-left: 8px; }
"""


@functools.cache
def _parameter_values(code: str) -> dict[str, Any]:
    """The indicator's parameters as this server process read them (parameters/indicators/),
    for its description in numbers (``labels.describe``); read once per process, not per page."""
    ind = get_indicator(code)
    return iparams.for_indicator(code, ind.params, _parameter_table(), None)


@functools.cache
def _parameter_table() -> dict[str, dict[str, Any]]:
    return iparams.defaults()


def _requested_id() -> int | None:
    raw = pn.state.session_args.get("id", [b""])[0]
    try:
        return int(raw.decode() if isinstance(raw, bytes) else raw)
    except (TypeError, ValueError):
        return None


class ProblemPage(Page):
    problem_id = param.Integer(default=None, allow_None=True, doc="The problem shown (default: ?id= of the URL).")

    # -- building ----------------------------------------------------------------------
    def body(self) -> pn.viewable.Viewable:
        pid = self.problem_id if self.problem_id is not None else _requested_id()
        if pid is None:
            return ui.denied("问题编号无效")
        try:
            self.view = workflow.get(self.account, pid)
        except WorkbenchError as exc:  # not visible, or gone: one Chinese message
            return ui.denied(message_zh(exc))
        self.pid = pid
        self.indicator = get_indicator(self.view.indicator_code)
        self.evidence_rows = workflow.evidence(self.account, pid)  # masked: full numbers only through reveal
        self.summary = pn.pane.HTML(self._summary_html(), stylesheets=[CSS], sizing_mode="stretch_width",
                                    css_classes=["wb-summary"])
        self.action_msg = ui.message()
        self.action_area = pn.Column(sizing_mode="stretch_width")
        self._fill_actions()
        self.subject = pn.pane.HTML(self._subject_html(self.view.subject))
        self.history_pane: pn.pane.HTML | None = None
        self.comments_pane: pn.pane.HTML | None = None
        self.files_pane: pn.pane.HTML | None = None
        self.finding_widgets: list[pn.widgets.Widget] = []
        self.upload_widgets: list[pn.widgets.Widget] = []
        self.evidence_table: pn.widgets.Tabulator | None = None
        self.tabs = ui.lazy_tabs([("证据", self._evidence_tab), ("处理记录", self._history_tab),
                                  ("意见交流", self._comments_tab), ("附件", self._attachments_tab),
                                  ("核查结果", self._findings_tab)])
        return pn.Column(self.summary,
                         pn.Column(pn.pane.HTML("<h4 style='margin:4px 0'>办理</h4>"), self.action_area,
                                   self.action_msg, sizing_mode="stretch_width", css_classes=["wb-actions"]),
                         pn.Row(pn.pane.HTML("对象："), self.subject), self._reveal_form(),
                         self.tabs, sizing_mode="stretch_width")

    def _summary_html(self) -> str:
        v, ind = self.view, self.indicator
        overdue = '<span class="wb-overdue">（已逾期）</span>' if v.overdue else ""
        where = "层级：市级问题（市级办理、审批）" if v.city_level else f"区县：{html.escape(v.district_name)}"
        return (f"<h3>问题 #{v.id}：{html.escape(ind.name)}（{html.escape(v.indicator_code)}）</h3>"
                f"<p>状态：<b id='wb-state'>{v.state.label}</b>　{where}　"
                f"金额：{ui.money(v.amount)}　首次/最近期间：{v.first_period}/{v.last_period}　"
                f"办理期限：{ui.when(v.deadline)}{overdue}</p>"
                f"<p class='wb-basis'>指标说明：{html.escape(self._description())}</p>"
                f"<p class='wb-basis'>政策依据：{html.escape(ind.policy_basis)}</p>")

    def _description(self) -> str:
        try:
            return labels.describe(self.indicator.description, _parameter_values(self.indicator.code))
        except WorkbenchError:  # a parameters file that does not validate: the text as declared
            return self.indicator.description

    @staticmethod
    def _subject_html(subject: str) -> str:
        return f'<span id="wb-subject">{html.escape(subject)}</span>'

    def _refresh(self) -> None:
        """After an action: the problem read again and what shows it updated in place (no tab
        rebuilt, the user stays where they are)."""
        self.view = workflow.get(self.current(), self.pid)
        self.summary.object = self._summary_html()
        self._fill_actions()
        self._refresh_history()
        editable = self._may_record_finding()
        for w in self.finding_widgets:
            w.disabled = not editable
        for w in self.upload_widgets:
            w.disabled = not self.view.state.is_open

    @contextlib.contextmanager
    def _reread_when_stale(self) -> Iterator[None]:
        """Someone else changed the problem meanwhile: show it as it is now (the refusal is
        still shown by the form's message), so the next click acts on what the user sees."""
        try:
            yield
        except StaleEdit:
            self._refresh()
            raise

    # -- 办理 ----------------------------------------------------------------------------
    def _fill_actions(self) -> None:
        v = self.view
        possible = workflow.possible_actions(self.current(), v)
        if not possible:
            self.action_area.objects = [pn.pane.HTML("<p id='wb-no-actions'>当前没有您可执行的操作。</p>")]
            return
        opinion = pn.widgets.TextAreaInput(label="意见（退回、不予批准时必填）", height=70,
                                           max_length=validators.OPINION.limit, sizing_mode="stretch_width")
        extra: list[pn.widgets.Widget] = []
        district = deadline = None
        if Action.REASSIGN in possible:
            district = StrictSelect(label="委派至区县", value="", options={
                "请选择": "", **{n: c for c, n in DISTRICTS.items() if c != v.district_code}})
            extra.append(district)
        if Action.REQUEST_DEFERRAL in possible:
            deadline = pn.widgets.DatePicker(label="申请的新期限")
            extra.append(deadline)
        buttons = []
        for action in possible:
            needs_opinion = transition(v.state, action, v.city_level).opinion_required
            b = pn.widgets.Button(label=ACTION_LABELS[action], color="danger" if needs_opinion else "primary")

            def click(_: object, action: Action = action) -> None:
                kw: dict[str, Any] = {}
                if action is Action.REASSIGN and district is not None:
                    kw["district"] = district.value or None
                if action is Action.REQUEST_DEFERRAL and deadline is not None and deadline.value is not None:
                    kw["deadline"] = datetime.combine(deadline.value, time(23, 59), tzinfo=times.LOCAL)
                ui.hide(self.action_msg)
                with self._reread_when_stale():
                    workflow.act(self.current(), self.pid, action, self.view.version, opinion.value, **kw)
                self._refresh()
                ui.show(self.action_msg, f"已{ACTION_LABELS[action]}，当前状态：{self.view.state.label}", "success")

            b.on_click(guard(self.action_msg, click, b))
            buttons.append(b)
        self.action_area.objects = [pn.Row(opinion, *extra, sizing_mode="stretch_width"), pn.Row(*buttons)]

    # -- 证据 ----------------------------------------------------------------------------
    def _evidence_frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        headings, values = labels.evidence_table(rows, self.view.indicator_code)
        return pd.DataFrame(values, columns=headings)

    def _evidence_tab(self) -> pn.viewable.Viewable:
        if not self.evidence_rows:
            return pn.pane.HTML("<p>本问题没有保存证据明细。</p>")
        frame = self._evidence_frame(self.evidence_rows)
        paged = {"pagination": "local", "page_size": EVIDENCE_PAGE} if len(frame) > EVIDENCE_PAGE else {}
        self.evidence_table = pn.widgets.Tabulator(
            frame, disabled=True, show_index=False, layout="fit_data_table", sizing_mode="stretch_width",
            configuration=TABULATOR_ZH, **paged)
        return self.evidence_table

    def _reveal_form(self) -> pn.viewable.Viewable:
        """查看完整号码 for a role that may unmask, when the problem shows an ID number: the
        purpose is asked for, the view logged by the service, then the full numbers shown.
        Nothing for other roles (the server never sends them a full number)."""
        v = self.view
        if not workflow.may_unmask(self.account):
            return pn.Row()
        if v.subject_type != masking.PERSON and not masking.id_columns_in(self.evidence_rows):
            return pn.Row()
        purpose = pn.widgets.TextInput(label="查看事由", placeholder="必填，将记入日志",
                                       max_length=validators.PURPOSE.limit, width=320)
        button = pn.widgets.Button(label="查看完整号码", color="primary", variant="outline")
        msg = ui.message()

        def on_reveal(_: object) -> None:
            full = workflow.reveal(self.current(), self.pid, purpose.value)
            if v.subject_type == masking.PERSON:
                self.subject.object = self._subject_html(full.subject)
            if self.evidence_table is not None:
                self.evidence_table.value = self._evidence_frame(full.evidence)
            ui.show(msg, "已显示完整号码，本次查看已记录日志", "success")
            self._refresh_history()

        button.on_click(guard(msg, on_reveal, button))
        button.align = "end"
        return pn.Column(pn.Row(purpose, button), msg, sizing_mode="stretch_width")

    # -- 处理记录 ------------------------------------------------------------------------
    def _names(self, logins: set[str]) -> dict[str, str]:
        names = accounts.display_names(logins - {SYSTEM})
        return {SYSTEM: "系统（月度运行）", **names}

    def _history_html(self) -> str:
        events = workflow.history(self.current(), self.pid)["events"]
        if not events:
            return "<p>暂无处理记录。</p>"
        names = self._names({e["actor"] for e in events})
        rows = []
        for e in events:
            action = e["action"]
            label = ACTION_LABELS[Action(action)] if action in Action._value2member_map_ else action
            source = ProblemState(e["from_state"]).label if e["from_state"] else ""
            target = ProblemState(e["to_state"]).label if e["to_state"] else ""
            change = f"{source} → {target}" if source and target and source != target else (target or source)
            rows.append(f"<tr><td class='wb-when'>{times.minute_text(e['at'])}</td>"
                        f"<td class='wb-who'>{html.escape(names.get(e['actor'], e['actor']))}</td>"
                        f"<td class='wb-step'>{html.escape(label)}</td><td class='wb-step'>{html.escape(change)}</td>"
                        f"<td class='wb-opinion'>{html.escape(e['opinion'] or '')}</td></tr>")
        return ("<table class='wb-history' id='wb-history'><tr><th>时间</th><th>操作人</th><th>操作</th>"
                "<th>状态</th><th>意见</th></tr>" + "".join(rows) + "</table>")

    def _history_tab(self) -> pn.viewable.Viewable:
        self.history_pane = pn.pane.HTML(self._history_html(), stylesheets=[CSS], sizing_mode="stretch_width")
        return self.history_pane

    def _refresh_history(self) -> None:
        if self.history_pane is not None:
            self.history_pane.object = self._history_html()

    # -- 意见交流 ------------------------------------------------------------------------
    def _comments_html(self) -> str:
        found = workflow.history(self.current(), self.pid)["comments"]
        if not found:
            return "<p>暂无意见。</p>"
        names = self._names({c["author"] for c in found})
        return "".join(
            f'<div class="wb-comment"><b>{html.escape(names.get(c["author"], c["author"]))}</b>'
            f'<span class="wb-when">{times.minute_text(c["at"])}</span>'
            f'<div class="wb-comment-body">{html.escape(c["body"])}</div></div>' for c in found)

    def _comments_tab(self) -> pn.viewable.Viewable:
        self.comments_pane = pn.pane.HTML(self._comments_html(), stylesheets=[CSS], sizing_mode="stretch_width")
        text = pn.widgets.TextAreaInput(label="发表意见", max_length=comments.MAX_COMMENT, height=80,
                                        sizing_mode="stretch_width")
        send = pn.widgets.Button(label="发送意见", color="primary")
        msg = ui.message()

        def on_send(_: object) -> None:
            ui.hide(msg)
            comments.comment(self.current(), self.pid, text.value)
            text.value = ""
            self.comments_pane.object = self._comments_html()
            ui.show(msg, "意见已发送", "success")

        send.on_click(guard(msg, on_send, send))
        return pn.Column(self.comments_pane, text, send, msg, sizing_mode="stretch_width")

    # -- 附件 ----------------------------------------------------------------------------
    def _files_html(self) -> str:
        return "<br>".join(
            f"{html.escape(a.name)}（第 {a.version} 版，{a.size} 字节，SHA-256 {a.sha256[:12]}…）"
            for a in attachments.listing(self.current(), self.pid)) or "无附件"

    def _attachments_tab(self) -> pn.viewable.Viewable:
        """The size is checked in the browser before sending, everything again on the server
        (``attachments.attach``: type from the content, size, name)."""
        self.files_pane = pn.pane.HTML(self._files_html())
        upload = SizedFileInput.for_attachments(name="上传附件")
        send = pn.widgets.Button(label="上传", color="primary", disabled=not self.view.state.is_open)
        msg = ui.message()
        upload.param.watch(lambda _: ui.show(msg, upload.too_large), "refused")

        def on_upload(_: object) -> None:
            ui.hide(msg)
            attachments.attach(self.current(), self.pid, upload.filename, upload.data())
            upload.clear()
            self.files_pane.object = self._files_html()
            self._refresh_history()
            ui.show(msg, "附件已上传", "success")

        send.on_click(guard(msg, on_upload, send))
        self.upload_widgets = [send]
        return pn.Column(self.files_pane, upload, send, msg, sizing_mode="stretch_width")

    # -- 核查结果 ------------------------------------------------------------------------
    def _may_record_finding(self) -> bool:
        return self.may("problem.finding", workflow.problem_target(self.view))

    def _findings_tab(self) -> pn.viewable.Viewable:
        existing = workflow.history(self.current(), self.pid)["finding"]
        f = existing[0] if existing else {}
        conclusion = StrictSelect(label="核查结论", options={"请选择": "", **CONCLUSIONS},
                                  value=f.get("conclusion", ""))
        involved = pn.widgets.TextInput(label="涉及金额（元）", value=str(f.get("amount_involved", "") or ""))
        recovered = pn.widgets.TextInput(label="追回金额（元）", value=str(f.get("amount_recovered", "") or ""))
        fines = pn.widgets.TextInput(label="罚款（元）", value=str(f.get("fines", "") or ""))
        rectified = pn.widgets.Checkbox(label="已整改", value=bool(f.get("rectified", 0)))
        persons = pn.widgets.TextInput(label="处理处罚人数", value=str(f.get("persons_punished", "0")))
        description = pn.widgets.TextAreaInput(label="核查情况说明", value=f.get("description", "") or "", height=90,
                                               max_length=validators.FINDING_DESCRIPTION.limit,
                                               sizing_mode="stretch_width")
        save = pn.widgets.Button(label="保存核查结果", color="primary")
        msg = ui.message()
        self.finding_widgets = [conclusion, involved, recovered, fines, rectified, persons, description, save]
        editable = self._may_record_finding()
        for w in self.finding_widgets:
            w.disabled = not editable

        def on_save(_: object) -> None:
            ui.hide(msg)
            with self._reread_when_stale():
                findings.record_finding(self.current(), self.pid, self.view.version, findings.Finding(
                    conclusion.value, involved.value, recovered.value, fines.value, rectified.value, persons.value,
                    description.value))
            self._refresh()
            ui.show(msg, "核查结果已保存", "success")

        save.on_click(guard(msg, on_save, save))
        return pn.Column(pn.Row(conclusion, involved, recovered, fines), pn.Row(persons, rectified), description,
                         save, msg, sizing_mode="stretch_width")
