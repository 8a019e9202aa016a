"""Benchmark: the whole indicator catalogue on a synthetic city with 13 months of history.

    .venv/bin/python benchmarks/indicators/run.py [--persons 2000000] [--months 13] [--write]

1. generates (once, cached under benchmarks/.data/) `--months` monthly deliveries of
   N persons ending 202406 and takes them in (`workbench intake`, cached too);
2. evaluates every registered indicator for the last period in a fresh process, timing
   each one (build + execute + group into problems) and the process's peak memory.

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
started = time.perf_counter()
evs = evaluate(sys.argv[1])
total = time.perf_counter() - started
print(json.dumps({"total": total, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "indicators": [{"code": e.indicator.code, "name": e.indicator.name, "seconds": e.seconds,
                                  "hits": len(e.problems), "core": e.indicator.core} for e in evs]}))
"""


def prepare(persons: int, months: int) -> Path:
    """A WORKBENCH_HOME holding the taken-in months (built once, then reused)."""
    landing = DATA / f"landing-{persons}-{months}m"
    home = DATA / f"home-{persons}-{months}m"
    done = home / "prepared"
    if done.exists():
        return home
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
    return home


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=2_000_000)
    ap.add_argument("--months", type=int, default=13)
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = ap.parse_args()
    home = prepare(args.persons, args.months)
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    env.pop("WORKBENCH_WAREHOUSE", None)
    done = subprocess.run([PY, "-c", EVALUATE, PERIOD], env=env, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    slowest = sorted(result["indicators"], key=lambda i: -i["seconds"])
    print(f"{len(slowest)} indicators in {result['total']:.1f} s, peak {result['peak_mb']:.0f} MB")
    for i in slowest[:10]:
        print(f"  {i['code']:<8} {i['seconds']:6.2f} s  {i['hits']:>6} hits  {i['name']}")
    if args.write:
        write_doc(args, result, slowest)


def write_doc(args, result: dict, slowest: list[dict]) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8")
    start, end = "<!-- indicators:start -->", "<!-- indicators:end -->"
    scale = "the issue's target scale" if args.persons >= 2_000_000 else "REDUCED scale (target: 2,000,000 persons)"
    rows = "\n".join(f"| {i['code']} | {i['name']} | {i['seconds']:.2f} | {i['hits']:,} |" for i in slowest[:10])
    section = f"""{start}
## Indicators (`benchmarks/indicators`)

Command: `.venv/bin/python benchmarks/indicators/run.py --persons {args.persons} --months {args.months} --write`
(measured {time.strftime('%Y-%m-%d')}; {os.cpu_count()} cores, Python {platform.python_version()}).

Data: {args.persons:,} persons, {args.months} months of synthetic deliveries taken in; {scale}.
The whole catalogue ({len(slowest)} indicators, {sum(i['core'] for i in slowest)} core) evaluated for {PERIOD} on
the DuckDB warehouse: **{result['total']:.1f} s**, peak memory **{result['peak_mb']:,.0f} MB**
(targets at 2 M persons: ≤ 60 s, ≤ 6 GB).

The ten slowest indicators (seconds include building, executing and grouping into problems):

| code | name | seconds | hits |
| --- | --- | ---: | ---: |
{rows}

Not measured yet: the 2,000,000-person run with 5 years of contribution history, the
monthly job end to end at that scale, and the plain-pandas comparison of the core set.
{end}"""
    if start in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")
    print(f"updated {doc}")


if __name__ == "__main__":
    main()
