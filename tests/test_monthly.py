"""The monthly job (`workbench monthly`): notebooks into HTML, the same warehouse and
office state as `intake` + `indicators`, its run record, and a failing step."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from workbench import synth
from workbench.contract import SOURCE_TITLES, SOURCES

P1, P2 = "202405", "202406"
PERIODS = (P1, P2)


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("WORKBENCH_WAREHOUSE", "WORKBENCH_OFFICE_DB")}
    env["WORKBENCH_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True,
                          text=True, env=env, timeout=600)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, proc.stderr
    return proc


def page_text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", page[page.find("<body"):], flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def problems(home: Path) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(home / "office.sqlite") as con:
        return sorted(con.execute("SELECT indicator_code, subject_key, district_code, CAST(amount AS TEXT), "
                                  "first_period, last_period, state FROM problem").fetchall())


def loaded_files(home: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return sorted(con.execute("SELECT delivery_period, table_name, rows_in, loaded, rejected, duplicates "
                                  "FROM intake_files").fetchall())


def records(home: Path) -> list[dict]:
    path = home / "runs" / "monthly.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One synthetic delivery (2 months); home ``monthly``: the job for both periods;
    home ``separate``: `intake` + `indicators` for both, its problems kept, then the job
    again for the last period. Both homes are run side by side."""
    root = tmp_path_factory.mktemp("monthly")
    landing = root / "landing"
    synth.generate(landing, P2, persons=1500, seed=3, months=2)
    monthly, separate = root / "monthly", root / "separate"

    def job() -> list[subprocess.CompletedProcess]:
        return [ok(cli(monthly, "monthly", "--landing", str(landing), "--period", p, "--quiet")) for p in PERIODS]

    def by_hand() -> tuple[list, list, list, subprocess.CompletedProcess]:
        out = []
        for p in PERIODS:
            out.append(ok(cli(separate, "intake", "--landing", str(landing), "--period", p, "--quiet")))
            out.append(ok(cli(separate, "indicators", "--period", p, "--quiet")))
        before, files = problems(separate), loaded_files(separate)
        again = ok(cli(separate, "monthly", "--landing", str(landing), "--period", P2, "--quiet"))
        return out, before, files, again

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.submit(job), pool.submit(by_hand)
        job_out, (hand_out, hand_problems, hand_files, again) = a.result(), b.result()
    return {"landing": landing, "monthly": monthly, "separate": separate, "job": job_out,
            "hand": hand_out, "hand_problems": hand_problems, "hand_files": hand_files, "again": again}


@pytest.mark.slow
def test_monthly_writes_nine_html_reports_per_period(runs):
    home = runs["monthly"]
    hits = {}
    for proc, p in zip(runs["job"], PERIODS, strict=True):
        assert f"monthly {p} from {runs['landing']}: succeeded" in proc.stdout
        folder = home / "reports" / p
        names = [f"intake_{s}" for s in SOURCES] + ["indicators", "statistics"]
        assert sorted(x.name for x in folder.glob("*.html")) == sorted(f"{n}.html" for n in names)
        for s in SOURCES:
            assert f"{SOURCE_TITLES[s]} 数据接收与清洗报告" in page_text(folder / f"intake_{s}.html")
        ind = page_text(folder / "indicators.html")
        stats = page_text(folder / "statistics.html")
        for heading in ("监督指标运行报告", "一、指标运行与发布", "二、按指标统计", "三、按区统计",
                        "四、按业务条线统计", "五、新增、更新与重新打开", "六、运行明细"):
            assert heading in ind, heading
        for heading in ("基金监督统计报告", "一、本期概况", "二、历史趋势", "三、各区对比", "四、各业务条线",
                        "五、命中最多的指标", "六、涉及金额分布", "七、问题处理状态", "八、监督评估：各区比率"):
            assert heading in stats, heading
        for page in (ind, stats):
            assert "Traceback" not in page and "report." not in page
        assert "朝阳区" in ind and "市级" in ind and "北京经济技术开发区" in stats
        m = re.search(r"运行指标 (\d+) 个，命中 ([\d,]+) 条；发布到监督办公库：新增问题 ([\d,]+) 个，"
                      r"更新 ([\d,]+) 个，重新打开 ([\d,]+) 个", ind)
        assert m, ind[:2000]
        rec = next(r for r in records(home) if r["parameters"]["period"] == p)
        c = rec["counts"]
        assert [int(g.replace(",", "")) for g in m.groups()] == [c["evaluated"], c["hits"], c["new"], c["updated"],
                                                                  c["reopened"]]
        assert c["evaluated"] > 30 and c["hits"] > 0
        hits[p] = c["hits"]
        assert (folder / "statistics.html").read_text(encoding="utf-8").count('src="data:image/png;base64,') == 7
        assert "下限缴费占比" in stats and "每万参保人失业金领取人数" in stats
    # the second period: updated problems carried over, and the trend shows both periods
    c2 = next(r for r in records(home) if r["parameters"]["period"] == P2)["counts"]
    assert c2["updated"] > 0 and c2["new"] + c2["updated"] + c2["reopened"] == c2["hits"]
    stats = page_text(home / "reports" / P2 / "statistics.html")
    assert re.search(rf"{P1} \d+ \d+ {hits[P1]} ", stats) and re.search(rf"{P2} \d+ \d+ {hits[P2]} ", stats)


