"""Intake under hostile files (security.md): each hole refuses one file (or the delivery),
never the run, and leaves the rest of the delivery loaded."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deliveries import delivery, write_manifest, write_table

from workbench.intake import run_intake
from workbench.warehouse import Warehouse

P, EARLIER = "202406", "202405"
ID = "110105198001011238"
MAIN = Path(__file__).resolve().parents[2]


def person(i: int, name: str = "张三") -> str:
    return f"P{i},{ID},{name},1,19800101,1,110105,U1,1,20050101"


def resident(i: int, name: str = "李四") -> str:
    return f"J{i},{ID},{name},1,19800101,110105,1,20050101"


PERSONS = [person(i) for i in range(3)]
RESIDENTS = [resident(i) for i in range(2)]


def rows(table: str, period: str = P, column: str = "name") -> list:
    with Warehouse() as wh:
        t = wh.table(table)
        return sorted(t.filter(t.delivery_period == period)[column].to_pyarrow().to_pylist())


def log(period: str = P) -> list[dict]:
    with Warehouse() as wh:
        t = wh.table("intake_log")
        return t.filter(t.delivery_period == period).to_pyarrow().to_pylist()


def cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


def parameters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **intake: object) -> None:
    """A parameters folder of its own with these intake.yaml values."""
    import yaml

    folder = tmp_path / "parameters"
    shutil.copytree(MAIN / "parameters", folder)
    data = yaml.safe_load((folder / "intake.yaml").read_text(encoding="utf-8"))
    data.update(intake)
    (folder / "intake.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_PARAMETERS", str(folder))


# -- no internal separator ---------------------------------------------------------------

def test_unit_separator_is_data_not_a_separator(backend, tmp_path):
    landing = tmp_path / "landing"
    names = ['"李\x1f四"', '"王,\x1f五"', "赵\x1f六"]
    delivery(landing, P, {"jm_person": [resident(i, n) for i, n in enumerate(names)]})
    out = run_intake(str(landing), P).tables["jm_person"]
    assert (out.refused, out.loaded, out.rejected) == (None, 3, 0)
    assert rows("jm_person") == sorted(["李\x1f四", "王,\x1f五", "赵\x1f六"])


# -- LINE_TOO_LONG -----------------------------------------------------------------------

def test_line_longer_than_the_limit_refuses_its_file_only(backend, tmp_path, monkeypatch):
    parameters(tmp_path, monkeypatch, max_line_bytes=200)
    landing = tmp_path / "landing"
    at_limit = resident(0, "李")
    at_limit = resident(0, "李" + "x" * (200 - len(at_limit.encode("gb18030"))))
    assert len(at_limit.encode("gb18030")) == 200  # the limit counts the delivered bytes
    delivery(landing, P, {"sb_person": [*PERSONS, person(9, "张" * 100)],  # 300 bytes of name alone
                          "jm_person": [at_limit]}, encoding="GB18030")
    result = run_intake(str(landing), P)
    refused = result.tables["sb_person"]
    assert refused.refused.startswith("LINE_TOO_LONG: line 5 is longer than 200 bytes")
    assert (refused.rows_in, refused.loaded) == (0, 0)
    assert result.report()["tables"]["sb_person"]["refused"] == refused.refused
    assert result.tables["jm_person"].loaded == 1 and result.exit_code == 3
    assert rows("sb_person") == []
    entry = {r["table_name"]: r for r in log()}
    assert entry["sb_person"]["status"] == "refused" and "LINE_TOO_LONG" in entry["sb_person"]["reason"]
    assert entry["jm_person"]["status"] == "loaded"


MEASURE = """
import resource, sys
from workbench.intake import print_summary, run_intake
print_summary(run_intake(sys.argv[1], sys.argv[2]))
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_mb(landing: Path, home: Path) -> tuple[float, str]:
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    env.pop("WORKBENCH_WAREHOUSE", None)
    done = subprocess.run([sys.executable, "-c", MEASURE, str(landing), P], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.rsplit("PEAK_KB", 1)[1]) / 1024, done.stdout


