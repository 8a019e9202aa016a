"""``generate``: synthetic monthly deliveries with their ground truth beside them."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.contract import TABLES, Kind, Table
from workbench.errors import UsageError
from workbench.periods import check_period
from workbench.synth import config, dirty, stories, truth, writer
from workbench.synth.calendar import month_index, period_text
from workbench.synth.plants import PlantBook, Truth
from workbench.synth.population import Population
from workbench.synth.tables import MonthTables, RecordIds

TRUTH_DIR = "_truth"
MIN_PERSONS = 100  # below this the population has too few units and people for every story


def generate(
    out: Path,
    period: str,
    persons: int | None = None,
    seed: int | None = None,
    months: int = 1,
    progress: bool = False,
) -> dict:
    """Write ``months`` deliveries ending at ``period`` under ``out`` (``out/<P>/``) and their
    ground truth under ``out/_truth/<P>/``; return a summary (files, rows per table)."""
    check_period(period)
    if months < 1:
        raise UsageError(f"months must be at least 1, not {months}")
    cfg = config.load()
    n = cfg.persons if persons is None else int(persons)
    if n < MIN_PERSONS:
        raise UsageError(f"persons must be at least {MIN_PERSONS}, not {n}")
    seed = cfg.seed if seed is None else int(seed)
    out = Path(out)
    started = time.perf_counter()
    pL = month_index(period)
    p0 = pL - months + 1
    window = list(range(p0, pL + 1))
    pop = Population(cfg, n, seed, p0, pL)
    record_ids = RecordIds()
    month_tables = MonthTables(pop, record_ids)
    book = PlantBook(pop, month_tables, window, seed)
    if cfg.plants.enabled:
        stories.plant_all(book)
    keys = dirty.KeyMaker(pop, book, seed)
    summary: dict = {
        "periods": [period_text(q) for q in window],
        "persons": n,
        "seed": seed,
        "files": {},
        "rows": {},
        "truth": {},
    }
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(window) * len(TABLES), desc="synth", unit="file")
    for q in window:
        folder = out / period_text(q)
        folder.mkdir(parents=True, exist_ok=True)
        keys.reset_month()
        written: list[writer.Written] = []
        zh002: list[Truth] = []
        for ti, table in enumerate(TABLES):
            if bar is not None:
                bar.set_postfix_str(f"{period_text(q)} {table.name}")
            w, found = _one_table(cfg, pop, month_tables, book, keys, table, ti, q, seed, folder)
            written.append(w)
            zh002 += [Truth("ZH-002", [q], "person", idn, district) for idn, district in found]
            summary["rows"][table.name] = summary["rows"].get(table.name, 0) + w.rows
            if bar is not None:
                bar.update(1)
        writer.write_manifest(folder, written)
        summary["files"][period_text(q)] = {
            w.table: {"file": w.file, "rows": w.rows, "bytes": w.size, "encoding": w.encoding}
            for w in written
        }
        summary["truth"][period_text(q)] = truth.write(
            out / TRUTH_DIR / period_text(q), q, written, book, zh002
        )
    if bar is not None:
        bar.close()
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return summary


def _options(cfg: config.SynthParams, table: Table) -> writer.FileOptions:
    f = cfg.files
    return writer.FileOptions(
        encoding="GB18030" if table.name in f.gb18030 else "UTF-8",
        eol="\r\n" if table.name in f.crlf else "\n",
        bom=table.name in f.bom and table.name not in f.gb18030,
        shuffle=table.name in f.shuffled_header,
        extra=f.extra_column.get(table.name),
        quote_cols=frozenset(f.quote_all_columns.get(table.name, [])),
    )


def _plant_frame(
    table: Table, rows: list[dict], month_tables: MonthTables, q: int
) -> dict[str, pa.Array]:
    key = table.key[0]
    for row in rows:
        if row.get(key) is None:
            row[key] = month_tables.ids.one(table.name, q)
    return {c: pa.array([row[c] for row in rows], pa.string()) for c in table.column_names}


def _one_table(
    cfg, pop, month_tables, book, keys, table: Table, ti: int, q: int, seed: int, folder: Path
):
    rng = np.random.default_rng([seed, q, ti, 5])
    bg = month_tables.build(table.name, q)
    n_bg = len(bg[table.columns[0].name])
    rows = (
        book.snapshot_rows(table.name, q)
        if table.kind is Kind.SNAPSHOT
        else book.monthly_rows(table.name, q)
    )
    if rows:
        plants = _plant_frame(table, rows, month_tables, q)
        frame = {c: pa.concat_arrays([bg[c], plants[c]]) for c in table.column_names}
    else:
        frame = bg
    opts = _options(cfg, table)
    n = len(frame[table.columns[0].name])
    extra = None
    if opts.extra:
        extra = pa.array(writer.EXTRA_VALUES).take(
            pa.array(rng.integers(0, len(writer.EXTRA_VALUES), n))
        )
    sampler = _sampler(frame, n_bg, rng, extra)
    counts = cfg.dirty.for_table(table.name)
    d = dirty.Dirtier(pop, table, q, rng, counts, keys, set(opts.quote_cols))
    inj = d.inject(sampler)
    w = writer.write_table(folder, table, frame, n_bg, inj, opts, rng, extra)
    return w, inj.zh002


def _sampler(
    frame: dict[str, pa.Array], n_bg: int, rng: np.random.Generator, extra: pa.Array | None
):
    used: set[int] = set()

    def sample(k: int, purpose: str = "", ends_x: str | None = None, born19: str | None = None):
        if k <= 0 or n_bg == 0:
            return []
        cand = None
        if ends_x:
            cand = np.flatnonzero(
                pc.ends_with(frame[ends_x].slice(0, n_bg), "X").to_numpy(zero_copy_only=False)
            )
        elif born19:
            mid = pc.utf8_slice_codeunits(frame[born19].slice(0, n_bg), 6, 8)
            cand = np.flatnonzero(pc.equal(mid, "19").to_numpy(zero_copy_only=False))
        if cand is not None and len(cand) == 0:
            return []
        picks: list[int] = []
        for _ in range(k * 50):
            i = int(rng.choice(cand)) if cand is not None else int(rng.integers(0, n_bg))
            if i not in used:
                used.add(i)
                picks.append(i)
            if len(picks) == k:
                break
        out = []
        for i in picks:
            values = {c: frame[c][i].as_py() for c in frame}
            if extra is not None:
                values["_extra"] = extra[i].as_py()
            out.append((i, values))
        return out

    return sample
