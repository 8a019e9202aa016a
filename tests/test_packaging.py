"""The wheel carries everything the workbench needs (issue 11, deliverable 6): the pages
(``workbench.apps``), the parameters (``workbench.parameters``) and the notebooks
(``workbench.notebooks``), found from the installed package, never from a checkout.

The test builds the wheel offline (``pip wheel --no-deps --no-build-isolation``) from a copy
of the sources, installs it into a fresh virtual environment that reuses this environment's
installed dependencies through a ``.pth`` file and ``JUPYTER_PATH`` (nothing is downloaded),
and runs ``workbench demo --persons 2000`` from an empty folder with WORKBENCH_HOME unset."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("workbench", "apps", "parameters", "notebooks")  # what pyproject.toml maps into the wheel


def build_wheel(tmp: Path) -> Path:
    """The wheel of the working tree's sources (copied: the build leaves nothing in the checkout)."""
    src = tmp / "src"
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, src / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "var"))
    shutil.copy2(ROOT / "pyproject.toml", src / "pyproject.toml")
    dist = tmp / "dist"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                           "--no-index", "-q", "-w", str(dist)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    [wheel] = dist.glob("fund_supervision_workbench-*.whl")
    return wheel


def fresh_venv(tmp: Path, wheel: Path) -> Path:
    """A new virtual environment with only the wheel installed; this environment's site-packages
    (the project's dependencies) added by a .pth file. Returns its bin folder."""
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                           "-q", str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return venv / "bin"


def test_the_wheel_holds_every_module_page_parameter_and_notebook(tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(build_wheel(tmp_path)).namelist())
    expected = {f"workbench/{p.relative_to(ROOT / 'workbench')}" for p in (ROOT / "workbench").rglob("*.py")
                if "__pycache__" not in p.parts}
    expected |= {f"workbench/apps/{p.name}" for p in (ROOT / "apps").glob("*.py")}
    expected |= {f"workbench/parameters/{p.relative_to(ROOT / 'parameters')}"
                 for p in (ROOT / "parameters").rglob("*.yaml")}
    expected |= {f"workbench/notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert sorted(expected - names) == []  # a new subpackage must be listed in pyproject.toml's packages
    assert "workbench/office/migrations/script.py.mako" in names


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 27 notebooks in kernels of their own: minutes, more on a loaded machine
def test_the_installed_wheel_runs_the_demo_from_an_empty_folder(tmp_path: Path) -> None:
    bin_ = fresh_venv(tmp_path, build_wheel(tmp_path))
    where = tmp_path / "empty"
    where.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_") and k != "PYTHONPATH"}
    env["PATH"] = f"{bin_}{os.pathsep}{env.get('PATH', '')}"
    # the dependencies' data files (nbconvert's templates) stay where this environment installed them
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")

    probe = subprocess.run(
        [str(bin_ / "python"), "-c",
         "import workbench, workbench.apps, workbench.config as c, workbench.params as p, workbench.reports.run as r\n"
         "print(workbench.__file__); print(c.package_folder('apps')); print(p.DEFAULT_DIR); print(r.NOTEBOOKS)\n"
         "print(c.project_root()); print(c.settings().home)"],
        capture_output=True, text=True, cwd=where, env=env, timeout=120)
    assert probe.returncode == 0, probe.stderr
    package, apps, parameters, notebooks, root, home = probe.stdout.split("\n")[:6]
    installed = Path(package).parent
    assert installed.is_relative_to(tmp_path / "venv")  # the wheel's copy, not the checkout
    assert (Path(apps), Path(parameters), Path(notebooks)) == (installed / "apps", installed / "parameters",
                                                               installed / "notebooks")
    assert root == "None" and Path(home) == where / "var"  # no checkout: the home is taken from the current folder

    done = subprocess.run([str(bin_ / "workbench"), "demo", "--persons", "2000"], capture_output=True, text=True,
                          cwd=where, env=env, timeout=1700)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    home = where / "var"
    assert f"WORKBENCH_HOME = {home}" in out and "2,000 persons" in out
    reports = [Path(line.strip()) for line in out.split("Done. Open the reports:")[1].splitlines()
               if line.strip().endswith(".html")]
    assert {p.name for p in reports} >= {"intake_sb.html", "indicators.html", "statistics.html"}
    assert all(p.is_file() and p.is_relative_to(home / "reports") for p in reports)
    assert f"Office database: sqlite:///{home / 'office.sqlite'}" in out and (home / "office.sqlite").is_file()
    assert (home / "warehouse.duckdb").is_file()
    users = re.findall(r"^  (\w+)\s+(\w{16})  ", out.split("Demo users (passwords are shown only now):")[1],
                       re.MULTILINE)
    assert {"admin", "cityh", "cityr", "dh110105"} <= {u for u, _ in users}
    page = (home / "reports" / "202406" / "statistics.html").read_text(encoding="utf-8")
    assert str(home) in page  # the report says which home it read
    assert sorted(p.name for p in where.iterdir()) == ["var"]  # nothing else written to the current folder

    listed = subprocess.run([str(bin_ / "workbench"), "users", "list"], capture_output=True, text=True,
                            cwd=where, env=env, timeout=120)
    assert listed.returncode == 0 and listed.stdout.splitlines()[0].startswith("user ")
    assert len(listed.stdout.splitlines()) == 1 + len(users)