@pytest.mark.slow
def test_monthly_ends_in_the_state_of_intake_then_indicators(runs):
    from workbench.office.exports import export_problems

    assert problems(runs["monthly"]) == runs["hand_problems"]
    assert len(runs["hand_problems"]) > 50
    assert loaded_files(runs["monthly"]) == runs["hand_files"]
    for p in PERIODS:
        out = {}
        for name in ("monthly", "separate"):
            path = runs[name] / f"problems_{p}.csv"
            export_problems(p, path, url=f"sqlite:///{runs[name] / 'office.sqlite'}")
            out[name] = path.read_text(encoding="utf-8")
        assert out["monthly"] == out["separate"]


@pytest.mark.slow
def test_monthly_record_and_running_again_publishes_no_new_problem(runs):
    rec = records(runs["monthly"])
    assert [r["parameters"]["period"] for r in rec] == list(PERIODS)
    for r in rec:
        assert r["status"] == "succeeded" and r["exit_code"] == 0 and r["error"] is None
        assert [s["name"] for s in r["steps"]] == [f"intake_{s}" for s in SOURCES] + ["indicators", "statistics"]
        assert all(s["status"] == "succeeded" and s["report"].endswith(".html") for s in r["steps"])
        assert r["counts"]["files_loaded"] == 21 and r["counts"]["files_refused"] == 0
        assert r["started"] <= r["ended"]
    # the job again on a period already taken in and published: nothing new, same state
    again = records(runs["separate"])[-1]
    assert again["status"] == "succeeded"
    assert again["counts"]["new"] == 0 and again["counts"]["reopened"] == 0
    assert again["counts"]["updated"] == again["counts"]["hits"] == rec[-1]["counts"]["hits"]
    assert problems(runs["separate"]) == runs["hand_problems"]
    assert loaded_files(runs["separate"]) == runs["hand_files"]


@pytest.mark.slow
def test_failing_step_is_one_error_line_and_a_failed_record(tmp_path):
    home = tmp_path / "home"
    proc = cli(home, "monthly", "--landing", str(tmp_path / "missing"), "--period", P2, "--quiet")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: monthly job {P2} failed at step intake_sb: "), lines
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    [rec] = records(home)
    assert rec["status"] == "failed" and rec["error"].startswith("step intake_sb: ")
    assert [(s["name"], s["status"]) for s in rec["steps"]] == [("intake_sb", "failed")]
    assert rec["exit_code"] is None
    assert not (home / "reports" / P2 / "intake_sb.html").exists()


@pytest.mark.slow
def test_failed_indicators_step_publishes_nothing(tmp_path, monkeypatch):
    """Intake steps skipped (nothing loaded): the indicators notebook fails, the job
    stops there, the office holds no problem."""
    import sqlite3

    from workbench import monthly
    from workbench.errors import WorkbenchError
    from workbench.reports import run as nbrun

    home = tmp_path / "home"
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.delenv("WORKBENCH_WAREHOUSE", raising=False)
    monkeypatch.delenv("WORKBENCH_OFFICE_DB", raising=False)
    monkeypatch.setattr(nbrun, "run_source_reports", lambda landing, period, sources=None, allow_empty=None: [None])
    with pytest.raises(WorkbenchError) as err:
        monthly.run_monthly(str(tmp_path), P2, progress=False)
    message = str(err.value)
    assert message.startswith(f"monthly job {P2} failed at step indicators: notebook indicators.ipynb failed")
    assert "no delivery loaded for period 202406" in message and "\n" not in message
    [rec] = monthly.records()
    assert rec["status"] == "failed" and rec["steps"][-1]["name"] == "indicators"
    assert [s["status"] for s in rec["steps"]] == ["succeeded"] * len(SOURCES) + ["failed"]
    with sqlite3.connect(home / "office.sqlite") as con:
        assert con.execute("SELECT count(*) FROM problem").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM run_hit").fetchone() == (0,)


@pytest.mark.parametrize("landing, period, expected", [
    ("landing", "2024-13", "invalid period '2024-13'"),
    ("", P2, "--landing is empty"),
])
def test_bad_arguments_fail_before_any_step(home, landing, period, expected):
    from workbench import monthly
    from workbench.errors import UsageError

    with pytest.raises(UsageError) as err:
        monthly.run_monthly(landing, period, progress=False)
    assert str(err.value).startswith(expected)
    assert not home.exists()
