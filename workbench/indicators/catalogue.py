"""The indicator catalogue, generated from the registry: CSV (cli.md) and docs/indicators.md.

    python -m workbench.indicators.catalogue     # rewrite docs/indicators.md
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from workbench import outputs
from workbench.indicators import params as iparams
from workbench.indicators.registry import Indicator, all_indicators

HEADER = ("code", "name", "business_line", "kind", "subject_type", "severity", "policy_basis")
DOC = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def row(ind: Indicator) -> tuple[str, ...]:
    return (ind.code, ind.name, ind.business_line.value, ind.kind.value, ind.subject_type.value,
            ind.severity.value, ind.policy_basis)


def to_csv() -> str:
    """The catalogue as UTF-8 CSV text, one row per registered indicator."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(row(i) for i in all_indicators())
    return buf.getvalue()


def write_csv(out: Path | None) -> int:
    text = to_csv()
    if out is None:
        sys.stdout.write(text)
    else:
        outputs.write_text(outputs.check_out(out), text)
    return text.count("\n") - 1


def markdown() -> str:
    """docs/indicators.md: every indicator with its metadata, parameters and description."""
    inds = all_indicators()
    defaults = iparams.defaults()
    lines = [
        "# Indicator catalogue (监督指标目录)",
        "",
        "Generated from the registry by `python -m workbench.indicators.catalogue`; do not edit.",
        f"{len(inds)} indicators, {sum(i.core for i in inds)} of them the core set of",
        "docs/indicators-core.md (its common terms). Parameters: defaults in `parameters/indicators/`,",
        "overridable per run with `workbench indicators --param CODE.name=value`.",
        "",
        "| code | name | line | kind | subject | severity | amount | parameters |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i in inds:
        values = iparams.for_indicator(i.code, i.params, defaults)
        shown = ", ".join(f"`{k}`={v}" for k, v in values.items() if not isinstance(v, list | dict))
        shown += "".join(f", `{k}` (table)" for k, v in values.items() if isinstance(v, list | dict))
        lines.append(f"| {i.code}{' ★' if i.core else ''} | {i.name} | {i.business_line.value} | {i.kind.value} "
                     f"| {i.subject_type.value} | {i.severity.value} | {'✓' if i.has_amount else '—'} "
                     f"| {shown.lstrip(', ') or '—'} |")
    lines += ["", "★ core indicator (exact definition in the spec).", "", "## Descriptions and policy basis", ""]
    for i in inds:
        lines += [f"**{i.code} {i.name}** — {i.description}", f"依据：{i.policy_basis}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    DOC.write_text(markdown(), encoding="utf-8")
    print(f"wrote {DOC}")
