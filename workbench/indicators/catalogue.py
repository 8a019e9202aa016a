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


SUBJECT_DISTRICTS = """## The district of a subject (所属区)

A suspected problem belongs to the district of its subject: its district's roles handle it, and
a district role sees only its own district's problems. Each subject type has one rule, written
once in `workbench/indicators/` and used by every indicator of that subject:

- **person**: the `district_code` of the id's row with the smallest `person_id` in the person
  snapshot of P of the scheme the indicator reads first (`sb_person` unless its description
  says otherwise); `Context.person_district`.
- **unit** (a USCC): the `district_code` of the USCC's row with the smallest `unit_id` in the
  `sb_unit` snapshot of P, whichever of its units the check found, so one USCC is in one district
  for every indicator; `Context.unit_district`.
- **unit found in subsidy rows** (JY-…): the `district_code` of its qualifying `rlzy_subsidy` row
  with the smallest `subsidy_id`, the paying district, which handles the subsidy (the USCC may be
  unknown to `sb_unit`); `hr_market.subsidy_problems`.
- **unit of an employment registration** (ZH-017): `Context.unit_district` when the USCC is in
  the `sb_unit` snapshot, else its qualifying registration with the smallest `reg_id`.
- **case**, **appraisal**: the `district_code` of the case (`gsrd_case`) or the appraisal
  (`ldnl_appraisal`).
- **application** (购车购房): the city level, 110000.
- **district**: itself.

A unit's district is not the district of the rows that happened to qualify: a USCC with units
in two districts would otherwise be sent to one district by one indicator and to the other by
the next. The person rule of the spec (the snapshot, smallest `person_id`) applied to units
gives the same answer everywhere. The subsidy checks keep the spec's own rule for units found
in subsidy rows (indicators-core.md, "district"), and a few person checks state theirs in their
descriptions (the qualifying subsidy row for JY-002…004, the latest case for GS-006).
"""


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
    lines += ["", "★ core indicator (exact definition in the spec).", "", *SUBJECT_DISTRICTS.splitlines(), "",
              "## Descriptions and policy basis", ""]
    for i in inds:
        lines += [f"**{i.code} {i.name}** — {i.description}", f"依据：{i.policy_basis}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    DOC.write_text(markdown(), encoding="utf-8")
    print(f"wrote {DOC}")
