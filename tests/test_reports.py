"""Per-source intake reports: the report tables and charts on a known delivery, and the
seven notebooks executed with papermill into HTML."""

from __future__ import annotations

import html
import re
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from deliveries import delivery
from matplotlib.figure import Figure

from workbench.contract import SOURCE_TITLES, SOURCES
from workbench.errors import UsageError, WorkbenchError
from workbench.intake import run_intake
from workbench.reports import charts, data, run, run_source_reports, templates, views

P, EARLIER = "202406", "202405"
ID = "110105198001011238"
ID2 = "11010519800101123X"

# Lines of each table, with known outcomes (line numbers count the header as line 1).
TABLES: dict[str, list[str]] = {
    "sb_unit": ["U1,,单位一,10,110105,1,20100101,"],
    "sb_person": [f"P{i},{ID},张三,1,19800101,1,110105,U1,1,20050101" for i in range(3)],
    "sb_contrib": [
        f"C1,P1,U1,110,202405,{P},6000,960,480,1",
        f"C2,P7,U1,210,202405,{P},6000,30,10,1",  # P7 is not in sb_person: DQ-01
        f"C1,P1,U1,110,202405,{P},6000,960,480,1",  # exact duplicate (line 4)
        "C3,P1,U1,110,202405,202401,6000,960,480,1",  # OUT_OF_PERIOD (line 5)
        f"C4,P2,U1,999,202405,{P},6000,960,480,1",  # BAD_CODE (line 6)
        "C5,P2,U1,110,202405,202402,6000,960,480,1",  # OUT_OF_PERIOD (line 7)
    ],
    "sb_account": [f"P1,{P},0,100,1,0,101"],  # manifest says 2 rows: refused whole
    "jm_contrib": ["J1,JP1,2024,1000,1000,20240615", "J1,JP1,2024,1000,1000,20240615",
                   "J2,JP1,2024,1000,1000,2024061"],  # a duplicate, a BAD_DATE
    "jg_contrib": [f"G1,GP1,U1,{P},{P},8000,1280,640,1", f"G2,GP1,U1,{P},{P},8000,1280,640,2",
                   f"G3,GP1,U1,{P},{P},8000,1280,640,9"],  # BAD_CODE
    "gsrd_case": [f"K1,{ID},李四,,单位一,110105,20240101,20240201,20240610,1",
                  f"K2,{ID},李四,,单位一,110105,20240101,20240201,,",
                  "K3,12345,李四,,单位一,110105,20240101,20240201,,"],  # BAD_ID_NO
    "ldnl_appraisal": [f"A1,K1,{ID},李四,110105,1,20240301,20240401,7,0",
                       f"A2,K9,{ID},李四,110105,1,20240301,20240401,0,1",  # K9: DQ-13
                       f"A2,K9,{ID},李四,110105,1,20240301,20240401,0,1"],  # duplicate
    "rlzy_subsidy": [f"S1,11,1,,{ID},{P},20240615,1000.50,110105",
                     f"S2,15,2,,{ID},{P},20240615,200,110105",
                     f"S3,15,2,,{ID},{P},20240615,2x0,110105"],  # BAD_NUMBER
    "ref_death": [f"{ID},王五,20240101,1,20240105", f"{ID},王五,20240102,2,20240106",
                  f"{ID2},赵六,20240101,1,20240105", f"{ID2},赵六,20240301,1,20240105"],  # KEY_CONFLICT
}


def write_deliveries(landing: Path) -> None:
    """P as above; the month before with a smaller sb delivery (for the volume history)."""
    delivery(landing, P, TABLES, records={"sb_account": 2})
    delivery(landing, EARLIER, {"sb_person": TABLES["sb_person"][:2],
                                "sb_contrib": [f"C1,P1,U1,110,202404,{EARLIER},6000,960,480,1"]})


