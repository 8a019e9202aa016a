"""``workbench demo``: the main job on embedded defaults, from nothing.

Generates a small synthetic city (parameters/demo.yaml) and runs the monthly job on each
of its months (per-source intake, indicators published to the office, statistics),
leaving the warehouse, the office database and the HTML reports under WORKBENCH_HOME.
"""

from __future__ import annotations

from workbench import params
from workbench.config import settings
from workbench.periods import check_period, month_range


def run_demo(period: str | None = None, persons: int | None = None) -> int:
    from workbench import synth
    from workbench.monthly import run_monthly

    cfg = params.load("demo")
    period = check_period(period or cfg["period"])
    home = settings()
    landing = home.home / "landing"
    print(f"WORKBENCH_HOME = {home.home}")
    print(f"1/2 synthetic deliveries: {cfg['months']} month(s) to {period}, "
          f"{persons or cfg['persons']:,} persons -> {landing}")
    synth.generate(landing, period, persons=persons or cfg["persons"], seed=cfg["seed"],
                   months=cfg["months"], progress=True)
    print("2/2 the monthly job per period: intake, indicators, statistics (papermill notebooks)")
    result = None
    for p in month_range(period, cfg["months"]):
        result = run_monthly(str(landing), p, progress=True)
        print(f"  {p}: {len(result.reports)} reports in {home.reports / p}")
    print("\nDone. Open the reports:")
    for path in result.reports if result else []:
        print(f"  {path}")
    print(f"Warehouse: {home.warehouse_url}\nOffice database: {home.office_url}")
    return result.exit_code if result else 0
