"""Manifest checks, refusals that leave nothing behind, idempotence and the CLI contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from deliveries import delivery, write_manifest, write_table

from workbench.intake import run_intake
from workbench.warehouse import Warehouse

P = "202406"
ID = "110105198001011238"
PERSONS = [f"P{i},{ID},张三,1,19800101,1,110105,U1,1,20050101" for i in range(5)]
CONTRIBS = [f"C{i},P{i},U1,110,202405,{P},6000,960,480,1" for i in range(5)] + [
    "C9,P1,U1,110,202405,202401,6000,960,480,1"]


def snapshot_of_warehouse() -> dict[str, list]:
    """Every table's rows, sorted, without load timestamps: for equality checks."""
    with Warehouse() as wh:
        out = {}
        for name in sorted(wh.con.list_tables()):
            t = wh.table(name)
            cols = [c for c in t.columns if c not in ("loaded_at", "at", "seconds")]
            if name == "intake_log":
                continue
            out[name] = sorted(map(repr, t.select(cols).to_pyarrow().to_pylist()))
        return out


def count(table: str, period: str = P) -> int:
    with Warehouse() as wh:
        return int(wh.table(table).filter(lambda t: t.delivery_period == period).count().execute())


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_reintake_is_idempotent(home, tmp_path):
    delivery(tmp_path, P, {"sb_person": PERSONS, "sb_contrib": CONTRIBS})
    run_intake(str(tmp_path), P)
    first = snapshot_of_warehouse()
    run_intake(str(tmp_path), P)
    assert snapshot_of_warehouse() == first
    assert count("sb_contrib") == 5 and count("intake_rejects") == 1


def test_periods_are_kept_apart(home, tmp_path):
    delivery(tmp_path, P, {"sb_person": PERSONS})
    delivery(tmp_path, "202407", {"sb_person": PERSONS[:3]})
    run_intake(str(tmp_path), P)
    run_intake(str(tmp_path), "202407")
    run_intake(str(tmp_path), P)
    assert (count("sb_person", P), count("sb_person", "202407")) == (5, 3)


@pytest.mark.parametrize("damage, reason", [
    ("sha", "sha256 mismatch"),
    ("rows", "row count mismatch: manifest 6, file 5"),
    ("encoding", "cannot be decoded as UTF-8"),
    ("header", "header lacks required column(s) id_no"),
    ("missing", "listed in the manifest but missing"),
])
def test_refused_file_leaves_nothing_and_spares_others(home, tmp_path, damage, reason):
    folder = tmp_path / P
    person = write_table(folder, "sb_person", PERSONS, encoding="GB18030")
    contrib = write_table(folder, "sb_contrib", CONTRIBS)
    if damage == "sha":
        person["sha256"] = "0" * 64
    elif damage == "rows":
        person["rows"] = 6
    elif damage == "encoding":
        person["encoding"] = "UTF-8"  # GB18030 bytes of Chinese names are not UTF-8
    elif damage == "header":
        cols = [c for c in ("person_id", "name", "sex", "birth_date", "hukou_type", "district_code",
                            "unit_id", "status", "first_enroll_date")]
        person = write_table(folder, "sb_person", [p.replace(ID + ",", "") for p in PERSONS],
                             header=cols, encoding="GB18030")
    elif damage == "missing":
        (folder / "sb_person.csv").unlink()
    write_manifest(folder, [person, contrib])
    out = run_intake(str(tmp_path), P)
    refused = out.tables["sb_person"]
    assert refused.refused and reason in refused.refused
    assert (refused.rows_in, refused.loaded, refused.rejected, refused.duplicates) == (0, 0, 0, 0)
    assert out.exit_code == 3
    assert count("sb_person") == 0
    with Warehouse() as wh:
        assert wh.table("intake_rejects").filter(lambda t: t.table_name == "sb_person").count().execute() == 0
        assert not [t for t in wh.con.list_tables() if t.startswith("intake_stage_")]
    assert out.tables["sb_contrib"].loaded == 5 and count("sb_contrib") == 5