@pytest.fixture
def loaded(backend, tmp_path: Path) -> Path:
    """Both deliveries taken in (DuckDB, and PostgreSQL where reachable)."""
    landing = tmp_path / "landing"
    write_deliveries(landing)
    run_intake(str(landing), EARLIER)
    run_intake(str(landing), P)
    return landing


def check_counts_per_table() -> None:
    df = data.counts(P, "sb").set_index("table")
    assert list(df.index) == list(SOURCES["sb"])
    contrib = df.loc["sb_contrib"]
    assert (contrib.rows_in, contrib.loaded, contrib.rejected, contrib.duplicates) == (6, 2, 3, 1)
    assert contrib.status == "loaded" and contrib.kind == "monthly" and contrib.title == "缴费明细"
    assert df.loc["sb_account", "status"] == "refused"
    assert "row count mismatch" in df.loc["sb_account", "note"]
    assert df.loc["sb_benefit_pay", "status"] == "absent"
    assert df.loc["sb_benefit_pay", "loaded"] is data.pd.NA
    assert len(data.counts(P)) == sum(len(t) for t in SOURCES.values())


def check_rejects_by_reason_and_examples() -> None:
    df = data.rejects_by_reason(P, "sb")
    assert df[["table", "reason", "rows"]].values.tolist() == [
        ["sb_contrib", "BAD_CODE", 1], ["sb_contrib", "OUT_OF_PERIOD", 2]]
    assert df["reason_label"].tolist() == ["代码值不在代码表内", "不属于本交付期"]
    ex = data.reject_examples(P, "sb", 1)
    assert ex[["reason", "line_no"]].values.tolist() == [["BAD_CODE", 6], ["OUT_OF_PERIOD", 5]]
    assert ex["raw"].tolist()[1] == "C3,P1,U1,110,202405,202401,6000,960,480,1"
    assert len(data.reject_examples(P, "sb", 5)) == 3
    assert data.reject_examples(P, "sb", 0).empty
    assert data.rejects_by_reason(P, "ref")[["reason", "rows"]].values.tolist() == [["KEY_CONFLICT", 2]]


def check_duplicates_and_key_conflicts() -> None:
    df = data.duplicates(P, "sb").set_index("table")
    assert list(df.index) == ["sb_unit", "sb_person", "sb_contrib"]  # the refused file has no load
    assert (df.loc["sb_contrib", "duplicates"], df.loc["sb_contrib", "key_conflicts"]) == (1, 0)
    assert df.loc["sb_contrib", "duplicate_share"] == pytest.approx(1 / 6)
    ref = data.duplicates(P, "ref").set_index("table")
    assert (ref.loc["ref_death", "duplicates"], ref.loc["ref_death", "key_conflicts"]) == (0, 2)


def check_volumes_over_the_history_window() -> None:
    df = data.volumes(P, "sb", history=2)
    assert sorted(set(df["table"])) == ["sb_contrib", "sb_person", "sb_unit"]
    person = df[df["table"] == "sb_person"]
    assert person["period"].tolist() == ["202404", EARLIER, P]
    assert [None if v is data.pd.NA else int(v) for v in person["loaded"]] == [None, 2, 3]
    assert len(data.volumes(P, "sb")) == 3 * 14  # parameters/reports.yaml: 13 earlier months


def check_quality_rows_of_the_source() -> None:
    df = data.quality(P, "sb").set_index("check_code")
    assert list(df.index) == [*(f"DQ-0{i}" for i in range(1, 7)), "DQ-14"]
    assert (df.loc["DQ-01", "rows"], df.loc["DQ-01", "example"]) == (1, "P7")
    assert df.loc["DQ-02", "rows"] == 0
    assert df.loc["DQ-14", "rows"] == 0  # every id of this delivery has a valid check character
    ldnl = data.quality(P, "ldnl").set_index("check_code")
    assert (ldnl.loc["DQ-13", "rows"], ldnl.loc["DQ-13", "example"]) == (1, "K9")
    assert data.quality(P, "ref").empty


