"""What a newcomer stumbled over on the command line (issue 11, deliverable 8): help on every
option, the exit codes in ``workbench --help``, the role and district codes of ``users add``,
a header on ``users list``, a month 13 named, ``--out`` checked in every command, the second
demo listing its users, one home for the CLI and a kernel started in ``notebooks/``, every
notebook showing the home it read, ``make lab`` as root, and docs that stand on their own."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from workbench import cli, config
from workbench.districts import DISTRICTS
from workbench.office.roles import Role

ROOT = Path(__file__).resolve().parents[1]


def commands(parser: argparse.ArgumentParser | None = None, path: tuple[str, ...] = ()):
    """(argv prefix, parser) of every leaf command of the ``workbench`` parser."""
    parser = parser or cli.build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, sub in subs[0].choices.items():
        yield from commands(sub, (*path, name))


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions
            if not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)]


def run(*argv: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench.cli", *argv], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def clean_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("WORKBENCH_DEBUG", "WORKBENCH_WAREHOUSE", "WORKBENCH_OFFICE_DB")}
    return {**env, "WORKBENCH_HOME": str(tmp_path / "home"), **extra}


def tree(folder: Path) -> set[str]:
    return {str(p) for p in folder.rglob("*")}


# ----------------------------------------------------------------------------- help
def subcommands_without_help(parser: argparse.ArgumentParser, path: str = "workbench") -> list[str]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {c.dest: c.help for c in action._choices_actions}
            for name, sub in action.choices.items():
                if not (helped.get(name) or "").strip():
                    out.append(f"{path} {name}")
                out += subcommands_without_help(sub, f"{path} {name}")
    return out


def test_every_command_and_option_has_help() -> None:
    found = list(commands())
    assert len(found) >= 20
    assert subcommands_without_help(cli.build_parser()) == []
    missing = [(" ".join(path), a.dest) for path, parser in found for a in options(parser)
               if not (a.help or "").strip()]
    assert missing == [], f"options without help text: {missing}"


def test_help_lists_the_exit_codes() -> None:
    done = run("--help")
    assert done.returncode == 0
    text = done.stdout
    assert "exit codes" in text
    for code, words in ((0, "done"), (1, "a check failed"), (2, "bad arguments or environment"),
                        (3, "refused input"), (4, "inconclusive")):
        assert re.search(rf"^\s+{code}\s+{re.escape(words)}", text, re.MULTILINE), (code, text)
    assert [c for c, _ in cli.EXIT_CODES] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("action", ["add", "roles"])
def test_users_help_lists_the_role_and_district_codes(action: str) -> None:
    done = run("users", action, "--help")
    assert done.returncode == 0
    text = re.sub(r"\s+", " ", done.stdout)
    for role in Role:
        assert role.value in text and role.label in text, role
    assert Role.ANNUITY_REPORTER.value in text
    for code in DISTRICTS:
        assert code in text


def test_a_district_role_without_district_says_so_in_one_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    for argv, what in ((["users", "add", "xiaoli", "--role", "district_handler"],
                        "district_handler is a district role and needs --district"),
                       (["users", "add", "xiaoli", "--role", "district_reviewer", "--district", "110199"],
                        "district '110199' is not one of the 17 districts")):
        done = run(*argv, env=env)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"Error: {what}"), done.stderr
        assert "None" not in done.stderr and "…" not in done.stderr
        assert all(f"{code} {name}" in done.stderr for code, name in DISTRICTS.items())
        assert done.stdout == ""
    assert not (tmp_path / "home").exists()  # refused before the office database was opened


def test_users_list_has_a_header(office: str, tmp_path: Path) -> None:
    env = clean_env(tmp_path, WORKBENCH_OFFICE_DB=office)
    assert run("users", "add", "zhangsan", "--role", "city_handler", "--name", "张三", env=env).returncode == 0
    done = run("users", "list", env=env)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split()[:4] == ["user", "district", "state", "roles"] and "display name" in header
    assert len(rows) == 1 and rows[0].split()[:4] == ["zhangsan", "-", "active", "city_handler"]
    assert rows[0].endswith("张三")


# ----------------------------------------------------------------------------- --period
def filled(path: tuple[str, ...], parser: argparse.ArgumentParser, tmp: Path, period: str) -> list[str] | None:
    """argv running ``path`` with every required argument given (``--period`` = ``period``),
    or None when it has no --period."""
    if not any(a.dest == "period" for a in options(parser)):
        return None
    argv = [*path]
    for a in options(parser):
        if a.dest == "period":
            argv += [a.option_strings[0], period]
        elif a.required or not a.option_strings:
            value = {"out": str(tmp / "out"), "landing": str(tmp / "landing"), "role": "admin"}.get(a.dest, "x")
            argv += [*a.option_strings[:1], value]
    return argv


def test_every_period_names_a_bad_month(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", f"sqlite:///{tmp_path / 'office.sqlite'}")
    checked = []
    for path, parser in commands():
        for period, words in (("202413", "month 13 is not 01–12"), ("202400", "month 00 is not 01–12"),
                              ("2024-06", "expected YYYYMM (six digits)")):
            argv = filled(path, parser, tmp_path, period)
            if argv is None:
                break
            assert cli.main(argv) == 2, argv
            err = capsys.readouterr().err
            assert err.startswith(f"Error: invalid period {period!r}: {words}") and err.count("\n") == 1, (argv, err)
        else:
            checked.append(" ".join(path))
    assert {"synth", "intake", "rejects export", "report", "indicators", "monthly", "problems export",
            "package export", "demo"} <= set(checked)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing created, not even the home


# ----------------------------------------------------------------------------- --out
def test_every_out_option_is_declared_and_checked_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture) -> None:
    """Every command with a file or folder to write (``--out``, ``--report``) is in cli.OUTPUTS, and
    a folder that does not exist is exit 2 with one line, nothing created (security.md)."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", f"sqlite:///{tmp_path / 'office.sqlite'}")
    writers = []
    for path, parser in commands():
        for a in options(parser):
            if a.dest not in ("out", "report"):
                continue
            key = (path[0], path[1] if len(path) > 1 else None)
            assert key in cli.OUTPUTS and cli.OUTPUTS[key][0] == a.dest, f"{' '.join(path)} {a.option_strings[0]}"
            writers.append(" ".join(path))
            argv = [*path]
            for b in options(parser):
                if b is a:
                    argv += [a.option_strings[0], str(tmp_path / "missing" / "result.csv")]
                elif b.dest == "period":
                    argv += [b.option_strings[0], "202406"]
                elif b.dest == "dialect":
                    argv += [b.option_strings[0], (b.choices or ["sqlite"])[0]]
                elif b.required or not b.option_strings:
                    argv += [*b.option_strings[:1], str(tmp_path / "landing")]
            assert cli.main(argv) == 2, argv
            err = capsys.readouterr().err
            assert err.startswith(f"Error: {a.option_strings[0]} ") and err.count("\n") == 1, (argv, err)
            assert "does not exist" in err and "create it first" in err
    assert {"synth", "intake", "rejects export", "catalogue", "problems export", "package export"} <= set(writers)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing created: no output, home or office