def test_a_300_mib_line_is_refused_in_bounded_memory(home, tmp_path):
    """The default limit (1 MiB): a file of one 300 MiB line is refused, and the process
    never grows by more than a few chunks over a run on a tiny delivery."""
    small, big = tmp_path / "small", tmp_path / "big"
    delivery(small, P, {"sb_person": PERSONS, "jm_person": RESIDENTS})
    folder = big / P
    folder.mkdir(parents=True)
    digest = hashlib.sha256()
    with (folder / "sb_person.csv").open("wb") as f:
        for chunk in (b"person_id,id_no,name,sex,birth_date,hukou_type,district_code,unit_id,status,"
                      b"first_enroll_date\nP1,110105198001011238,",):
            f.write(chunk)
            digest.update(chunk)
        block = b"x" * (1 << 20)
        for _ in range(300):
            f.write(block)
            digest.update(block)
        tail = b",1,19800101,1,110105,U1,1,20050101\n"
        f.write(tail)
        digest.update(tail)
    jm = write_table(folder, "jm_person", RESIDENTS)
    write_manifest(folder, [{"file": "sb_person.csv", "table": "sb_person", "rows": 1,
                             "sha256": digest.hexdigest(), "encoding": "UTF-8"}, jm])
    base_mb, _ = _peak_mb(small, tmp_path / "home-small")
    peak_mb, out = _peak_mb(big, tmp_path / "home-big")
    assert "REFUSED: LINE_TOO_LONG: line 2 is longer than 1,048,576 bytes" in out
    assert "jm_person" in out and "loaded         2" in out
    assert peak_mb - base_mb < 64, (base_mb, peak_mb)


# -- values the engine cannot store ------------------------------------------------------

def test_nul_refuses_one_file_where_the_engine_cannot_store_it(backend, tmp_path):
    landing = tmp_path / "landing"
    delivery(landing, P, {"sb_person": [*PERSONS, person(7, "张\x00三")], "jm_person": RESIDENTS})
    result = run_intake(str(landing), P)
    assert result.tables["jm_person"].loaded == 2
    entry = {r["table_name"]: r for r in log()}
    assert entry["jm_person"]["status"] == "loaded"
    out = result.tables["sb_person"]
    if backend.startswith("postgres"):
        assert out.refused == ("UNSTORABLE_VALUE: the warehouse (PostgreSQL) cannot store a value of "
                               "this file (line 5, column name holds U+0000): PostgreSQL text fields "
                               "cannot contain NUL (0x00) bytes")
        assert (out.rows_in, out.loaded) == (0, 0) and result.exit_code == 3
        assert result.report()["tables"]["sb_person"] == {
            "rows_in": 0, "loaded": 0, "rejected": 0, "duplicates": 0, "refused": out.refused}
        assert entry["sb_person"]["status"] == "refused" and entry["sb_person"]["reason"] == out.refused
        assert rows("sb_person") == []
        with Warehouse() as wh:  # no stage table left behind by the failed copy
            assert not [n for n in wh.con.list_tables() if n.startswith("_stage")]
    else:  # DuckDB stores U+0000: the row loads as it came
        assert (out.refused, out.loaded) == (None, 4)
        assert "张\x00三" in rows("sb_person")


# -- private temporary folders -----------------------------------------------------------

HOLD = """
import sys, time
from pathlib import Path
from workbench.intake.workdir import private_workdir
with private_workdir(Path(sys.argv[1]), "202406") as path:
    print(path, flush=True)
    time.sleep(120)
"""


def _intake_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("intake-*")) if tmp.is_dir() else []