def test_report_tables_on_a_known_delivery(loaded):
    """One intake per backend (the slow part), then every report table checked on it."""
    check_counts_per_table()
    check_rejects_by_reason_and_examples()
    check_duplicates_and_key_conflicts()
    check_volumes_over_the_history_window()
    check_quality_rows_of_the_source()


def test_source_views(loaded):
    sb = views.source_view("sb", P).set_index("险种")
    assert sb.loc["110 企业职工基本养老保险", "记录数"] == 1
    assert float(sb.loc["110 企业职工基本养老保险", "缴费合计"]) == 1440.0
    assert float(sb.loc["210 失业保险", "单位缴费"]) == 30.0
    ref = views.source_view("ref", P).set_index("报送机构")
    assert ref.loc["1 公安"].tolist() == [1, 0, 1] and ref.loc["2 民政"].tolist() == [1, 0, 1]
    gsrd = views.source_view("gsrd", P).set_index("认定结论")
    assert gsrd.loc["1 认定工伤"].tolist() == [1, 1] and gsrd.loc["尚未作出决定"].tolist() == [1, 0]
    ldnl = views.source_view("ldnl", P).set_index("伤残等级")
    assert ldnl.loc["7级", "鉴定数"] == 1 and ldnl.loc["未达级", "生活自理障碍"] == 1
    rlzy = views.source_view("rlzy", P).set_index("补贴类型")
    assert float(rlzy.loc["11 社会保险补贴", "发放金额合计"]) == 1000.5
    assert views.source_view("jg", P)["缴费类型"].tolist() == ["1 正常缴费", "2 补缴"]
    assert views.source_view("jm", P)["记录数"].tolist() == [1]
    assert views.source_view("sb", "202001").empty


def test_every_source_has_one_view():
    assert set(views.VIEWS) == set(SOURCES)
    with pytest.raises(ValueError, match="two views"):
        views.view("sb", "again")(lambda wh, p: None)


def test_charts_are_figures_with_chinese_font(home, tmp_path):
    write_deliveries(tmp_path)
    run_intake(str(tmp_path), EARLIER)
    run_intake(str(tmp_path), P)
    font = charts.configure()
    names = {f.name for f in charts.font_manager.fontManager.ttflist}
    if "Noto Sans CJK SC" in names:
        assert font == "Noto Sans CJK SC"
    fig = charts.volume_chart(P, "sb", history=2)
    assert isinstance(fig, Figure)
    panels = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title().splitlines()[0] for ax in panels] == [
        "参保单位 (sb_unit)", "参保人员 (sb_person)", "缴费明细 (sb_contrib)"]
    assert [p.get_height() for p in panels[1].patches] == [0, 2, 3]
    bars = charts.rejects_chart(P, "sb")
    assert [p.get_width() for p in bars.axes[0].patches] == [1, 2]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.png(bars)
    assert png.startswith(b"\x89PNG")
    if font:
        assert not [w for w in caught if "missing from font" in str(w.message)]
    assert isinstance(charts.rejects_chart(P, "rlzy"), Figure)
    assert isinstance(charts.plot_volumes(data.volumes("202001", "gsrd"), "202001"), Figure)


def test_notebooks_are_the_generated_thin_templates():
    import papermill

    for source in SOURCES:
        path = run.notebook_path(source)
        assert path.read_text(encoding="utf-8") == templates.text(source), (
            f"{path.name} differs from workbench/reports/templates.py: "
            "run python -m workbench.reports.templates")
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code[0].metadata.tags == ["parameters"]
        assert all(not c.outputs and c.execution_count is None for c in code)
        inferred = papermill.inspect_notebook(str(path))
        assert {"landing", "period"} <= set(inferred)
        assert all(p["help"] for p in inferred.values())


