"""``--out`` of every command (security.md, "Hostile input"), with the office on SQLite and
PostgreSQL: a folder that does not exist, or an existing folder where a file is expected (a
file where a folder is expected), ends with exit 2 and one line before any work, and nothing
is created (no output, no warehouse, no office tables, no log record); a failure in the middle
of writing leaves no partial file behind and an earlier output as it was."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench import outputs
from workbench.errors import UsageError
from workbench.office import db

ROOT = Path(__file__).resolve().parents[2]
CSV_WRITER = csv.writer

# (argv before --out, what is expected: "file", "folder" (new or empty), "zip", "landing" (a folder, new or not))
COMMANDS = [
    (["rejects", "export", "--period", "202406", "--out"], "file"),
    (["problems", "export", "--period", "202406", "--out"], "file"),
    (["catalogue", "--out"], "file"),
    (["intake", "--landing", "{tmp}/landing", "--period", "202406", "--report"], "file"),
    (["package", "export", "--period", "202406", "--out"], "folder"),
    (["package", "export", "--period", "202406", "--out"], "zip"),
    (["synth", "--period", "202406", "--persons", "100", "--out"], "landing"),
]
IDS = ["rejects", "problems", "catalogue", "intake-report", "package-folder", "package-zip", "synth"]


def tree(*folders: Path) -> set[str]:
    """Every path under ``folders`` (what a command may have created)."""
    return {str(p) for f in folders if f.exists() for p in [f, *f.rglob("*")]}


def run(argv: list[str], tmp: Path, office: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKBENCH_HOME": str(tmp / "home"), "WORKBENCH_OFFICE_DB": office}
    for name in ("WORKBENCH_DEBUG", "WORKBENCH_WAREHOUSE"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "workbench.cli", *[a.format(tmp=tmp) for a in argv]], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def refused(r: subprocess.CompletedProcess, option: str) -> None:
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"Error: {option} ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""


@pytest.mark.parametrize(("argv", "kind"), COMMANDS, ids=IDS)
def test_out_checked_before_any_work(office: str, tmp_path: Path, argv: list[str], kind: str) -> None:
    option = argv[-1]
    out = tmp_path / "out"
    out.mkdir()
    (out / "earlier.csv").write_text("kept\n", encoding="utf-8")
    name = {"file": "result.csv", "folder": "result", "zip": "result.zip", "landing": "result"}[kind]
    bad = [tmp_path / "missing" / name,                    # a folder that does not exist
           tmp_path / "missing" / "deeper" / name]
    if kind == "zip":
        (out / name).mkdir()
    # a folder where a file is expected, a file where a folder is expected, a folder not empty
    bad += {"file": [out], "zip": [out / name], "folder": [out / "earlier.csv", out],
            "landing": [out / "earlier.csv"]}[kind]
    before = tree(tmp_path)
    for target in bad:
        refused(run([*argv, str(target)], tmp_path, office), option)
        assert tree(tmp_path) == before  # nothing created: no output, no home, no warehouse, no office file
    assert (out / "earlier.csv").read_text(encoding="utf-8") == "kept\n"
    assert not db.has_schema(office)  # the office database was not even migrated (nor the export logged)


def test_a_good_out_is_written(office: str, tmp_path: Path) -> None:
    out = tmp_path / "catalogue.csv"
    r = run(["catalogue", "--out", str(out)], tmp_path, office)
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8").startswith("code,name,")
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("office")) == ["catalogue.csv"]


def test_out_names_go_through_the_file_name_field(tmp_path: Path) -> None:
    for name in ("a\u202eb.csv", "x" * 201 + ".csv", "a\x1bb.csv"):
        with pytest.raises(Exception) as e:
            outputs.check_out(tmp_path / name)
        assert getattr(e.value, "exit_code", None) == 2


# ---------------------------------------------------------------- failures in the middle of writing
class FailingWriter:
    """A csv writer that writes the first row and then fails (a full disk, a lost mount)."""

    def __init__(self, f, **kw) -> None:
        self.w = CSV_WRITER(f, **kw)
        self.f = f

    def writerow(self, row) -> None:
        self.w.writerow(row)
        self.f.flush()
        raise OSError(28, "No space left on device")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_problems_export_fails_midway(office: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_office_publish import evaluation

    from workbench.office import exports
    from workbench.office.publish import publish

    db.upgrade(office)
    publish([evaluation("A01", [("110101199001011234", "110105", "1"), ("110101199001015678", "110105", "2")])],
            "202406", office)
    out = tmp_path / "out"
    out.mkdir()
    exports.export_problems("202406", out / "p.csv", office)
    good = (out / "p.csv").read_bytes()
    monkeypatch.setattr(exports.csv, "writer", FailingWriter)
    with pytest.raises(OSError, match="No space"):
        exports.export_problems("202406", out / "p.csv", office)
    with pytest.raises(OSError, match="No space"):
        exports.export_problems("202406", out / "new.csv", office)
    assert leftovers(out) == ["p.csv"] and (out / "p.csv").read_bytes() == good


def test_rejects_export_fails_midway(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.intake import exports

    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(exports.csv, "writer", FailingWriter)
    with pytest.raises(OSError, match="No space"):
        exports.export_rejects("202406", out / "rejects.csv")
    assert leftovers(out) == []


def disk_full(*_args) -> None:
    raise OSError(28, "No space left on device")


def test_catalogue_report_and_zip_fail_at_the_last_moment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything written, then the flush to disk fails: nothing is left (atomic_write)."""
    from workbench.indicators.catalogue import write_csv
    from workbench.intake.run import IntakeResult
    from workbench.office.package import Package

    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(outputs.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_csv(out / "catalogue.csv")
    with pytest.raises(OSError, match="No space"):
        IntakeResult("202406", "folder", {}, [], []).write_report(out / "intake.json")
    with pytest.raises(OSError, match="No space"):
        Package("202406", {"a.csv": b"x\n"}).write(out / "pkg.zip")
    assert leftovers(out) == []


def test_package_folder_fails_midway(tmp_path: Path) -> None:
    from workbench.office.package import Package

    pkg = Package("202406", {"a.csv": b"a\n", "b.csv": b"b\n", "no/such/c.csv": b"c\n"})
    with pytest.raises(FileNotFoundError):
        pkg.write(tmp_path / "pkg")
    assert leftovers(tmp_path) == []  # neither the folder nor its temporary twin
    (tmp_path / "empty").mkdir()
    Package("202406", {"a.csv": b"a\n"}).write(tmp_path / "empty")  # an empty folder is replaced
    assert leftovers(tmp_path / "empty") == ["a.csv"]
    with pytest.raises(UsageError, match="not an empty folder"):
        Package("202406", {"a.csv": b"a\n"}).write(tmp_path / "empty")