def test_refusal_on_reintake_keeps_the_previous_load(home, tmp_path):
    delivery(tmp_path, P, {"sb_person": PERSONS})
    run_intake(str(tmp_path), P)
    before = snapshot_of_warehouse()
    (tmp_path / P / "sb_person.csv").write_bytes(b"damaged")
    out = run_intake(str(tmp_path), P)
    assert "sha256 mismatch" in out.tables["sb_person"].refused
    assert snapshot_of_warehouse() == before


def test_undecodable_gb18030_names_the_offset(home, tmp_path):
    folder = tmp_path / P
    row = write_table(folder, "sb_person", PERSONS, encoding="GB18030")
    data = (folder / "sb_person.csv").read_bytes() + b"P9,\x81\x20bad\n"
    (folder / "sb_person.csv").write_bytes(data)
    import hashlib

    row.update(sha256=hashlib.sha256(data).hexdigest(), rows=6)
    write_manifest(folder, [row])
    out = run_intake(str(tmp_path), P)
    assert "cannot be decoded as GB18030" in out.tables["sb_person"].refused
    assert f"(line {len(PERSONS) + 2})" in out.tables["sb_person"].refused


def test_bad_manifest_rows_refuse_their_file(home, tmp_path):
    folder = tmp_path / P
    good = write_table(folder, "sb_person", PERSONS)
    write_manifest(folder, [good, {**good, "file": "x.csv", "table": "sb_persons"},
                            {**good, "file": "y.csv", "table": "sb_unit", "encoding": "BIG5"}])
    out = run_intake(str(tmp_path), P)
    assert "did you mean sb_person" in out.tables["x.csv"].refused
    assert "unknown encoding" in out.tables["sb_unit"].refused
    assert out.tables["sb_person"].loaded == 5


def test_cli_report_json_and_exit_codes(home, tmp_path):
    delivery(tmp_path, P, {"sb_person": PERSONS, "sb_contrib": CONTRIBS})
    report = tmp_path / "r.json"
    done = cli("intake", "--landing", str(tmp_path), "--period", P, "--report", str(report))
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    assert data == {"period": P, "tables": {
        "sb_person": {"rows_in": 5, "loaded": 5, "rejected": 0, "duplicates": 0, "refused": None},
        "sb_contrib": {"rows_in": 6, "loaded": 5, "rejected": 1, "duplicates": 0, "refused": None}}}
    (tmp_path / P / "sb_contrib.csv").write_text("tampered")
    done = cli("intake", "--landing", str(tmp_path), "--period", P, "--report", str(report))
    assert done.returncode == 3
    assert json.loads(report.read_text())["tables"]["sb_contrib"]["refused"].startswith("sha256 mismatch")


@pytest.mark.parametrize("args, code, message", [
    (["intake", "--landing", "{landing}", "--period", "202413"], 2, "invalid period '202413': month 13 is not 01–12"),
    (["intake", "--landing", "{landing}", "--period", "202501"], 2, "no delivery for period 202501"),
    (["intake", "--landing", "{landing}/nowhere", "--period", P], 2, "does not exist"),
    (["intake", "--period", P], 2, "--landing"),
    (["intake", "--landing", "ftp://127.0.0.1:1/x", "--period", P], 2, "cannot reach FTP server"),  # environment
])
def test_cli_bad_input_is_one_line(home, tmp_path, args, code, message):
    delivery(tmp_path, P, {"sb_person": PERSONS})
    done = cli(*[a.format(landing=tmp_path) for a in args])
    assert done.returncode == code
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], done.stderr
    if "FTP" in message:  # an unreachable server leaves nothing behind (no deliveries/ folder)
        assert not (home / "deliveries").exists()


def test_missing_manifest_is_refused(home, tmp_path):
    (tmp_path / P).mkdir()
    done = cli("intake", "--landing", str(tmp_path), "--period", P)
    assert done.returncode != 0 and "manifest missing" in done.stderr


