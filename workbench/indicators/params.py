"""Indicator parameters: defaults in ``parameters/indicators/*.yaml``, overrides per run.

The folder holds one file per business line; together they have a ``common`` section
(e.g. retirement ages, shared by the indicators that name them) and one section per
indicator code. An indicator declares the parameter names
it reads (``@indicator(..., params=(...))``); the default's YAML type is the parameter's
type, so ``--param YL-005.base_jump_ratio=2.5`` is parsed as a float and
``--param YL-005.base_jump_ratio=abc`` is refused, naming the parameter.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from workbench import params as param_files
from workbench.errors import ParameterError, suggest

FILE = "indicators/*.yaml"


def defaults() -> dict[str, dict[str, Any]]:
    """{'common': {...}, 'YL-005': {...}, ...} from every file of parameters/indicators/."""
    folder = param_files.directory() / "indicators"
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ParameterError(f"no indicator parameters in {folder}")
    data: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}
    for path in files:
        try:
            part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ParameterError(f"{path}: not valid YAML: {exc}") from None
        for section, values in part.items():
            if not isinstance(values, dict):
                raise ParameterError(f"{path}: section {section!r} must be a mapping")
            if section in seen:
                raise ParameterError(f"{path}: section {section!r} already in {seen[section]}")
            seen[section] = path.name
            data[section] = values
    return data


def for_indicator(code: str, names: tuple[str, ...], table: dict[str, dict[str, Any]] | None = None,
                  overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The parameters of indicator ``code``: its own section, then ``common``, then overrides."""
    table = defaults() if table is None else table
    own, common = table.get(code, {}), table.get("common", {})
    out = {}
    for name in names:
        if name in own:
            out[name] = own[name]
        elif name in common:
            out[name] = common[name]
        else:
            raise ParameterError(f"parameters/{FILE}: no default for {code}.{name}")
    for name, value in (overrides or {}).items():
        out[name] = value
    return out


def parse_overrides(items: list[str], declared: dict[str, tuple[str, ...]],
                    table: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Parse ``CODE.name=value`` items into typed overrides, refusing unknown codes and
    names and values of the wrong type, each with one message naming it."""
    table = defaults() if table is None else table
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        target, sep, raw = item.partition("=")
        code, dot, name = target.strip().rpartition(".")
        if not sep or not dot:
            raise ParameterError(f"--param {item!r}: expected CODE.name=value, e.g. YL-005.base_jump_ratio=2.5")
        if code not in declared:
            raise ParameterError(f"--param {item!r}: unknown indicator {code!r}{suggest(code, list(declared))}")
        if name not in declared[code]:
            hint = suggest(name, list(declared[code])) or (
                f"; {code} has parameters {', '.join(declared[code])}" if declared[code] else
                f"; {code} has no parameters")
            raise ParameterError(f"--param {item!r}: {code} has no parameter {name!r}{hint}")
        default = for_indicator(code, (name,), table)[name]
        out.setdefault(code, {})[name] = coerce(raw.strip(), default, f"{code}.{name}")
    return out


def coerce(raw: str, default: Any, where: str) -> Any:
    """``raw`` converted to the type of ``default`` (YAML syntax for lists and tables)."""
    try:
        if isinstance(default, bool):
            value = yaml.safe_load(raw)
            if not isinstance(value, bool):
                raise ValueError
            return value
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, str):
            return raw
        value = yaml.safe_load(raw)
        if type(value) is not type(default):
            raise ValueError
        return value
    except (ValueError, yaml.YAMLError):
        kind = type(default).__name__
        raise ParameterError(f"--param {where}={raw}: expected a {kind} like {json.dumps(default)}") from None
