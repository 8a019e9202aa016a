"""Ground truth written beside a delivery: ``out/_truth/<P>/``.

* ``intake.json``: ``{"period": P, "tables": {table: {"rows_in", "loaded", "rejected",
  "duplicates", "rejects": {reason: n}}}}`` (the shape of ``workbench intake --report``
  plus the reasons);
* ``rejects.csv``: ``table,line_no,reason`` for every row intake must reject;
* ``dirty.csv``: ``table,line_no,kind,expected``: every dirty record, what it exercises
  (``synth.yaml`` dirty kind) and its expected outcome (loaded, duplicate or a reason);
* ``problems.csv``: ``indicator_code,period,subject_type,subject_key,district_code,amount``,
  the planted positives for P of every indicator with a story (the 40 core ones and the
  further ones of the ``stories_*`` modules), including the cases where one indicator's
  planted rows rightly make another fire, sorted like ``workbench problems export``;
* ``negatives.csv``: same header (amount empty), planted near-misses that must not fire.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from workbench.synth.calendar import money_text, period_text
from workbench.synth.plants import PlantBook, Truth
from workbench.synth.writer import Written

PROBLEM_HEADER = [
    "indicator_code",
    "period",
    "subject_type",
    "subject_key",
    "district_code",
    "amount",
]


def _csv(rows: list[list[str]], header: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def problem_rows(truths: list[Truth], q: int, with_amount: bool = True) -> list[list[str]]:
    rows = []
    for t in truths:
        if q not in t.months:
            continue
        amount = money_text(t.amount) if (with_amount and t.amount is not None) else ""
        rows.append([t.code, period_text(q), t.subject_type, t.key_text(), t.district, amount])
    rows.sort(key=lambda r: (r[0], r[3]))
    return rows


def write(
    folder: Path,
    q: int,
    written: list[Written],
    book: PlantBook | None,
    extra_positives: list[Truth],
) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    tables = {w.table: w.truth for w in written}
    (folder / "intake.json").write_text(
        json.dumps({"period": period_text(q), "tables": tables}, ensure_ascii=False, indent=2)
        + "\n",
        encoding="utf-8",
    )
    rejects = [[w.table, str(line), reason] for w in written for line, reason in w.rejects]
    (folder / "rejects.csv").write_bytes(_csv(rejects, ["table", "line_no", "reason"]))
    dirty = [
        [w.table, str(line), kind, outcome] for w in written for line, kind, outcome in w.dirty
    ]
    (folder / "dirty.csv").write_bytes(_csv(dirty, ["table", "line_no", "kind", "expected"]))
    positives = (book.positives if book else []) + extra_positives
    problems = problem_rows(positives, q)
    keys = [(r[0], r[3]) for r in problems]
    if len(keys) != len(set(keys)):
        raise RuntimeError("two planted problems share an indicator and subject key")
    (folder / "problems.csv").write_bytes(_csv(problems, PROBLEM_HEADER))
    negatives = problem_rows(book.negatives if book else [], q, with_amount=False)
    (folder / "negatives.csv").write_bytes(_csv(negatives, PROBLEM_HEADER))
    return {"problems": len(problems), "negatives": len(negatives), "rejects": len(rejects)}