# ----------------------------------------------------------------------------- demo users
def test_a_second_demo_lists_its_users_without_passwords(office: str, capsys: pytest.CaptureFixture) -> None:
    from workbench.demo import DEMO_USERS, demo_users, print_demo_users

    created = demo_users(office)
    print_demo_users(created, office)
    first = capsys.readouterr().out
    assert "passwords are shown only now" in first and all(c[3] in first for c in created)
    assert "earlier run" not in first
    print_demo_users(demo_users(office), office)
    second = capsys.readouterr().out
    assert "earlier run" in second and "workbench users reset NAME" in second
    lines = second.splitlines()[1:]
    assert [line.split()[0] for line in lines] == [u[0] for u in DEMO_USERS]
    assert "朝阳区" in second and "市级" in second and Role.ADMIN.label in second
    assert not any(c[3] in second for c in created)  # no password printed again


# ----------------------------------------------------------------------------- the home
def home_of(cwd: Path, env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", "from workbench.config import settings; print(settings().home)"],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_default_home_is_the_projects_wherever_a_kernel_starts() -> None:
    """A kernel started in notebooks/ (JupyterLab) and the CLI at the top read one home, whether
    WORKBENCH_HOME is unset or the relative ./var of the README."""
    assert config.project_root() == ROOT
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_HOME"}
    expected = str(ROOT / "var")
    assert home_of(ROOT, env) == home_of(ROOT / "notebooks", env) == expected
    for given in ("./var", "var"):
        assert home_of(ROOT / "notebooks", {**env, "WORKBENCH_HOME": given}) == expected
    assert not (ROOT / "notebooks" / "var").exists()


def test_without_a_checkout_the_home_is_taken_from_the_current_folder(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "project_root", lambda: None)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_HOME", raising=False)
    assert config.home() == tmp_path / "var"
    monkeypatch.setenv("WORKBENCH_HOME", "elsewhere/home")
    assert config.settings().home == tmp_path / "elsewhere" / "home"


def test_the_command_exports_the_home_it_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}
    monkeypatch.setenv("WORKBENCH_HOME", "var")
    monkeypatch.setattr(cli, "_dispatch", lambda args: seen.setdefault("home", os.environ["WORKBENCH_HOME"]) and 0)
    assert cli.main(["catalogue"]) == 0
    assert seen["home"] == str(ROOT / "var")  # absolute, for kernels and servers started from here
    assert os.environ["WORKBENCH_HOME"] == "var"  # restored afterwards