def test_kernel_is_this_interpreter():
    """The notebooks run on this Python (so they import this workbench), whatever kernelspec
    named python3 a user or the system has installed."""
    km = run._kernel_manager_class()()
    assert km.kernel_spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]


def page_text(path: Path) -> str:
    """The visible text of an HTML report, whitespace collapsed."""
    page = path.read_text(encoding="utf-8")
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page[page.find("<body"):], flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@pytest.mark.slow
def test_all_notebooks_run_into_html_reports(home, tmp_path):
    landing = tmp_path / "landing"
    write_deliveries(landing)
    run_intake(str(landing), EARLIER)
    paths = run_source_reports(str(landing), P)
    folder = home / "reports" / P
    assert paths == [folder / f"intake_{s}.html" for s in SOURCES]
    for s in SOURCES:
        assert (folder / f"intake_{s}.ipynb").is_file()
        page = paths[list(SOURCES).index(s)].read_text(encoding="utf-8")
        text = page_text(paths[list(SOURCES).index(s)])
        assert f"{SOURCE_TITLES[s]} 数据接收与清洗报告" in text
        for heading in ("一、数据接收", "二、各表行数", "三、拒绝记录", "四、重复记录",
                        "五、数据量与历史对比", "六、数据质量检查", f"七、{views.VIEWS[s].title}"):
            assert heading in text, (s, heading)
        assert page.count("src=\"data:image/png;base64,") == 2, s  # both charts embedded
        assert "report.counts()" not in page and "Traceback" not in text
    sb = page_text(paths[0])
    assert "sb_contrib 缴费明细 月度 sb_contrib.csv 6 2 3 1 已入库" in sb
    assert "sb_account 个人账户 月度 sb_account.csv — — — — 整文件拒收 拒收原因：row count mismatch" in sb
    assert "sb_contrib 不属于本交付期（OUT_OF_PERIOD） 2" in sb
    assert "sb_contrib 不属于本交付期 5 C3,P1,U1,110,202405,202401,6000,960,480,1" in sb
    assert "完全重复 1 行，主键冲突 0 行" in sb
    assert "DQ-01 sb_contrib 缴费明细的个人编号不在参保人员快照中 1 P7" in sb
    assert "110 企业职工基本养老保险 1 1 1 6,000.00 960.00 480.00 1,440.00" in sb
    assert "202405 — 2 1" in sb and "202406 1 3 2" in sb  # volumes: unit, person, contrib
    ref = page_text(paths[-1])
    assert "ref_death 死亡信息 快照 ref_death.csv 4 2 2 0 已入库" in ref
    assert "1 公安 1 0 1" in ref
    assert "本来源没有跨表引用检查" in ref
    jm = page_text(paths[1])
    assert "jm_contrib 日期或期别无效（BAD_DATE） 1" in jm


@pytest.mark.slow
def test_failing_notebook_is_one_line_error_and_kept(home, tmp_path):
    landing = tmp_path / "landing"
    write_deliveries(landing)
    with pytest.raises(WorkbenchError) as err:
        run_source_reports(str(landing), "202407", sources=["gsrd"])
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("notebook intake_gsrd.ipynb failed in cell [")
    assert "report.intake(run=intake, allow_empty=allow_empty)" in message
    assert "no delivery for period 202407" in message
    executed = home / "reports" / "202407" / "intake_gsrd.ipynb"
    assert str(executed) in message and executed.is_file()
    assert not executed.with_suffix(".html").exists()


@pytest.mark.parametrize("period, sources, expected", [
    ("2024-13", None, "invalid period '2024-13'"),
    (P, ["sbb"], "unknown source 'sbb'; did you mean sb?"),
])
def test_bad_arguments_fail_before_any_notebook(home, tmp_path, period, sources, expected):
    with pytest.raises(UsageError) as err:
        run_source_reports(str(tmp_path), period, sources=sources)
    assert str(err.value).startswith(expected) and "\n" not in str(err.value)
    assert not (home / "reports").exists()
