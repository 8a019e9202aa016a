"""Monthly intake: fetch a delivery, verify its manifest, clean and load every table."""

from __future__ import annotations

import sys

from workbench.intake.run import IntakeResult, TableOutcome, run_intake

__all__ = ["IntakeResult", "TableOutcome", "print_summary", "run_intake"]


def print_summary(result: IntakeResult, out=sys.stdout) -> None:
    """One line per file: counts, or the reason it was refused."""
    print(f"intake {result.period} from {result.source}", file=out)
    for name, t in result.tables.items():
        if t.refused:
            print(f"  {name:<22} REFUSED: {t.refused}", file=out)
        else:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(t.reasons.items()))
            print(f"  {name:<22} in {t.rows_in:>9,}  loaded {t.loaded:>9,}  rejected {t.rejected:>6,}"
                  f"  duplicates {t.duplicates:>5,}" + (f"  ({reasons})" if reasons else ""), file=out)
    dangling = [q for q in result.quality if q["rows"]]
    for q in dangling:
        print(f"  quality {q['check_code']} {q['table_name']}: {q['rows']:,} rows "
              f"({q['description']})", file=out)
    for name in result.unlisted_files:
        print(f"  note: {name} is in the delivery folder but not in the manifest; ignored", file=out)
