"""Office data beside the workflow on SQLite and PostgreSQL: notices, staff base information,
district supervision reports, implementation status (permissions per role and district,
validation, stale edits, action-log records) and the discipline inspection package (manifest
row counts, SHA-256, log anchor; district users cannot export)."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from test_office_publish import evaluation

from workbench import times
from workbench.cli import main
from workbench.errors import OfficeError, PermissionDenied, StaleEdit
from workbench.office import (
    actionlog,
    db,
    district_reports,
    findings,
    implementation,
    notices,
    package,
    staff,
    workflow,
)
from workbench.office.accounts import Account
from workbench.office.district_reports import ReportInput
from workbench.office.findings import Finding
from workbench.office.implementation import StatusInput
from workbench.office.models import ActionLog, LogAnchor, Problem
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.staff import StaffInput
from workbench.office.states import Action

OWN, OTHER = "110105", "110108"
PERIOD = "202406"


def account(role: Role, district: str | None = None) -> Account:
    return Account(hash((role, district)) % 10_000, f"{role.value}-{district or 'city'}", "测试",
                   district if role.district_scoped else None, frozenset({role}))


DH, DR, DH2 = account(Role.DISTRICT_HANDLER, OWN), account(Role.DISTRICT_REVIEWER, OWN), \
    account(Role.DISTRICT_HANDLER, OTHER)
CH, CR, ADMIN = account(Role.CITY_HANDLER), account(Role.CITY_REVIEWER), account(Role.ADMIN)
REPORT = ReportInput("本期核查 3 个问题，已追回部分资金。", "1200.50", "800", "in_progress")
STATUS = StatusInput(5, 3, "1200.50", 2, "800.00", "100", 1)


def log_records(url: str, action: str) -> list[ActionLog]:
    with db.engine(url).connect() as conn:
        return list(conn.execute(select(ActionLog).where(ActionLog.action == action).order_by(ActionLog.id)))


def chain_ok(url: str) -> None:
    with db.engine(url).connect() as conn:
        assert actionlog.verify(conn).ok


# ------------------------------------------------------------------ notices
def test_notices_admin_publishes_everyone_reads(office: str) -> None:
    nid = notices.publish_notice(ADMIN, "关于报送六月监督数据的通知", "<script>alert(1)</script>请各区按时报送。",
                                 url=office)
    for who in (DH, DH2, CH, CR, ADMIN):
        shown, total = notices.list_notices(who, url=office)
        assert total == 1 and shown[0].id == nid and shown[0].content.startswith("<script>")  # stored as text
    for who in (DH, CH, CR):
        with pytest.raises(PermissionDenied) as e:
            notices.publish_notice(who, "标题", "内容", url=office)
        assert e.value.zh == "只有综合管理人员可以执行此操作"
    with pytest.raises(OfficeError) as e:
        notices.publish_notice(ADMIN, "  ", "内容", url=office)
    assert e.value.zh == "请填写标题"
    with pytest.raises(OfficeError) as e:
        notices.publish_notice(ADMIN, "长" * 301, "内容", url=office)
    assert e.value.zh == "标题不能超过 300 个字符（现有 301 个）"
    v = notices.update_notice(ADMIN, nid, 1, "关于报送六月监督数据的通知（更正）", "请于 7 月 5 日前报送。", url=office)
    assert v == 2
    with pytest.raises(StaleEdit) as e:  # someone edited from the old version
        notices.update_notice(ADMIN, nid, 1, "旧标题", "旧内容", url=office)
    assert e.value.zh == "该记录已被他人修改，请刷新后重试"
    assert notices.list_notices(DH, url=office)[0][0].title.endswith("（更正）")
    notices.withdraw_notice(ADMIN, nid, 2, url=office)
    assert notices.list_notices(DH, url=office) == ([], 0)
    assert [json.loads(r.detail_json)["change"] for r in log_records(office, "notice")] == \
        ["publish", "update", "withdraw"]
    chain_ok(office)


# ------------------------------------------------------------------ staff
def test_staff_admins_maintain_district_users_see_their_district(office: str) -> None:
    a = staff.add_staff(ADMIN, StaffInput("district", "张三", "朝阳区人力社保局", "科长", "010-65090000", OWN),
                          url=office)
    staff.add_staff(ADMIN, StaffInput("district", "李四", "海淀区人力社保局", "科员", "13800000000", OTHER),
                      url=office)
    staff.add_staff(ADMIN, StaffInput("city_office", "王五", "市人力社保局基金监督处", "处长", "010-12345678"),
                      url=office)
    assert [s.name for s in staff.list_staff(DH, url=office)] == ["张三"]
    assert [s.name for s in staff.list_staff(DR, url=office)] == ["张三"]
    assert {s.name for s in staff.list_staff(CH, url=office)} == {"张三", "李四", "王五"}
    assert len(staff.list_staff(ADMIN, url=office)) == 3
    assert staff.list_staff(DH, district_code=OTHER, url=office) == []  # a filter cannot widen the view
    city = next(s for s in staff.list_staff(ADMIN, url=office) if s.name == "王五")
    assert city.district_code == "110000" and city.district_name == "市级"
    with pytest.raises(PermissionDenied):
        staff.add_staff(DH, StaffInput("district", "赵六", "朝阳区", "科员", "13800000001", OWN), url=office)
    with pytest.raises(PermissionDenied):
        staff.update_staff(CH, a, 1, StaffInput("district", "张三", "朝阳区", "科长", "13800000001", OWN),
                             url=office)
    for bad, message in ((StaffInput("district", "赵六", "朝阳区", "科员", "电话", OWN), "联系电话格式不正确"),
                         (StaffInput("district", "赵六", "朝阳区", "科员", "13800000001", "999999"), "请选择区县"),
                         (StaffInput("boss", "赵六", "朝阳区", "科员", "13800000001", OWN), "请选择人员类别"),
                         (StaffInput("district", "", "朝阳区", "科员", "13800000001", OWN), "请填写姓名")):
        with pytest.raises(OfficeError) as e:
            staff.add_staff(ADMIN, bad, url=office)
        assert e.value.zh == message
    v = staff.update_staff(ADMIN, a, 1, StaffInput("district", "张三", "朝阳区人力社保局", "副局长",
                                                      "010-65090000", OWN), url=office)
    with pytest.raises(StaleEdit):
        staff.delete_staff(ADMIN, a, 1, url=office)
    staff.delete_staff(ADMIN, a, v, url=office)
    assert staff.list_staff(DH, url=office) == []
    assert [json.loads(r.detail_json)["change"] for r in log_records(office, "staff_change")] == \
        ["add", "add", "add", "update", "delete"]
    chain_ok(office)


# ------------------------------------------------------------------ district reports and implementation status
def test_district_reports_permissions_per_role_and_district(office: str) -> None:
    assert district_reports.save_report(DH, OWN, PERIOD, REPORT, url=office) == 1
    only_own = "只有本区县的处理人或审核人可以上报本区县的数据"
    # another district, city roles and admins do not submit
    for who, why in ((DH2, "只能查看或办理本区县的数据"), (CH, only_own), (CR, only_own), (ADMIN, only_own)):
        with pytest.raises(PermissionDenied) as e:
            district_reports.save_report(who, OWN, "202405", REPORT, url=office)
        assert e.value.zh == why
    district_reports.save_report(DH2, OTHER, PERIOD, REPORT, url=office)
    mine, total = district_reports.list_reports(DH, url=office)
    assert total == 1 and mine[0]["district_code"] == OWN and mine[0]["amount_involved"] == Decimal("1200.50")
    assert district_reports.list_reports(DR, district_code=OTHER, url=office) == ([], 0)
    assert district_reports.list_reports(CH, url=office)[1] == 2
    assert district_reports.list_reports(CR, period=PERIOD, url=office)[1] == 2
    assert district_reports.list_reports(ADMIN, url=office) == ([], 0)
    # the reviewer of the district changes it; a stale form is refused, nothing saved
    v = district_reports.save_report(DR, OWN, PERIOD, ReportInput("已全部整改。", "1200.50", "1200.50", "done"), 1,
                                     url=office)
    assert v == 2
    with pytest.raises(StaleEdit):
        district_reports.save_report(DH, OWN, PERIOD, REPORT, 1, url=office)
    with pytest.raises(StaleEdit):  # a form opened before the first submission
        district_reports.save_report(DH, OWN, PERIOD, REPORT, None, url=office)
    got = district_reports.get_report(CH, OWN, PERIOD, url=office)
    assert got["rectification"] == "done" and got["summary"] == "已全部整改。" and got["version"] == 2
    logged = log_records(office, "district_report")
    assert [(r.actor, r.district_code, json.loads(r.detail_json)["change"]) for r in logged] == \
        [(DH.username, OWN, "submit"), (DH2.username, OTHER, "submit"), (DR.username, OWN, "update")]
    chain_ok(office)


@pytest.mark.parametrize("field, value, message", [
    ("amount_involved", "-1", "涉及金额须为非负金额，最多两位小数"),
    ("amount_recovered", "1.234", "追回金额须为非负金额，最多两位小数"),
    ("amount_involved", "abc", "涉及金额不是有效金额"),
    ("rectification", "maybe", "请选择整改情况"),
    ("summary", " ", "请填写上报情况说明"),
])
def test_report_validation_messages(office: str, field: str, value: str, message: str) -> None:
    bad = ReportInput(**{**REPORT.__dict__, field: value})
    with pytest.raises(OfficeError) as e:
        district_reports.save_report(DH, OWN, PERIOD, bad, url=office)
    assert e.value.zh == message
    with pytest.raises(OfficeError) as e:
        district_reports.save_report(DH, OWN, "2024-06", REPORT, url=office)
    assert e.value.zh == "期间格式应为 YYYYMM，如 202406"
    assert district_reports.list_reports(CH, url=office) == ([], 0)  # nothing half-saved
    assert log_records(office, "district_report") == []


def test_implementation_status(office: str) -> None:
    implementation.save_status(DR, OWN, PERIOD, STATUS, url=office)
    with pytest.raises(PermissionDenied):
        implementation.save_status(DH2, OWN, PERIOD, STATUS, url=office)
    with pytest.raises(OfficeError) as e:
        implementation.save_status(DH, OWN, PERIOD, StatusInput(1.5, 3, "0", 2, "0", "0", 1), 1, url=office)
    assert e.value.zh == "检查次数须为整数"
    with pytest.raises(OfficeError) as e:
        implementation.save_status(DH, OWN, PERIOD, StatusInput(1, -3, "0", 2, "0", "0", 1), 1, url=office)
    assert e.value.zh == "发现问题数须为非负整数"
    with pytest.raises(OfficeError) as e:
        implementation.save_status(DH, OWN, PERIOD, StatusInput(1, 3, "0", 2, "0", "-5", 1), 1, url=office)
    assert e.value.zh == "收缴罚款金额须为非负金额，最多两位小数"
    row = implementation.get_status(CH, OWN, PERIOD, url=office)
    assert row["fines_recovered"] == Decimal("100.00") and row["persons_punished"] == 1 and row["version"] == 1
    assert implementation.get_status(DH2, OWN, PERIOD, url=office) is None  # another district cannot read it
    assert implementation.save_status(DH, OWN, PERIOD, StatusInput(6, 3, "1200.50", 3, "1000", "100", 2), 1,
                               url=office) == 2
    with pytest.raises(StaleEdit):
        implementation.save_status(DR, OWN, PERIOD, STATUS, 1, url=office)
    assert implementation.get_status(DH, OWN, PERIOD, url=office)["inspections"] == 6
    assert len(log_records(office, "implementation_status")) == 2
    chain_ok(office)


# ------------------------------------------------------------------ the discipline inspection package
ID1, ID2, ID3 = "110101199001011234", "110101199001015678", "110101199001019999"


@pytest.fixture
def package_data(office: str) -> str:
    publish([evaluation("A01", [(ID1, OWN, "100.50"), (ID2, OTHER, "20"), (ID3, OWN, "7")])], PERIOD, office)
    with db.engine(office).connect() as conn:
        ids = {k: i for i, k in conn.execute(select(Problem.id, Problem.subject_key))}
    p = ids[ID1]
    v = workflow.act(DH, p, Action.START, 1, url=office)
    v = findings.record_finding(DH, p, v, Finding("true", "100.50", "80", "0", True, 1, "冒领，\n已追回部分。"),
                                url=office)
    v = workflow.act(CH, p, Action.ESCALATE, v, url=office)
    workflow.act(CR, p, Action.APPROVE_ESCALATION, v, url=office)
    workflow.act(CH, ids[ID2], Action.ESCALATE, 1, url=office)  # requested only: not in the package
    district_reports.save_report(DH, OWN, PERIOD, REPORT, url=office)
    implementation.save_status(DH2, OTHER, PERIOD, STATUS, url=office)
    return office


def this_month() -> str:
    return times.local(package.now()).strftime("%Y%m")


def test_package_manifest_counts_checksums_and_anchor(package_data: str, tmp_path: Path) -> None:
    url = package_data
    with db.engine(url).connect() as conn:
        before = conn.execute(select(LogAnchor)).one()
    pkg = package.export(CH, PERIOD, url=url)
    m = pkg.manifest
    rows = {e["file"]: e["rows"] for e in m["files"]}
    # escalations approved in P: none in 202406 (they were approved this month)
    assert rows == {"escalated_problems.csv": 0, "escalated_events.csv": 0, "district_reports.csv": 1,
                    "implementation_status.csv": 1, "statistics.csv": 2}
    assert m["log_anchor"] == {"chain": before.chain, "seq": before.last_seq, "mac": before.last_mac}
    exported = log_records(url, "export")[-1]
    assert exported.seq == before.last_seq + 1  # the export's own record follows the anchor
    assert json.loads(exported.detail_json)["manifest_sha256"] == package.sha256(pkg.files["manifest.json"])
    stats = pkg.files["statistics.csv"].decode("utf-8").splitlines()
    assert stats[0].startswith("district_code,district_name,problems,open")
    assert stats[1].startswith(f"{OWN},朝阳区,2,2,0,1,107.50,1,1,100.50,80.00,1")

    month = this_month()
    folder = package.export(CR, month, url=url).write(tmp_path / "pkg")
    assert package.verify(folder) == []
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for e in manifest["files"]:  # recompute independently of the module
        data = (folder / e["file"]).read_bytes()
        import csv
        import hashlib
        import io
        assert hashlib.sha256(data).hexdigest() == e["sha256"]
        assert len(list(csv.reader(io.StringIO(data.decode("utf-8"))))) - 1 == e["rows"]
    assert {e["file"]: e["rows"] for e in manifest["files"]}["escalated_problems.csv"] == 1
    problems = (folder / "escalated_problems.csv").read_text(encoding="utf-8")
    assert ID1 in problems and ID2 not in problems and "冒领，\n已追回部分。" in problems
    events = (folder / "escalated_events.csv").read_text(encoding="utf-8")
    assert "approve_escalation" in events and "published" in events
    assert package.anchor_in_log(manifest, url=url)

    # tampering is found
    (folder / "district_reports.csv").write_text("district_code\n", encoding="utf-8")
    assert any("district_reports.csv" in p for p in package.verify(folder))
    zipped = tmp_path / "pkg.zip"
    zipped.write_bytes(package.export(CH, month, url=url).zip_bytes())
    assert package.verify(zipped) == []
    with zipfile.ZipFile(zipped) as z:
        assert f"{month}/manifest.json" in z.namelist()
    assert len(log_records(url, "export")) == 3
    chain_ok(url)


def test_district_users_and_admins_cannot_export(package_data: str) -> None:
    for who in (DH, DR, ADMIN):
        with pytest.raises(PermissionDenied) as e:
            package.export(who, PERIOD, url=package_data)
        assert e.value.zh == "只有市级处理人或审核人可以导出纪检监察数据包"
    assert log_records(package_data, "export") == []
    with pytest.raises(OfficeError) as e:
        package.export(CH, "2024", url=package_data)
    assert e.value.zh == "期间格式应为 YYYYMM，如 202406"


def test_package_cli(package_data: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", package_data)
    out = tmp_path / "out"
    assert main(["package", "export", "--period", this_month(), "--out", str(out)]) == 0
    assert "escalated_problems.csv" in capsys.readouterr().out
    assert main(["package", "verify", str(out)]) == 0
    assert main(["package", "export", "--period", PERIOD, "--out", str(out)]) == 2  # not an empty folder
    assert "not an empty folder" in capsys.readouterr().err
    assert main(["package", "export", "--period", PERIOD, "--out", str(tmp_path / "p.zip")]) == 0
    assert main(["package", "verify", str(tmp_path / "p.zip")]) == 0
    (out / "statistics.csv").write_text("x\n", encoding="utf-8")
    assert main(["package", "verify", str(out)]) == 1
    assert log_records(package_data, "export")[0].actor == "cli"