def test_rejects_export_format(home, tmp_path):
    delivery(tmp_path, P, {"sb_contrib": [*CONTRIBS, 'C10,"P,1",U1,110,202405,202401,6000,960,480,1']})
    run_intake(str(tmp_path), P)
    out = tmp_path / "rejects.csv"
    done = cli("rejects", "export", "--period", P, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8").splitlines() == [
        "table,line_no,reason,raw",
        "sb_contrib,7,OUT_OF_PERIOD,\"C9,P1,U1,110,202405,202401,6000,960,480,1\"",
        'sb_contrib,8,OUT_OF_PERIOD,"C10,""P,1"",U1,110,202405,202401,6000,960,480,1"',
    ]


def test_crash_mid_load_leaves_table_as_before(home, tmp_path, monkeypatch):
    delivery(tmp_path, P, {"sb_person": PERSONS})
    run_intake(str(tmp_path), P)
    before = snapshot_of_warehouse()
    delivery(tmp_path, P, {"sb_person": PERSONS[:2]})

    calls = {"n": 0}
    real = Warehouse.transaction

    def failing(self):
        calls["n"] += 1
        return _explode_after_first_statement(real(self))

    monkeypatch.setattr(Warehouse, "transaction", failing)
    with pytest.raises(OSError, match="No space left"):
        run_intake(str(tmp_path), P)
    monkeypatch.setattr(Warehouse, "transaction", real)
    assert calls["n"] == 1
    assert snapshot_of_warehouse() == before


class _explode_after_first_statement:
    """Wrap a transaction so the second statement fails as a full disk would."""

    def __init__(self, inner):
        self.inner = inner

    def __enter__(self):
        execute = self.inner.__enter__()
        state = {"n": 0}

        def run(sql):
            state["n"] += 1
            if state["n"] == 2:
                raise OSError(28, "No space left on device")
            return execute(sql)

        return run

    def __exit__(self, *exc):
        return self.inner.__exit__(*exc)


def test_full_disk_gives_one_line_and_keeps_previous_data(home, tmp_path):
    """A real write failure: the process may not grow files beyond a few MB (RLIMIT_FSIZE)."""
    big = [f"P{i},{ID},张三,1,19800101,1,110105,U1,1,20050101" for i in range(200_000)]
    delivery(tmp_path, P, {"sb_person": PERSONS})
    assert cli("intake", "--landing", str(tmp_path), "--period", P).returncode == 0
    before = snapshot_of_warehouse()
    delivery(tmp_path, P, {"sb_person": big})
    code = (
        "import resource, sys; from workbench.cli import main; "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20)); "
        f"sys.exit(main(['intake', '--landing', {str(tmp_path)!r}, '--period', '{P}']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode not in (0, 3)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: not enough disk space for loading sb_person"), \
        done.stderr
    assert snapshot_of_warehouse() == before


def test_report_json_lists_only_selected_sources(home, tmp_path):
    delivery(tmp_path, P, {"sb_person": PERSONS, "ref_death": [f"{ID},张三,20240101,1,20240105"]})
    out = run_intake(str(tmp_path), P, sources=["ref"])
    assert list(out.report()["tables"]) == ["ref_death"]
    assert count("sb_person") == 0


def test_unknown_source_suggests(home, tmp_path):
    from workbench.errors import UsageError

    delivery(tmp_path, P, {"sb_person": PERSONS})
    with pytest.raises(UsageError, match="did you mean sb"):
        run_intake(str(tmp_path), P, sources=["sbb"])



def test_second_writer_gets_busy_message(home, tmp_path):
    delivery(tmp_path, P, {"sb_person": PERSONS})
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from workbench.warehouse import Warehouse; w = Warehouse(); "
         "w.ensure_schema(); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        done = cli("intake", "--landing", str(tmp_path), "--period", P)
        assert done.returncode == 2  # the environment (cli.md exit codes)
        assert done.stderr.startswith("Error: warehouse duckdb://") and "is busy" in done.stderr
        assert f"PID {holder.pid}" in done.stderr
    finally:
        holder.kill()
        holder.wait()
