"""Intake of a synthetic delivery matches the generator's ground truth exactly.

The generator (workbench/synth) knows what every dirty row it wrote must become; the
cleaner (workbench/intake) was written apart from it. Agreement on every count, reason
and rejected line of every table is the strongest check of the cleaning rules we have.
"""

from __future__ import annotations

import csv
import json

import pytest

from workbench import synth
from workbench.intake import run_intake
from workbench.intake.exports import export_rejects

P = "202406"


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    synth.generate(out, P, persons=3000, seed=7, months=1)
    return out


def test_counts_and_rejects_match_ground_truth(home, landing, tmp_path):
    truth = json.loads((landing / "_truth" / P / "intake.json").read_text(encoding="utf-8"))["tables"]
    result = run_intake(str(landing), P)
    assert not result.refused
    assert set(result.tables) == set(truth)
    for name, expected in truth.items():
        got = result.tables[name]
        assert (got.rows_in, got.loaded, got.rejected, got.duplicates) == (
            expected["rows_in"], expected["loaded"], expected["rejected"], expected["duplicates"]), name
        assert dict(got.reasons) == expected["rejects"], name
    export = tmp_path / "rejects.csv"
    export_rejects(P, export)
    with export.open(encoding="utf-8") as f:
        got_rows = sorted((r["table"], int(r["line_no"]), r["reason"]) for r in csv.DictReader(f))
    with (landing / "_truth" / P / "rejects.csv").open(encoding="utf-8") as f:
        want_rows = sorted((r["table"], int(r["line_no"]), r["reason"]) for r in csv.DictReader(f))
    assert got_rows == want_rows
    reasons = {r for _, _, r in want_rows}
    assert reasons >= {"MALFORMED_ROW", "BAD_ID_NO", "BAD_DATE", "MISSING_VALUE", "BAD_CODE",
                       "BAD_NUMBER", "OUT_OF_PERIOD", "KEY_CONFLICT"}
