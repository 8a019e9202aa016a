"""Benchmark: `workbench intake` of one synthetic month against DuckDB's plain read_csv.

    .venv/bin/python benchmarks/intake/run.py [--persons 2000000] [--period 202406] [--write]

1. generates (once, cached under benchmarks/.data/) a delivery of N persons with
   `workbench synth`;
2. the floor: DuckDB's own `read_csv` loading the same files into tables of a fresh
   DuckDB file, no cleaning. DuckDB cannot read GB18030 offline, so the floor reads
   UTF-8 copies of those files (made beforehand, not timed): the floor is pure parsing
   and storing, the strictest comparison;
3. `workbench intake` of the delivery into a fresh warehouse (everything: checksums,
   decoding, cleaning, loading, quality checks).

Each step runs in its own process; time is wall-clock, peak memory is the process's
maximum resident set. With --write the figures replace the intake section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / ".data"
PY = sys.executable

FLOOR = r"""
import csv, sys, duckdb
from pathlib import Path
folder, db_path = Path(sys.argv[1]), sys.argv[2]
db = duckdb.connect(db_path)
db.execute("SET threads=2")
for row in csv.DictReader(open(folder / "MANIFEST.csv", encoding="utf-8")):
    path = folder / row["file"]
    if row["encoding"] != "UTF-8":
        path = folder.parent / (folder.name + ".utf8") / row["file"]
    db.execute(f"CREATE TABLE {row['table']} AS SELECT * FROM read_csv('{path}', header=true, "
               "all_varchar=true, quote='\"', escape='\"', strict_mode=false, ignore_errors=true)")
db.close()
"""


# Runs a command as its own child and reports that child's peak RSS alone (a process's
# RUSAGE_CHILDREN is a running maximum over all its children, so each command gets its
# own wrapper).
WRAP = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


def measure(cmd: list[str], env: dict | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (MB) of one command."""
    start = time.perf_counter()
    done = subprocess.run([PY, "-c", WRAP, *cmd], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 3):
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
    peak_kb = int(done.stderr.rsplit("PEAK_KB", 1)[1].split()[0])
    return seconds, peak_kb / 1024, done


def read_manifest(folder: Path) -> list[dict]:
    with open(folder / "MANIFEST.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def utf8_copies(folder: Path) -> Path:
    out = folder.parent / (folder.name + ".utf8")
    if out.is_dir():
        return out
    out.mkdir()
    for row in read_manifest(folder):
        if row["encoding"] != "UTF-8":
            with open(folder / row["file"], encoding="gb18030", newline="") as src, \
                    open(out / row["file"], "w", encoding="utf-8", newline="") as dst:
                shutil.copyfileobj(src, dst, 16 << 20)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=2_000_000)
    ap.add_argument("--period", default="202406")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = ap.parse_args()

    landing = DATA / f"landing-{args.persons}"
    folder = landing / args.period
    if not (folder / "MANIFEST.csv").is_file():
        print(f"generating {args.persons:,} persons ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run([PY, "-m", "workbench.cli", "synth", "--out", str(landing), "--period",
                        args.period, "--persons", str(args.persons), "--seed", str(args.seed)],
                       check=True)
        print(f"  generated in {time.perf_counter() - t0:.0f} s")
    utf8_copies(folder)
    manifest = read_manifest(folder)
    total_rows = sum(int(r["rows"]) for r in manifest)
    total_bytes = sum((folder / r["file"]).stat().st_size for r in manifest)

    work = DATA / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    floor_s, floor_mb, _ = measure([PY, "-c", FLOOR, str(folder), str(work / "floor.duckdb")])
    print(f"floor (DuckDB read_csv): {floor_s:.1f} s, peak {floor_mb:.0f} MB", flush=True)

    env = {**os.environ, "WORKBENCH_HOME": str(work / "home")}
    env.pop("WORKBENCH_WAREHOUSE", None)
    report = work / "intake.json"
    intake_s, intake_mb, done = measure(
        [PY, "-m", "workbench.cli", "intake", "--landing", str(landing), "--period", args.period,
         "--report", str(report), "--quiet"], env)
    print(done.stdout)
    print(f"workbench intake: {intake_s:.1f} s, peak {intake_mb:.0f} MB", flush=True)
    tables = json.loads(report.read_text())["tables"]
    ratio = intake_s / floor_s
    print(f"ratio intake / floor = {ratio:.2f}")
    phases = read_phases(work / "home" / "warehouse.duckdb")

    if args.write:
        write_doc(args, total_rows, total_bytes, manifest, tables, floor_s, floor_mb, intake_s,
                  intake_mb, ratio, phases)


