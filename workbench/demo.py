"""``workbench demo``: the main job on embedded defaults, from nothing.

Generates a small synthetic city (parameters/demo.yaml), takes each of its months in
through the per-source notebooks, and leaves the warehouse and the HTML reports under
WORKBENCH_HOME.
"""

from __future__ import annotations

from workbench import params
from workbench.config import settings
from workbench.periods import check_period, month_range


def run_demo(period: str | None = None, persons: int | None = None) -> int:
    from workbench import synth
    from workbench.reports import run_source_reports

    cfg = params.load("demo")
    period = check_period(period or cfg["period"])
    home = settings()
    landing = home.home / "landing"
    print(f"WORKBENCH_HOME = {home.home}")
    print(f"1/2 synthetic deliveries: {cfg['months']} month(s) to {period}, "
          f"{persons or cfg['persons']:,} persons -> {landing}")
    synth.generate(landing, period, persons=persons or cfg["persons"], seed=cfg["seed"],
                   months=cfg["months"], progress=True)
    print("2/2 intake and cleaning reports per source (papermill notebooks)")
    reports = []
    for p in month_range(period, cfg["months"]):
        reports = run_source_reports(str(landing), p)
        print(f"  {p}: {len(reports)} reports in {home.reports / p}")
    print("\nDone. Open the reports:")
    for path in reports:
        print(f"  {path}")
    print(f"Warehouse: {home.warehouse_url}")
    return 0
