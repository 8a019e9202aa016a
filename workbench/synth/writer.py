"""CSV files of a delivery: header order, quoting, dirty lines, line ends, encodings, manifest.

Background rows are rendered column-wise with pyarrow.compute into one array of record
texts; cosmetic replacements and new dirty records are spliced in with one ``take``; the
file is one byte blob (GB18030 files: that blob re-encoded with Python's codec).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.contract import MANIFEST_HEADER, ColType, Table
from workbench.synth.dirty import DUPLICATE, LOADED, Injection, field_text

EXTRA_VALUES = ["", "批量导入", "系统迁移", ""]


@dataclass
class FileOptions:
    encoding: str = "UTF-8"  # or GB18030
    eol: str = "\n"
    bom: bool = False
    shuffle: bool = False
    extra: str | None = None
    quote_cols: frozenset[str] = frozenset()


@dataclass
class Written:
    file: str
    table: str
    rows: int
    sha256: str
    encoding: str
    size: int
    truth: dict
    rejects: list[tuple[int, str]] = field(default_factory=list)
    dirty: list[tuple[int, str, str]] = field(default_factory=list)  # line, kind, outcome


def header_for(table: Table, opts: FileOptions, rng: np.random.Generator) -> list[str]:
    cols = table.column_names
    if opts.shuffle:
        cols = [cols[i] for i in rng.permutation(len(cols))]
    if opts.extra:
        cols.insert(int(rng.integers(0, len(cols) + 1)), opts.extra)
    return cols


def _quoted(arr: pa.Array, force: bool) -> pa.Array:
    q = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    if force:
        return q
    return pc.if_else(pc.match_substring_regex(arr, '[",\r\n]'), q, arr)


def render_lines(
    table: Table,
    frame: dict[str, pa.Array],
    header: list[str],
    opts: FileOptions,
    extra_values: pa.Array | None,
) -> pa.Array:
    cols = []
    for name in header:
        if name == opts.extra:
            cols.append(extra_values)
            continue
        arr = frame[name]
        col = table.column_map[name]
        if name in opts.quote_cols or col.type is ColType.TEXT:
            arr = _quoted(arr, name in opts.quote_cols)
        cols.append(arr)
    return pc.binary_join_element_wise(*cols, ",")


def render_line(
    line_fields: dict[str, str], header: list[str], extra_name: str | None, extra: int = 0
) -> str:
    parts = [
        line_fields.get(h, field_text(line_fields.get("_extra", "")))
        if h == extra_name
        else line_fields[h]
        for h in header
    ]
    if extra > 0:
        parts += ["多余字段"] * extra
    elif extra < 0:
        parts = parts[:extra]
    return ",".join(parts)


def blob(lines: pa.Array, eol: str) -> bytes:
    """All records joined, each followed by ``eol`` (one allocation in Arrow)."""
    if len(lines) == 0:
        return b""
    joined = pc.binary_join_element_wise(lines, pa.scalar("", pa.string()), eol)
    arr = joined.cast(pa.large_string()) if joined.nbytes > 2**30 else joined
    offsets = np.frombuffer(
        arr.buffers()[1], dtype=np.int64 if pa.types.is_large_string(arr.type) else np.int32
    )[arr.offset : arr.offset + len(arr) + 1]
    return memoryview(arr.buffers()[2])[int(offsets[0]) : int(offsets[-1])].tobytes()


def write_table(
    folder: Path,
    table: Table,
    frame: dict[str, pa.Array],
    n_background: int,
    inj: Injection,
    opts: FileOptions,
    rng: np.random.Generator,
    extra_values: pa.Array | None,
) -> Written:
    header = header_for(table, opts, rng)
    n = len(frame[table.columns[0].name])
    lines = render_lines(table, frame, header, opts, extra_values)

    # splice: cosmetic replacements and new records, new records at random positions
    new_text: list[str] = []
    order = np.arange(n, dtype=np.int64)
    if 0 < n_background < n:  # planted rows at random places among the background rows
        spots = np.sort(rng.integers(0, n_background + 1, n - n_background))
        order = np.insert(np.arange(n_background), spots, np.arange(n_background, n))
    replaced = sorted(inj.replace.items())
    slot = np.empty(n, dtype=np.int64)
    slot[order] = np.arange(n)  # where each row of the frame sits in ``order``
    for i, (idx, (_, fields)) in enumerate(replaced):
        fields = dict(fields)
        if extra_values is not None:
            fields.setdefault("_extra", extra_values[idx].as_py())
        new_text.append(render_line(fields, header, opts.extra))
        order[slot[idx]] = n + i
    k = len(new_text)
    outcomes: list[str] = []
    for line in inj.lines:
        new_text.append(render_line(line.fields, header, opts.extra, line.extra))
        outcomes.append(line.outcome)
    m = len(inj.lines)
    positions = np.sort(rng.integers(0, n + 1, m))  # sorted: new records keep their order
    final = np.insert(order, positions, n + k + np.arange(m))
    new_pos = positions + np.arange(m)  # where each new record lands
    records = pa.concat_arrays([lines, pa.array(new_text, pa.string())]).take(pa.array(final))

    # physical line where each record starts (header is line 1)
    breaks = pc.count_substring(records, "\n").to_numpy(zero_copy_only=False).astype(np.int64)
    start_line = 2 + np.arange(len(final)) + np.concatenate([[0], np.cumsum(breaks)[:-1]])
    rejects = [
        (int(start_line[new_pos[j]]), outcomes[j])
        for j in range(m)
        if outcomes[j] not in (LOADED, DUPLICATE)
    ]
    pos_of_replaced = np.empty(k, dtype=np.int64)
    is_replaced = (final >= n) & (final < n + k)
    pos_of_replaced[final[is_replaced] - n] = np.flatnonzero(is_replaced)
    dirty = [
        (int(start_line[pos_of_replaced[i]]), kind, LOADED)
        for i, (_, (kind, _)) in enumerate(replaced)
    ]
    dirty += [(int(start_line[new_pos[j]]), inj.lines[j].kind, outcomes[j]) for j in range(m)]
    eol = opts.eol
    head = ",".join(header) + eol
    body = blob(records, eol)
    if opts.encoding == "GB18030":
        data = head.encode("gb18030") + body.decode("utf-8").encode("gb18030")
    else:
        data = (b"\xef\xbb\xbf" if opts.bom else b"") + head.encode("utf-8") + body
    name = f"{table.name}.csv"
    (folder / name).write_bytes(data)
    reasons = Counter(r for _, r in rejects)
    dups = sum(1 for o in outcomes if o == DUPLICATE)
    rows_in = len(final)
    truth = {
        "rows_in": rows_in,
        "loaded": rows_in - len(rejects) - dups,
        "rejected": len(rejects),
        "duplicates": dups,
        "rejects": dict(sorted(reasons.items())),
    }
    return Written(
        name,
        table.name,
        rows_in,
        hashlib.sha256(data).hexdigest(),
        opts.encoding,
        len(data),
        truth,
        sorted(rejects),
        sorted(dirty),
    )


def write_manifest(folder: Path, written: list[Written]) -> None:
    rows = [",".join(MANIFEST_HEADER)]
    rows += [f"{w.file},{w.table},{w.rows},{w.sha256},{w.encoding}" for w in written]
    (folder / "MANIFEST.csv").write_bytes(("\n".join(rows) + "\n").encode("utf-8"))
