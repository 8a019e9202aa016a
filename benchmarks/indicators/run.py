"""Benchmark: the whole indicator catalogue on a synthetic city with 13 months of history.

    .venv/bin/python benchmarks/indicators/run.py [--persons 2000000] [--months 13] [--years 5]
        [--monthly] [--pandas] [--write]

1. generates (once, cached under benchmarks/.data/) `--months` monthly deliveries of
   N persons ending 202406 and takes them in (`workbench intake`, cached too), then adds
   the older contribution months of the `--years`-year window (history.py);
2. evaluates every registered indicator for the last period in a fresh process, timing
   each one (build + execute + group into problems) and the process's peak memory;
3. with --pandas, the 40 core indicators as plain pandas (pandas_core.py) against the same
   40 through the workbench, each in a fresh process: the ratio of their times;
4. with --monthly, `workbench monthly` for the last period end to end (intake notebooks,
   indicators with publishing, statistics), its time and the peak memory of its processes.

With --write the figures replace the indicators section of docs/benchmarks.md. The
issue's target scale is 2,000,000 persons with 13 months (5 years for the contribution
history); smaller runs are marked as such.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / ".data"
PY = sys.executable
PERIOD = "202406"

EVALUATE = r"""
import json, resource, sys, time
from workbench.indicators.runner import evaluate
only = sys.argv[2].split(",") if len(sys.argv) > 2 else None
started = time.perf_counter()
evs = evaluate(sys.argv[1], only=only)
total = time.perf_counter() - started
print(json.dumps({"total": total, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "indicators": [{"code": e.indicator.code, "name": e.indicator.name, "seconds": e.seconds,
                                  "hits": len(e.problems), "core": e.indicator.core} for e in evs]}))