def test_killed_run_leaves_nothing_once_the_next_run_starts(home, tmp_path):
    landing = tmp_path / "landing"
    many = [f"P{i},{ID},张三{i},1,19800101,1,110105,U1,1,20050101" for i in range(200_000)]
    delivery(landing, P, {"sb_person": many}, encoding="GB18030")
    tmp = home / "tmp"
    child = subprocess.Popen([sys.executable, "-m", "workbench.cli", "intake", "--landing", str(landing),
                              "--period", P, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen: list[Path] = []
    deadline = time.monotonic() + 120
    try:
        while child.poll() is None and time.monotonic() < deadline:
            copies = [p for d in _intake_folders(tmp) for p in d.glob("*.utf8.csv")]
            if copies:
                folder = copies[0].parent
                assert stat.S_IMODE(folder.stat().st_mode) == 0o700
                assert stat.S_IMODE(copies[0].stat().st_mode) == 0o600  # personal data, this user only
                assert stat.S_IMODE((folder / ".lock").stat().st_mode) == 0o600
                seen.append(folder)
                break
            time.sleep(0.005)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert seen, f"the run ended before its work copy was seen: {child.stderr.read()!r}"
    assert seen[0].is_dir()  # kill -9: nothing could clean up
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp)], stdout=subprocess.PIPE, text=True)
    try:
        live = Path(holder.stdout.readline().strip())
        assert live.is_dir()
        small = tmp_path / "small"
        delivery(small, P, {"sb_person": PERSONS})
        assert run_intake(str(small), P).tables["sb_person"].loaded == 3
        assert not seen[0].exists()  # the killed run's folder is gone
        assert _intake_folders(tmp) == [live]  # another live run's folder is left alone; ours removed
        holder.send_signal(signal.SIGTERM)  # SIGTERM still runs the clean-up
        assert holder.wait(timeout=30) == 128 + signal.SIGTERM
        assert not live.exists()
    finally:
        holder.kill()
        holder.wait()


# -- manifest errors: the delivery refused, exit 3 --------------------------------------

@pytest.mark.parametrize("manifest", [None, b"file,table\xff\n", b"file,table,rows\nx,sb_person,1\n",
                                      b"file,table,rows,sha256,encoding\nsb_person.csv,sb_person,1\n"],
                         ids=["missing", "not-utf8", "header", "fields"])
def test_missing_or_unreadable_manifest_refuses_the_delivery(home, tmp_path, manifest):
    folder = delivery(tmp_path, P, {"sb_person": PERSONS})
    if manifest is None:
        (folder / "MANIFEST.csv").unlink()
    else:
        (folder / "MANIFEST.csv").write_bytes(manifest)
    done = cli("intake", "--landing", str(tmp_path), "--period", P)
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")
    assert "MANIFEST.csv" in done.stderr
    [entry] = log()
    assert (entry["file"], entry["status"], entry["table_name"]) == ("MANIFEST.csv", "refused", None)
    assert "\x00" not in entry["reason"] and entry["reason"] in done.stderr.removeprefix("Error: ")


def test_control_characters_in_a_manifest_file_name_refuse_that_file(backend, tmp_path):
    """The name is refused by the shared FILE_NAME field and reaches the log escaped (a NUL
    in the log would abort the run on PostgreSQL)."""
    folder = tmp_path / P
    good = write_table(folder, "jm_person", RESIDENTS)
    write_manifest(folder, [{**good, "file": "sb\x00person.csv", "table": "sb_person"}, good])
    result = run_intake(str(tmp_path), P)
    [refused] = result.refused
    assert refused.refused == "manifest file name 'sb\\x00person.csv' contains a control character " \
                              "(U+0000) at character 3"
    assert result.tables["jm_person"].loaded == 2
    entry = {r["status"]: r for r in log()}["refused"]
    assert entry["file"] == "sb\\x00person.csv" and entry["reason"] == refused.refused


# -- EMPTY_SNAPSHOT ----------------------------------------------------------------------

