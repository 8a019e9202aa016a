"""The layers of docs/architecture.md hold: no module imports a module of a higher layer, and
every module has a row in the table (the table in the doc is what this test reads)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
ROW = re.compile(r"^\|\s*(workbench[\w.*]*)\s*\|\s*(\d)\s*\|")


def layer_table(text: str) -> dict[str, int]:
    rows = {m.group(1): int(m.group(2)) for line in text.splitlines() if (m := ROW.match(line))}
    assert rows, "docs/architecture.md has no layer table"
    return rows


def layer_of(module: str, table: dict[str, int]) -> int | None:
    """The most specific row: the module itself, else the nearest package row ``pkg.*``."""
    if module in table:
        return table[module]
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if (row := ".".join(parts[:n]) + ".*") in table:
            return table[row]
    return None


def module_files() -> dict[str, Path]:
    """Every module of workbench/ and apps/ (installed as workbench.apps), migrations aside
    (Alembic loads them; they import only models and SQLAlchemy)."""
    out: dict[str, Path] = {}
    for base, prefix in ((ROOT / "workbench", ["workbench"]), (ROOT / "apps", ["workbench", "apps"])):
        for path in base.rglob("*.py"):
            rel = path.relative_to(base).with_suffix("").parts
            if "migrations" in rel:
                continue
            parts = prefix + [p for p in rel if p != "__init__"]
            out[".".join(parts)] = path
    return out


def imports(path: Path, module: str, known: set[str]) -> set[str]:
    """Workbench modules ``path`` imports anywhere (top level or inside functions)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for a in node.names:
                full = f"{base}.{a.name}"
                found.add(full if full in known else base)
    return {m for m in found if m == "workbench" or m.startswith("workbench.")}


def test_every_module_has_a_layer():
    table = layer_table(DOC.read_text(encoding="utf-8"))
    missing = sorted(m for m in module_files() if layer_of(m, table) is None)
    assert not missing, f"modules without a row in docs/architecture.md: {missing}"


def test_no_module_imports_a_higher_layer():
    table = layer_table(DOC.read_text(encoding="utf-8"))
    files = module_files()
    known = set(files)
    wrong = []
    for module, path in sorted(files.items()):
        mine = layer_of(module, table)
        for target in sorted(imports(path, module, known)):
            theirs = layer_of(target, table)
            if mine is not None and theirs is not None and theirs > mine:
                wrong.append(f"{module} (layer {mine}) imports {target} (layer {theirs})")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("source", "importer", "message"), [
    ("from workbench.web import ui\n", "workbench.office.workflow", "workbench.web.ui (layer 5)"),
    ("def f():\n    from workbench.office import db\n", "workbench.indicators.runner", "workbench.office.db (layer 4)"),
    ("import workbench.apps.queue\n", "workbench.cli", None),
])
def test_the_check_catches_an_upward_import(tmp_path: Path, source: str, importer: str, message: str | None):
    """The check itself can fail: a planted upward import (also inside a function) is named."""
    table = layer_table(DOC.read_text(encoding="utf-8"))
    planted = tmp_path / "planted.py"
    planted.write_text(source, encoding="utf-8")
    known = set(module_files())
    mine = layer_of(importer, table)
    upward = [f"{t} (layer {layer_of(t, table)})" for t in imports(planted, importer, known)
              if (layer_of(t, table) or 0) > (mine or 0)]
    if message is None:
        assert upward == []
    else:
        assert upward == [message]
