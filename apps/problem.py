"""问题详情: indicator and policy basis, the subject and the evidence (ID numbers masked; a role
that may unmask sees them after stating the purpose of a logged view), findings, history,
comments, attachments, and the workflow actions the user may take now."""

from __future__ import annotations

import html
from datetime import datetime, time

import pandas as pd
import panel as pn

from workbench import masking, validators
from workbench.districts import DISTRICTS
from workbench.errors import OfficeError, WorkbenchError
from workbench.indicators.registry import get as get_indicator
from workbench.office import workflow
from workbench.office.states import ACTION_LABELS, Action, Conclusion, ProblemState, transition
from workbench.web import ui
from workbench.web.auth import current_account
from workbench.web.widgets import guard

CONCLUSIONS = {c.label: c.value for c in Conclusion}


def _problem_id() -> int | None:
    raw = pn.state.session_args.get("id", [b""])[0]
    try:
        return int(raw.decode() if isinstance(raw, bytes) else raw)
    except ValueError:
        return None


def page() -> pn.viewable.Viewable:
    try:
        account = current_account()
    except WorkbenchError as exc:
        return ui.denied(getattr(exc, "zh", "请重新登录"))
    pid = _problem_id()
    if pid is None:
        return ui.denied("问题编号无效")
    try:
        view = workflow.get(account, pid)
    except OfficeError as exc:
        return ui.denied(exc.zh)
    body = pn.Column(sizing_mode="stretch_width")
    msg = ui.message()

    def act(action: Action, opinion: str | None = None, **kw) -> None:
        try:
            workflow.act(current_account(), pid, action, state["view"].version, opinion, **kw)
        except WorkbenchError as exc:
            ui.show(msg, getattr(exc, "zh", str(exc)))
            return
        ui.show(msg, f"已{ACTION_LABELS[action]}", "success")
        render()

    state = {"view": view}

    def render() -> None:
        acc = current_account()
        v = state["view"] = workflow.get(acc, pid)
        ind = get_indicator(v.indicator_code)
        subject = pn.pane.HTML(f'<span id="wb-subject">{html.escape(v.subject)}</span>')
        shown = workflow.evidence(acc, pid)  # masked: full numbers only through the logged reveal
        evidence_table = pn.widgets.Tabulator(pd.DataFrame(shown), disabled=True, show_index=False, height=260)
        reveal = reveal_form(acc, v, shown, subject, evidence_table)
        overdue = '<span class="wb-overdue">（已逾期）</span>' if v.overdue else ""
        info = pn.pane.HTML(
            f"<h3>问题 #{v.id}：{html.escape(ind.name)}（{v.indicator_code}）</h3>"
            f"<p>状态：<b id='wb-state'>{v.state.label}</b>　区县：{html.escape(v.district_name)}　"
            f"金额：{ui.money(v.amount)}　首次/最近期间：{v.first_period}/{v.last_period}　"
            f"办理期限：{ui.when(v.deadline)}{overdue}</p>"
            f"<p>指标说明：{html.escape(ind.description)}</p><p>政策依据：{html.escape(ind.policy_basis)}</p>",
            stylesheets=[ui.CSS], sizing_mode="stretch_width")
        hist = workflow.history(acc, pid)
        events = pd.DataFrame([{"时间": ui.when(e["at"]), "操作人": e["actor"],
                                "操作": ACTION_LABELS.get(Action(e["action"]), e["action"]) if e["action"] in
                                Action._value2member_map_ else e["action"],
                                "从": ProblemState(e["from_state"]).label if e["from_state"] else "",
                                "到": ProblemState(e["to_state"]).label if e["to_state"] else "",
                                "意见": e["opinion"] or ""} for e in hist["events"]])
        comments = pn.Column(*[pn.pane.HTML(
            f'<div class="wb-comment"><b>{html.escape(c["author"])}</b> {ui.when(c["at"])}：'
            f'<span class="wb-comment-body">{html.escape(c["body"])}</span></div>') for c in hist["comments"]])
        files = pn.pane.HTML("<br>".join(
            f"{html.escape(a['filename'])}（{a['size']} 字节，SHA-256 {a['sha256'][:12]}…）"
            for a in hist["attachments"]) or "无附件")
        body.objects = [info, pn.Row(pn.pane.HTML("对象："), subject), reveal,
                        pn.Tabs(("证据", evidence_table),
                                ("处理记录", pn.widgets.Tabulator(events, disabled=True, show_index=False)),
                                ("意见交流", pn.Column(comments, comment_form())),
                                ("附件", pn.Column(files, upload_form())),
                                ("核查结果", findings_form(v, hist["finding"])),
                                dynamic=False),
                        actions_form(v)]

    def reveal_form(acc, v: workflow.ProblemView, shown: list[dict], subject: pn.pane.HTML,
                    evidence_table: pn.widgets.Tabulator) -> pn.Row:
        """查看完整号码 for a role that may unmask, when the problem shows an ID number: the
        purpose is asked for, the view logged by the service, then the full numbers shown.
        Nothing for other roles (the server never sends them a full number)."""
        if not workflow.may_unmask(acc) or (v.subject_type != masking.PERSON and not masking.id_columns_in(shown)):
            return pn.Row()
        purpose = pn.widgets.TextInput(name="查看事由", placeholder="必填，将记入日志",
                                       max_length=validators.PURPOSE.limit, width=320)
        button = pn.widgets.Button(name="查看完整号码", button_type="light")

        def on_reveal(_: object) -> None:
            try:
                full = workflow.reveal(current_account(), pid, purpose.value)
            except WorkbenchError as exc:
                ui.show(msg, getattr(exc, "zh", str(exc)))
                return
            if v.subject_type == masking.PERSON:
                subject.object = f'<span id="wb-subject">{html.escape(full.subject)}</span>'
            evidence_table.value = pd.DataFrame(full.evidence)
            ui.show(msg, "已显示完整号码，本次查看已记录日志", "success")

        button.on_click(guard(msg, on_reveal, button))
        return pn.Row(purpose, button, align="end")

    def comment_form() -> pn.Column:
        text = pn.widgets.TextAreaInput(name="发表意见", max_length=workflow.MAX_COMMENT, height=80)
        send = pn.widgets.Button(name="发送意见", button_type="primary")

        def on_send(_: object) -> None:
            try:
                workflow.comment(current_account(), pid, text.value)
            except WorkbenchError as exc:
                ui.show(msg, getattr(exc, "zh", str(exc)))
                return
            render()

        send.on_click(guard(msg, on_send, send))
        return pn.Column(text, send)

    def upload_form() -> pn.Column:
        """The size is checked in the browser before sending, everything again on the server
        (``workflow.attach``: type from the content, size, name)."""
        from workbench.web.widgets import SizedFileInput

        upload = SizedFileInput.for_attachments(name="上传附件")
        send = pn.widgets.Button(name="上传", button_type="primary")
        upload.param.watch(lambda _: ui.show(msg, upload.too_large), "refused")

        def on_upload(_: object) -> None:
            workflow.attach(current_account(), pid, upload.filename, upload.data())
            upload.clear()
            ui.show(msg, "附件已上传", "success")
            render()

        send.on_click(guard(msg, on_upload, send))
        return pn.Column(upload, send)

    def findings_form(v: workflow.ProblemView, existing: list[dict]) -> pn.Column:
        f = existing[0] if existing else {}
        conclusion = pn.widgets.Select(name="核查结论", options={"请选择": "", **CONCLUSIONS},
                                       value=f.get("conclusion", ""))
        involved = pn.widgets.TextInput(name="涉及金额（元）", value=str(f.get("amount_involved", "")))
        recovered = pn.widgets.TextInput(name="追回金额（元）", value=str(f.get("amount_recovered", "")))
        fines = pn.widgets.TextInput(name="罚款（元）", value=str(f.get("fines", "")))
        rectified = pn.widgets.Checkbox(name="已整改", value=bool(f.get("rectified", 0)))
        persons = pn.widgets.TextInput(name="处理处罚人数", value=str(f.get("persons_punished", "0")))
        description = pn.widgets.TextAreaInput(name="核查情况说明", value=f.get("description", ""), height=90)
        save = pn.widgets.Button(name="保存核查结果", button_type="primary")
        editable = v.state is ProblemState.DISTRICT_HANDLING
        for w in (conclusion, involved, recovered, fines, rectified, persons, description, save):
            w.disabled = not editable

        def on_save(_: object) -> None:
            try:
                workflow.record_finding(current_account(), pid, state["view"].version, workflow.Finding(
                    conclusion.value, involved.value, recovered.value, fines.value, rectified.value, persons.value,
                    description.value))
            except WorkbenchError as exc:
                ui.show(msg, getattr(exc, "zh", str(exc)))
                return
            ui.show(msg, "核查结果已保存", "success")
            render()

        save.on_click(guard(msg, on_save, save))
        return pn.Column(conclusion, involved, recovered, fines, rectified, persons, description, save)

    def actions_form(v: workflow.ProblemView) -> pn.Column:
        possible = workflow.possible_actions(current_account(), v)
        if not possible:
            return pn.Column(pn.pane.HTML("<p>当前没有您可执行的操作。</p>"))
        opinion = pn.widgets.TextAreaInput(name="意见（退回、不予批准时必填）", height=70)
        district = pn.widgets.Select(name="委派至区县", options={n: c for c, n in DISTRICTS.items()
                                                            if c != v.district_code})
        deadline = pn.widgets.DatePicker(name="申请的新期限")
        buttons = []
        for action in possible:
            b = pn.widgets.Button(name=ACTION_LABELS[action],
                                  button_type="danger" if transition(v.state, action).opinion_required else "primary")

            def click(_: object, action: Action = action) -> None:
                kw: dict = {}
                if action is Action.REASSIGN:
                    kw["district"] = district.value
                if action is Action.REQUEST_DEFERRAL and deadline.value is not None:
                    kw["deadline"] = datetime.combine(deadline.value, time(23, 59)).astimezone()
                act(action, opinion.value, **kw)

            b.on_click(guard(msg, click, b))
            buttons.append(b)
        extra = [district] if Action.REASSIGN in possible else []
        extra += [deadline] if Action.REQUEST_DEFERRAL in possible else []
        return pn.Column(pn.pane.HTML("<h4>办理</h4>"), opinion, *extra, pn.Row(*buttons))

    render()
    return pn.Column(ui.header(account, "问题详情"), msg, body, sizing_mode="stretch_width")
