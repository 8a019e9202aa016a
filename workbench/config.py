"""Where data live: WORKBENCH_HOME, the warehouse URL and the office database URL (cli.md),
and where the installed package keeps its parameters and notebooks.

``WORKBENCH_HOME`` defaults to ``./var`` of the *project*, not of whatever folder a process
happens to start in: in a checkout (also an editable install) that is the folder holding the
project's ``pyproject.toml`` beside the ``workbench`` package, so a JupyterLab kernel started
in ``notebooks/`` reads the same home as ``workbench`` run at the top; for an installed wheel
(no checkout) it is the current folder. A relative ``WORKBENCH_HOME`` is taken from the same
base. The ``workbench`` command exports the resolved, absolute home to the processes it starts
(papermill kernels, the web server), so every step of a run reads one home.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

PROJECT = "fund-supervision-workbench"  # [project] name in pyproject.toml
DEFAULT_HOME = "var"


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse_url: str
    office_url: str

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def deliveries(self) -> Path:
        """Raw deliveries as received (FTP downloads are archived here)."""
        return self.home / "deliveries"

    @property
    def tmp(self) -> Path:
        return self.home / "tmp"


@functools.cache
def project_root() -> Path | None:
    """The checkout this package runs from (the folder holding this project's ``pyproject.toml``
    next to the ``workbench`` package), or None for an installed wheel."""
    folder = Path(__file__).resolve().parent.parent
    pyproject = folder / "pyproject.toml"
    try:
        text = pyproject.read_text(encoding="utf-8")
    except OSError:
        return None
    return folder if re.search(rf'^name\s*=\s*"{re.escape(PROJECT)}"', text, re.MULTILINE) else None


def base() -> Path:
    """What a relative (or the default) WORKBENCH_HOME is taken from: the project root, else
    the current folder."""
    return project_root() or Path.cwd()


def home() -> Path:
    """WORKBENCH_HOME, absolute (default ``var`` under ``base()``)."""
    given = os.environ.get("WORKBENCH_HOME") or ""
    path = Path(given.strip() or DEFAULT_HOME).expanduser()
    return (path if path.is_absolute() else base() / path).resolve()


def export_home() -> Path:
    """Set WORKBENCH_HOME to the resolved, absolute home for the processes started from here
    (kernels, servers); return it."""
    path = home()
    os.environ["WORKBENCH_HOME"] = str(path)
    return path


def settings() -> Settings:
    """Read the environment anew (tests and notebooks change it between calls)."""
    where = home()
    warehouse = os.environ.get("WORKBENCH_WAREHOUSE") or f"duckdb://{where / 'warehouse.duckdb'}"
    office = os.environ.get("WORKBENCH_OFFICE_DB") or f"sqlite:///{where / 'office.sqlite'}"
    return Settings(home=where, warehouse_url=warehouse, office_url=office)


def package_folder(name: str) -> Path:
    """The installed folder of the package data ``workbench.<name>`` (``parameters``,
    ``notebooks``, ``apps``): in a wheel the installed copy, in a checkout the repository's
    top-level folder (mapped into the package by pyproject.toml)."""
    return Path(os.fspath(files(f"workbench.{name}")))