"""


def landing_of(persons: int, months: int) -> Path:
    return DATA / f"landing-{persons}-{months}m"


def prepare(persons: int, months: int, years: int) -> Path:
    """A WORKBENCH_HOME holding the taken-in months (built once, then reused); with more years
    of contribution history than months, a copy of it with the older months added."""
    landing = landing_of(persons, months)
    home = DATA / f"home-{persons}-{months}m"
    done = home / "prepared"
    if not done.exists():
        env = {**os.environ, "WORKBENCH_HOME": str(home)}
        env.pop("WORKBENCH_WAREHOUSE", None)
        if not (landing / PERIOD / "MANIFEST.csv").exists():
            print(f"generating {months} months of {persons:,} persons ...", flush=True)
            subprocess.run([PY, "-m", "workbench.cli", "synth", "--out", str(landing), "--period", PERIOD,
                            "--persons", str(persons), "--months", str(months)], check=True, env=env)
        from workbench.periods import month_range

        for p in month_range(PERIOD, months):
            print(f"intake {p} ...", flush=True)
            subprocess.run([PY, "-m", "workbench.cli", "intake", "--landing", str(landing), "--period", p,
                            "--quiet"], check=True, env=env, stdout=subprocess.DEVNULL)
        done.write_text(time.strftime("%Y-%m-%d %H:%M"))
    if years * 12 <= months:
        return home
    longer = DATA / f"home-{persons}-{months}m-{years}y"
    if not (longer / "prepared").exists():
        import shutil

        from history import add_older_months

        shutil.rmtree(longer, ignore_errors=True)
        shutil.copytree(home, longer, ignore=shutil.ignore_patterns("reports", "runs", "office.sqlite*"))
        add_older_months(f"duckdb://{longer / 'warehouse.duckdb'}", persons, PERIOD, months, years)
        (longer / "prepared").write_text(time.strftime("%Y-%m-%d %H:%M"))
    return longer


def fresh(args: list[str], env: dict[str, str]) -> dict:
    """Run a Python snippet or script in a fresh process; its last stdout line is JSON."""
    done = subprocess.run([PY, *args], env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"benchmark step failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


MONTHLY = r"""
import json, resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"seconds": time.perf_counter() - started, "returncode": done.returncode,
                  "stderr": done.stderr[-2000:],
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def run_monthly(home: Path, landing: Path, env: dict[str, str]) -> dict:
    """`workbench monthly` end to end, under a fresh parent so that its peak memory (the
    largest of its processes) is not mixed with the benchmark's earlier children."""
    out = subprocess.run([PY, "-c", MONTHLY, PY, "-m", "workbench.cli", "monthly", "--landing", str(landing),
                          "--period", PERIOD, "--quiet"], env=env, capture_output=True, text=True, check=True)
    done = json.loads(out.stdout.strip().splitlines()[-1])
    if done["returncode"]:
        sys.exit(f"workbench monthly failed: {done['stderr'].strip()}")
    record = json.loads((home / "runs" / "monthly.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    return {"seconds": done["seconds"], "peak_mb": done["peak_mb"],
            "steps": [(s["name"], s["seconds"]) for s in record.get("steps", [])]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=2_000_000)
    ap.add_argument("--months", type=int, default=13)
    ap.add_argument("--years", type=int, default=5, help="years of contribution history (GC-002/GF-002)")
    ap.add_argument("--pandas", action="store_true", help="compare the core set with plain pandas")
    ap.add_argument("--pandas-persons", type=int, default=None,
                    help="run the pandas comparison on a city of this size (default: --persons; plain pandas "
                         "holds every table in memory and is killed at 2,000,000 persons on 24 GB)")
    ap.add_argument("--monthly", action="store_true", help="time `workbench monthly` end to end")
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = ap.parse_args()
    home = prepare(args.persons, args.months, args.years)
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    env.pop("WORKBENCH_WAREHOUSE", None)
    result = fresh(["-c", EVALUATE, PERIOD], env)
    slowest = sorted(result["indicators"], key=lambda i: -i["seconds"])
    print(f"{len(slowest)} indicators in {result['total']:.1f} s, peak {result['peak_mb']:.0f} MB")
    for i in slowest[:10]:
        print(f"  {i['code']:<8} {i['seconds']:6.2f} s  {i['hits']:>6} hits  {i['name']}")
    if args.pandas:
        core = ",".join(i["code"] for i in result["indicators"] if i["core"])
        small = args.pandas_persons or args.persons
        p_home = home if small == args.persons else prepare(small, args.months, 1)
        p_env = {**env, "WORKBENCH_HOME": str(p_home)}
        ours = fresh(["-c", EVALUATE, PERIOD, core], p_env)
        theirs = fresh([str(ROOT / "benchmarks" / "indicators" / "pandas_core.py"), "--warehouse",
                        str(p_home / "warehouse.duckdb"), "--period", PERIOD], p_env)
        result["pandas"] = {"persons": small, "workbench": ours["total"], "workbench_peak_mb": ours["peak_mb"],
                            "pandas": theirs["total_seconds"], "pandas_peak_mb": theirs["peak_mb"]}
        print(f"core set: workbench {ours['total']:.1f} s ({ours['peak_mb']:.0f} MB), "
              f"pandas {theirs['total_seconds']:.1f} s ({theirs['peak_mb']:.0f} MB): "
              f"ratio {theirs['total_seconds'] / ours['total']:.1f}")
    if args.monthly:
        result["monthly"] = run_monthly(home, landing_of(args.persons, args.months), env)
        print(f"workbench monthly: {result['monthly']['seconds']:.0f} s, peak {result['monthly']['peak_mb']:.0f} MB")
    if args.write:
        write_doc(args, result, slowest)


PANDAS_NOTE = ("; at 2,000,000 persons plain pandas cannot run on this 24 GB machine: it holds the 13 months of "
               "raw contributions (about 39 million rows) as DataFrames and was killed by the kernel at 23.9 GB "
               "resident, while the workbench evaluates the whole catalogue there in the figures above")


# Why an indicator is among the slowest (what it must read); filled from profiles of the runs.
WHY: dict[str, str] = {
    "YL-018": "finds each new early retiree's latest normal pension contribution over the whole history "
              "(no bound: the latest can be any month), then counts retirees per unit",
    "GC-005": "12 months of normal pension contributions: the applicants' own, then every contributor of "
              "their paying units, counted per unit and month",
    "GF-004": "as GC-005, for house applications",
    "GC-006": "the applicants' contributions of the month before, then every contributor of those units",
    "GF-005": "as GC-006, for house applications",
    "ZH-002": "ISO 7064 check character of every id of the 2,000,000-row person snapshot",
    "PG-002": "all normal pension contributions of P−1 and P, distinct contributors per unit in each",
    "PG-004": "all normal pension contributions of P−1 and P with their bases, per unit",
    "PG-006": "all contributors of P per unit, with each id's first enrolment from the person snapshot",
    "PG-007": "all pension and injury contributions of P, contributors per unit and insurance",
    "PG-008": "all contributors of P per unit, with each id's age from the person snapshot",
    "PG-001": "all contributors of P per unit, with their bases against the lower limit",
    "PG-003": "back-payments and normal payments of P per unit",
    "JY-007": "the named persons' pension contributions with the subsidized units around each subsidy month "
              "(history from the earliest subsidy month less the grace months)",
    "GS-010": "injury-insurance contributions of the injured's units since the earliest accident month",
    "JY-001": "any normal contribution of the subsidized units for the subsidy months",
    "YL-005": "normal pension contributions of P and of P−12 per person (bases compared)",
    "GS-002": "injury benefit payments of P against every recognized case of the id",
    "SY-011": "unemployment-insurance contributions of the lookback months of each new claimant",
    "ZH-015": "the three schemes' person snapshots matched by id",
    "ZH-003": "normal pension contributions of P: distinct units per id and period",
    "YL-013": "every pension payment of P with the district median of its amount",
    "GC-002": "the car applicants' covered months over 60 months, from the compact contrib_history",
    "GF-002": "the house applicants' covered months over 60 months, from the compact contrib_history",
}


def _replace(text: str, name: str, body: str) -> str:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    section = f"{start}\n{body.strip()}\n{end}"
    if start in text:
        return text[: text.index(start)] + section + text[text.index(end) + len(end):]
    return text.rstrip() + "\n\n" + section + "\n"


def write_doc(args, result: dict, slowest: list[dict]) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8")
    scale = "the issue's target scale" if args.persons >= 2_000_000 else "REDUCED scale (target: 2,000,000 persons)"
    command = (f"`.venv/bin/python benchmarks/indicators/run.py --persons {args.persons} --months {args.months} "
               f"--years {args.years}{' --pandas' if args.pandas else ''}"
               f"{f' --pandas-persons {args.pandas_persons}' if args.pandas_persons else ''}"
               f"{' --monthly' if args.monthly else ''} "
               f"--write` (measured {time.strftime('%Y-%m-%d')}; {os.cpu_count()} cores, "
               f"Python {platform.python_version()})")
    data = (f"{args.persons:,} persons, {args.months} months of synthetic deliveries taken in"
            + (f", and {args.years} years of contribution history (`sb_contrib` and the compact `contrib_history` "
               "of the older delivery periods, `benchmarks/indicators/history.py`)" if args.years * 12 > args.months
               else "") + f"; {scale}")
    if not args.pandas or args.years * 12 > args.months:
        rows = "\n".join(f"| {i['code']} | {i['name']} | {i['seconds']:.2f} | {i['hits']:,} | "
                         f"{WHY.get(i['code'], '')} |" for i in slowest[:10])
        text = _replace(text, "indicators", f"""
## Indicators (`benchmarks/indicators`)

Command: {command}.

Data: {data}. The whole catalogue ({len(slowest)} indicators, {sum(i['core'] for i in slowest)} core) evaluated
for {PERIOD} on the DuckDB warehouse: **{result['total']:.1f} s**, peak memory **{result['peak_mb']:,.0f} MB**
(targets at 2 M persons: ≤ 60 s, ≤ 6 GB).

Engine settings: parameters/engine.yaml (two queries in flight while the next indicators compile,
common terms shared once per run, DuckDB memory limit). The ten slowest indicators (seconds include
building, executing and grouping into problems; with two queries in flight they overlap, so they add
up to more than the total):

| code | name | seconds | hits | why |
| --- | --- | ---: | ---: | --- |
{rows}
""")
    if "pandas" in result:
        r = result["pandas"]
        text = _replace(text, "pandas", f"""
### The core set in plain pandas, for comparison

Command: {command}. Data: {r['persons']:,} persons, {args.months} months
(`benchmarks/.data/home-{r['persons']}-{args.months}m`){PANDAS_NOTE if r['persons'] < 2_000_000 else ''}.

The 40 core indicators written as plain pandas (`benchmarks/indicators/pandas_core.py`: read each table
of the period into a DataFrame, then merge/groupby/filter, what an analyst would write in a notebook;
`tests/test_pandas_core.py` shows it gives the same problems) against the same 40 through the
workbench, each in a fresh process:

| | seconds | peak memory |
| --- | ---: | ---: |
| workbench (ibis on DuckDB) | {r['workbench']:.1f} | {r['workbench_peak_mb']:,.0f} MB |
| plain pandas | {r['pandas']:.1f} | {r['pandas_peak_mb']:,.0f} MB |

Ratio pandas / workbench: **{r['pandas'] / r['workbench']:.1f}**.
""")
    if "monthly" in result:
        m = result["monthly"]
        steps = ", ".join(f"{name} {sec:.0f} s" for name, sec in m["steps"])
        text = _replace(text, "monthly", f"""
### The monthly job end to end

Command: {command}. Data: {data}.

`workbench monthly --period {PERIOD}` (the seven intake notebooks, the indicators notebook with
publishing, the statistics notebook, HTML reports): **{m['seconds']:.0f} s**, peak memory of its largest
process **{m['peak_mb']:,.0f} MB** (target ≤ 5 min). Steps: {steps}.
""")
    doc.write_text(text, encoding="utf-8")
    print(f"updated {doc}")


if __name__ == "__main__":
    main()