def test_every_notebook_shows_the_home_it_read() -> None:
    from workbench.contract import SOURCES
    from workbench.reports import templates

    names = [*SOURCES, *templates.REPORTS]
    for name in names:
        path = templates.report_notebook_path(name) if name in templates.REPORTS else \
            templates.notebook_path(name)
        assert path.read_text(encoding="utf-8") == templates.text(name), (
            f"{path.name} differs from workbench/reports/templates.py: run python -m workbench.reports.templates")
        code = [c for c in nbformat.reads(templates.text(name), as_version=4).cells if c.cell_type == "code"]
        assert code[0].metadata.tags == ["parameters"] and code[1].source == templates.HOME_NOTE, name
    assert len(names) == 9


def test_the_home_note_names_the_home_and_hides_passwords(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.reports.notebook import home_note

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "h"))
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", "postgresql+psycopg://wb:s3cret@db.example/office")
    monkeypatch.delenv("WORKBENCH_WAREHOUSE", raising=False)
    text = home_note().data
    assert f"`{tmp_path / 'h'}`" in text and "WORKBENCH_HOME" in text
    assert f"duckdb://{tmp_path / 'h' / 'warehouse.duckdb'}" in text
    assert "wb@db.example/office" in text and "s3cret" not in text


# ----------------------------------------------------------------------------- make lab
def test_make_lab_allows_root_only_as_root() -> None:
    done = subprocess.run(["make", "-n", "lab"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    lab = [line for line in done.stdout.splitlines() if "jupyter lab" in line]
    assert len(lab) == 1
    assert ("--allow-root" in lab[0]) == (os.getuid() == 0)


# ----------------------------------------------------------------------------- the docs
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SOURCES_TEXT = [*DOCS, *sorted((ROOT / "workbench").rglob("*.py")), *sorted((ROOT / "apps").glob("*.py")),
                *sorted((ROOT / "parameters").rglob("*.yaml")), ROOT / "Makefile", ROOT / "pyproject.toml"]


def test_the_docs_stand_on_their_own() -> None:
    """Nothing points outside the repository (the specification folder beside the checkout is
    not shipped), and every docs/ file or .md name mentioned is a file of the repository."""
    outside = [str(p.relative_to(ROOT)) for p in SOURCES_TEXT if "shared/spec" in p.read_text(encoding="utf-8")]
    assert outside == []
    known = {p.name for p in DOCS}
    unknown = set()
    for p in SOURCES_TEXT:
        for name in re.findall(r"(?<![\w/.-])(?:docs/)?([\w-]+\.md)\b", p.read_text(encoding="utf-8")):
            if name not in known:
                unknown.add((str(p.relative_to(ROOT)), name))
    assert unknown == set(), f"mentions of documents that are not in the repository: {sorted(unknown)}"