def test_header_only_snapshot_is_refused_unless_allowed(backend, tmp_path):
    landing = tmp_path / "landing"
    delivery(landing, EARLIER, {"sb_person": PERSONS, "jm_person": RESIDENTS})
    delivery(landing, P, {"sb_person": [], "jm_person": RESIDENTS, "sb_contrib": []})
    first = run_intake(str(landing), P)  # no earlier period yet: an empty snapshot loads
    assert first.tables["sb_person"].refused is None
    run_intake(str(landing), EARLIER)
    result = run_intake(str(landing), P)
    refused = result.tables["sb_person"]
    assert refused.refused.startswith(f"EMPTY_SNAPSHOT: no data rows, while {EARLIER} had 3")
    assert "--allow-empty sb_person" in refused.refused and result.exit_code == 3
    assert result.tables["sb_contrib"].refused is None  # a monthly table may be empty
    assert result.tables["jm_person"].loaded == 2
    assert {r["table_name"]: r["status"] for r in log()[-3:]} == {
        "sb_person": "refused", "jm_person": "loaded", "sb_contrib": "loaded"}
    allowed = run_intake(str(landing), P, allow_empty=["sb_person"])
    assert allowed.tables["sb_person"].refused is None and allowed.exit_code == 0
    assert rows("sb_person") == [] and len(rows("sb_person", EARLIER)) == 3


def test_allow_empty_on_the_command_line(home, tmp_path):
    delivery(tmp_path, EARLIER, {"sb_person": PERSONS})
    delivery(tmp_path, P, {"sb_person": []})
    run_intake(str(tmp_path), EARLIER)
    done = cli("intake", "--landing", str(tmp_path), "--period", P)
    assert done.returncode == 3 and "REFUSED: EMPTY_SNAPSHOT" in done.stdout
    done = cli("intake", "--landing", str(tmp_path), "--period", P, "--allow-empty", "sb_person")
    assert done.returncode == 0, done.stdout + done.stderr
    done = cli("intake", "--landing", str(tmp_path), "--period", P, "--allow-empty", "sb_contrib")
    assert done.returncode == 2 and "not a snapshot" in done.stderr


# -- symbolic links ----------------------------------------------------------------------

def test_symbolic_links_are_not_followed_outside_the_landing(home, tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    folder = landing / P
    secret = write_table(outside, "sb_person", PERSONS)  # right checksum, but outside
    inside = write_table(landing / "shared", "jm_person", RESIDENTS)
    folder.mkdir(parents=True)
    (folder / "sb_person.csv").symlink_to(outside / "sb_person.csv")
    (folder / "jm_person.csv").symlink_to(Path("..") / "shared" / "jm_person.csv")
    write_manifest(folder, [secret, inside])
    result = run_intake(str(landing), P)
    refused = result.tables["sb_person"].refused
    assert refused.startswith("OUTSIDE_LANDING: a symbolic link to ") and "not followed" in refused
    assert result.tables["jm_person"].loaded == 2  # a link within the landing folder is fine
    assert rows("sb_person") == []
    (folder / "MANIFEST.csv").rename(outside / "MANIFEST.csv")
    (folder / "MANIFEST.csv").symlink_to(outside / "MANIFEST.csv")
    done = cli("intake", "--landing", str(landing), "--period", P)
    assert done.returncode == 3 and "OUTSIDE_LANDING" in done.stderr


def test_monthly_job_refuses_a_delivery_without_manifest_and_passes_allow_empty(home, tmp_path):
    from workbench.reports.run import run_source_reports

    folder = delivery(tmp_path, P, {"ref_death": []})
    (folder / "MANIFEST.csv").unlink()
    done = cli("monthly", "--landing", str(tmp_path), "--period", P, "--quiet")
    assert done.returncode == 3 and "manifest missing" in done.stderr, done.stderr
    done = cli("monthly", "--landing", str(tmp_path), "--period", P, "--allow-empty", "ref_car_apply")
    assert done.returncode == 2 and "not a snapshot" in done.stderr
    delivery(tmp_path, EARLIER, {"ref_death": [f"{ID},张三,20240301,1,20240305"]})
    delivery(tmp_path, P, {"ref_death": []})
    run_intake(str(tmp_path), EARLIER)
    run_source_reports(str(tmp_path), P, sources=["ref"], allow_empty=["ref_death"])  # the job's intake step
    assert [(r["table_name"], r["status"]) for r in log()] == [(None, "refused"), ("ref_death", "loaded")]