def read_phases(warehouse: Path) -> dict[str, dict[str, float]]:
    """Seconds per table and phase, from the intake_log the run wrote."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as db:
        rows = db.execute("SELECT table_name, decode_seconds, clean_seconds, load_seconds, seconds "
                          "FROM intake_log").fetchall()
    return {r[0]: {"decode": r[1], "clean": r[2], "load": r[3], "total": r[4]} for r in rows}


def write_doc(args, total_rows, total_bytes, manifest, tables, floor_s, floor_mb, intake_s,
              intake_mb, ratio, phases) -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    start, end = "<!-- intake:start -->", "<!-- intake:end -->"
    cpu = platform.processor() or platform.machine()
    rows = "\n".join(
        f"| {name} | {t['rows_in']:,} | {t['loaded']:,} | {t['rejected']:,} | {t['duplicates']:,} "
        f"| {phases[name]['decode']:.1f} | {phases[name]['clean']:.1f} | {phases[name]['load']:.1f} |"
        for name, t in sorted(tables.items(), key=lambda kv: -phases[kv[0]]["total"]))
    sums = {k: sum(p[k] for p in phases.values()) for k in ("decode", "clean", "load", "total")}
    other = intake_s - sums["total"]
    dominant = max(("decode", "clean", "load"), key=sums.__getitem__)
    why = {
        "clean": "the field split, the rule-1 to rule-6 expressions over every column and the typed casts",
        "decode": "Python's GB18030 codec and SHA-256 over every byte",
        "load": "DuckDB compressing and checkpointing the rows into the warehouse file",
    }[dominant]
    biggest = max(phases, key=lambda name: phases[name]["total"])
    encodings = ", ".join(sorted({r["encoding"] for r in manifest}))
    section = f"""{start}
## Intake (`benchmarks/intake`)

Command: `.venv/bin/python benchmarks/intake/run.py --persons {args.persons} --write`
(measured {time.strftime('%Y-%m-%d')}).

Machine: {os.cpu_count()} cores ({cpu}), {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB,
Python {platform.python_version()}, DuckDB {_version('duckdb')}, ibis {_version('ibis')}.

Data: one synthetic month of {args.persons:,} persons (`workbench synth`, seed {args.seed}):
{len(manifest)} files, {total_rows:,} rows, {total_bytes / 2**20:,.0f} MB ({encodings}).

| step | time | peak memory |
| --- | ---: | ---: |
| floor: DuckDB `read_csv` of the same files into tables, no cleaning | {floor_s:.1f} s | {floor_mb:,.0f} MB |
| `workbench intake` (checksums, GB18030 decoding, rules 1-10, load, quality checks) \
| {intake_s:.1f} s | {intake_mb:,.0f} MB |
| **ratio intake / floor** | **{ratio:.2f}** | |

Target: ratio ≤ 3, peak memory ≤ 4 GB.

Where the time goes (seconds, from `intake_log`): decoding and checksums
{sums['decode']:.1f} s, cleaning (line split, rules 1-10 in DuckDB) {sums['clean']:.1f} s,
loading into the warehouse {sums['load']:.1f} s, and {other:.1f} s outside the files
(process start, manifest, schema, the data-quality checks). What dominates: the
{dominant} phase ({100 * sums[dominant] / intake_s:.0f} % of the run): {why}; the largest table,
{biggest}, takes {phases[biggest]['total']:.1f} s. Rows holding quotes, full-width characters or
white space take the slower translate/trim path of rule 1; the rest skip it (that
routing took the 5 M-row contribution table from 144 s to about 20 s).

| table | rows in | loaded | rejected | duplicates | decode s | clean s | load s |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{rows}
{end}"""
    if start in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    doc.write_text(text, encoding="utf-8")
    print(f"updated {doc}")


def _version(mod: str) -> str:
    return __import__(mod).__version__


if __name__ == "__main__":
    main()
