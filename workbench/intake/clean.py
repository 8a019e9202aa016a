"""The ten cleaning rules of data-contract.md as one vectorized pass in DuckDB.

A file is read as lines (exact line numbers and raw text for every reject), lines are
joined into records where a quoted field holds a line break, records are split into
fields per RFC 4180, and one generated SQL query applies the rules in the contract's
order: 7, then 1-3, then 4-6 and 10 (first failing rule wins; within a rule, the first
column in contract order), then 8 (exact duplicates) and 9 (key conflicts) among the
rows still standing. DuckDB here is a local processing engine, not the warehouse.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from workbench.contract import EMPTY_REASON, REASON_RULE, ColType, Column, Kind, Table
from workbench.idno import USCC_CHARS, check_char_sql
from workbench.warehouse import LINE_COL, PERIOD_COL, arrow_schema

FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
FULL_WIDTH_RE = "[\\x{FF01}-\\x{FF5E}\\x{3000}]"
TRIM_CHARS = " \t\r\n\x0b\x0c"
# RFC 4180 fields of a record with a trailing comma appended: each field, quoted or not,
# with the comma that ends it. Fields are taken out by this pattern, never by replacing
# commas with a marker character: any character may occur in data (U+001F included).
FIELD_RE = '("(?:[^"]|"")*"|[^,"]*),'
RECORD_RE = f"(?:{FIELD_RE.replace('(', '(?:', 1)})*"

@dataclass
class Cleaned:
    """The outcome of cleaning one file."""

    rows_in: int
    loaded: pa.Table
    rejects: pa.Table  # line_no, reason, raw
    duplicates: int
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return self.rejects.num_rows


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def staging_connection(tmp: Path, memory_limit: str, threads: int) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for cleaning, spilling to ``tmp`` (made private: 0700) beyond
    ``memory_limit``."""
    tmp.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads,
                                "temp_directory": str(tmp)})
    body = "s[1:6] || '19' || s[7:15]"
    db.execute(f"CREATE MACRO id15to18(s) AS {body} || {check_char_sql(f'({body})')}")
    return db


def clean_file(db: duckdb.DuckDBPyConnection, path: Path, header: list[str], table: Table,
               period: str) -> Cleaned:
    """Apply the cleaning rules to the UTF-8 file at ``path`` (header already checked)."""
    _read_lines(db, path)
    records_kind = _assemble_records(db)
    rows_in = db.execute("SELECT count(*) FROM records").fetchone()[0]
    for statement in _judge_sql(header, table, period):
        db.execute(statement)
    _mark_duplicates_and_conflicts(db, table)
    loaded = db.execute(_loaded_sql(table, period)).fetch_arrow_table()
    loaded = loaded.cast(arrow_schema(table))
    rejects = db.execute("""
        SELECT line_no, reason, raw FROM judged WHERE reason IS NOT NULL
        UNION ALL
        SELECT line_no, 'KEY_CONFLICT', raw FROM judged SEMI JOIN conflict_lines USING (line_no)
        ORDER BY line_no
    """).fetch_arrow_table()
    duplicates = db.execute("SELECT count(*) FROM dup_lines").fetchone()[0]
    reasons = Counter(dict(zip(*[rejects["reason"].value_counts().field(f).to_pylist()
                                 for f in ("values", "counts")], strict=True)))
    db.execute(f"DROP {records_kind} records")
    db.execute("DROP TABLE judged; DROP TABLE lines; DROP TABLE dup_lines; DROP TABLE conflict_lines;"
               " DROP TABLE IF EXISTS spans")
    return Cleaned(rows_in, loaded, rejects, duplicates, reasons)


def _read_lines(db: duckdb.DuckDBPyConnection, path: Path) -> None:
    """lines(line_no, raw): every physical line after the header, CR stripped."""
    db.execute(f"""
        CREATE OR REPLACE TEMP TABLE lines AS
        WITH parts AS (SELECT string_split(content, chr(10)) AS p FROM read_text({sql_str(str(path))})),
        numbered AS (
            SELECT generate_subscripts(p, 1) AS line_no, unnest(p) AS raw, len(p) AS n FROM parts
        )
        SELECT line_no, rtrim(raw, chr(13)) AS raw FROM numbered
        WHERE line_no > 1 AND NOT (line_no = n AND raw = '')
    """)


def _assemble_records(db: duckdb.DuckDBPyConnection) -> str:
    """records(line_no, raw): lines, with multi-line quoted records joined.

    Only a line with an odd number of quote characters can leave a quoted field open;
    those few are followed in Python with an RFC 4180 state machine."""
    odd = [r[0] for r in db.execute(
        "SELECT line_no FROM lines WHERE (length(raw) - length(replace(raw, '\"', ''))) % 2 = 1"
        " ORDER BY line_no"
    ).fetchall()]
    spans: list[tuple[int, int]] = []
    covered = 0
    for start in odd:
        if start <= covered:
            continue
        end = _record_end(db, start)
        if end > start:
            spans.append((start, end))
            covered = end
    if not spans:
        db.execute("CREATE OR REPLACE TEMP VIEW records AS SELECT line_no, raw FROM lines")
        return "VIEW"
    db.execute("CREATE OR REPLACE TEMP TABLE spans(first BIGINT, last BIGINT)")
    db.executemany("INSERT INTO spans VALUES (?, ?)", spans)
    db.execute("""
        CREATE OR REPLACE TEMP TABLE records AS
        SELECT l.line_no, l.raw FROM lines l ANTI JOIN spans s
            ON l.line_no BETWEEN s.first AND s.last
        UNION ALL
        SELECT s.first, string_agg(l.raw, chr(10) ORDER BY l.line_no)
        FROM spans s JOIN lines l ON l.line_no BETWEEN s.first AND s.last
        GROUP BY s.first
    """)
    return "TABLE"


def _record_end(db: duckdb.DuckDBPyConnection, start: int, batch: int = 256) -> int:
    """Last line of the record starting at ``start`` (RFC 4180: a quote opens a field
    only at the field's start; ``""`` inside a quoted field is a literal quote)."""
    in_quotes = False
    at_field_start = True
    line_no = start
    while True:
        rows = db.execute(
            "SELECT line_no, raw FROM lines WHERE line_no >= ? ORDER BY line_no LIMIT ?",
            [line_no, batch],
        ).fetchall()
        if not rows:
            return line_no - 1
        for line_no, raw in rows:
            i, n = 0, len(raw)
            while i < n:
                ch = raw[i]
                if in_quotes:
                    if ch == '"':
                        if i + 1 < n and raw[i + 1] == '"':
                            i += 1
                        else:
                            in_quotes = False
                elif ch == '"' and at_field_start:
                    in_quotes = True
                    at_field_start = False
                else:
                    at_field_start = ch == ","
                i += 1
            if not in_quotes:
                return line_no
            # the record goes on: the line break belongs to the quoted field
        line_no += 1


def _fields_sql() -> str:
    """SQL splitting ``raw`` into a list of still-quoted fields (commas outside quotes)."""
    quoted = f"regexp_extract_all(raw || ',', {sql_str(FIELD_RE)}, 1)"
    return f"CASE WHEN contains(raw, '\"') THEN {quoted} ELSE string_split(raw, ',') END"


def _bad_quoting_sql() -> str:
    """True when a record holding a quote is not a sequence of well-formed fields (a quote
    inside an unquoted field, text after a closing quote, a quoted field left open)."""
    return f"NOT regexp_full_match(raw || ',', {sql_str(RECORD_RE)})"


def _rule1(expr: str) -> str:
    """Rule 1 on field ``expr``: unquote, full-width forms to half-width, trim; empty -> null.

    ``q``, ``fw`` and ``ws`` tell whether the record holds a quote, a full-width
    character or white space at all: translating every field costs ~24 s and trimming
    ~1 s per column of 5 M rows, so only the records that need it take that path."""
    unquoted = (f"CASE WHEN q AND {expr} LIKE '\"%\"' AND length({expr}) >= 2 "
                f"THEN replace({expr}[2:-2], '\"\"', '\"') ELSE {expr} END")
    narrowed = f"CASE WHEN fw THEN translate({unquoted}, {sql_str(FULL_WIDTH)}, {sql_str(HALF_WIDTH)}) " \
               f"ELSE {unquoted} END"
    return f"nullif(CASE WHEN ws OR fw THEN trim({narrowed}, {sql_str(TRIM_CHARS)}) ELSE {narrowed} END, '')"


def _rule23(col: Column, v: str) -> str:
    """Rules 2 and 3 on the rule-1 text ``v`` of ``col``."""
    if col.type is ColType.ID_NO:
        x = f"regexp_replace({v}, 'x$', 'X')"
        return f"CASE WHEN regexp_full_match({v}, '[0-9]{{15}}') THEN id15to18({v}) ELSE {x} END"
    if col.type is ColType.USCC:
        return f"CASE WHEN regexp_full_match(upper({v}), '[{USCC_CHARS}]{{18}}') THEN upper({v}) END"
    return v


def _typed(col: Column, v: str) -> str:
    """The typed value of normalized text ``v`` (null when invalid)."""
    match col.type:
        case ColType.DATE:
            return f"CASE WHEN regexp_full_match({v}, '[0-9]{{8}}') THEN try_strptime({v}, '%Y%m%d')::DATE END"
        case ColType.PERIOD:
            return f"CASE WHEN regexp_full_match({v}, '[0-9]{{4}}(0[1-9]|1[0-2])') THEN {v} END"
        case ColType.MONEY:
            money = "'-?[0-9]+(\\.[0-9]{1,2})?'"
            return f"CASE WHEN regexp_full_match({v}, {money}) THEN try_cast({v} AS DECIMAL(18,2)) END"
        case ColType.INT:
            return f"CASE WHEN regexp_full_match({v}, '-?[0-9]+') THEN try_cast({v} AS BIGINT) END"
        case ColType.CODE:
            codes = ", ".join(sql_str(c) for c in col.codes)
            return f"CASE WHEN {v} IN ({codes}) THEN {v} END"
        case ColType.ID_NO:
            return f"CASE WHEN regexp_full_match({v}, '[0-9]{{17}}[0-9X]') THEN {v} END"
        case _:
            return v


def _failures(table: Table, period: str) -> list[tuple[int, int, str, str]]:
    """(rule, column index, reason, SQL condition) for every check of rules 2-6 and 10."""
    out = []
    for idx, col in enumerate(table.columns):
        n, t = f"n_{col.name}", f"t_{col.name}"
        if col.type is ColType.USCC:
            continue  # rule 3 never rejects
        if col.type is ColType.TEXT:
            if not col.nullable:
                out.append((4, idx, "MISSING_VALUE", f"{n} IS NULL"))
            continue
        reason = EMPTY_REASON[col.type]
        if col.nullable and col.type in (ColType.DATE, ColType.PERIOD):
            continue  # invalid nullable dates and periods become null
        cond = f"{n} IS NOT NULL AND {t} IS NULL" if col.nullable else f"{t} IS NULL"
        out.append((REASON_RULE[reason], idx, reason, cond))
    if table.kind is Kind.MONTHLY and table.period_column:
        col = table.column_map[table.period_column]
        t = f"t_{col.name}"
        month = t if col.type is ColType.PERIOD else f"strftime({t}, '%Y%m')"
        idx = table.columns.index(col)
        out.append((10, idx, "OUT_OF_PERIOD", f"{t} IS NOT NULL AND {month} <> {sql_str(period)}"))
    return sorted(out)


def _judge_sql(header: list[str], table: Table, period: str) -> list[str]:
    """Statements building ``judged``: every record with its first failing reason of rules
    7, 2-6 and 10 (or null), its normalized text (``n_``) and typed (``t_``) values."""
    pos = {name: i + 1 for i, name in enumerate(header)}
    width = len(header)
    cleaned = [
        f"{_rule1(f'f[{pos[c.name]}]') if c.name in pos else 'NULL::VARCHAR'} AS c_{c.name}"
        for c in table.columns
    ]
    normal = [f"{_rule23(c, f'c_{c.name}')} AS n_{c.name}" for c in table.columns]
    typed = [f"{_typed(c, f'n_{c.name}')} AS t_{c.name}" for c in table.columns]
    reasons = "".join(f" WHEN {cond} THEN '{reason}'" for _, _, reason, cond in _failures(table, period))
    keep = ", ".join([f"n_{c.name}" for c in table.columns] + [f"t_{c.name}" for c in table.columns])
    # Each stage is materialized, so every expression runs once per row and the wide
    # intermediate columns of one stage are dropped before the next.
    return [
        f"""CREATE OR REPLACE TEMP TABLE parsed AS
            WITH split AS (
                SELECT line_no, raw, contains(raw, '"') AS q, regexp_matches(raw, {sql_str(FULL_WIDTH_RE)}) AS fw,
                       regexp_matches(raw, '[ \\t\\r\\n\\v\\f]') AS ws, {_fields_sql()} AS f
                FROM records),
            shaped AS (
                SELECT line_no, raw, q, fw, ws, f,
                       len(f) <> {width} OR CASE WHEN q THEN {_bad_quoting_sql()} ELSE false END AS malformed
                FROM split)
            SELECT line_no, raw, malformed, {", ".join(cleaned)}
            FROM (SELECT line_no, raw, q, fw, ws, malformed,
                         CASE WHEN malformed THEN [] ELSE f END AS f FROM shaped)""",
        f"CREATE OR REPLACE TEMP TABLE normal AS SELECT line_no, raw, malformed, {', '.join(normal)} FROM parsed",
        "DROP TABLE parsed",
        f"""CREATE OR REPLACE TEMP TABLE judged AS
            SELECT line_no, raw, CASE WHEN malformed THEN 'MALFORMED_ROW'{reasons} END AS reason, {keep}
            FROM (SELECT *, {", ".join(typed)} FROM normal)""",
        "DROP TABLE normal",
    ]


def _mark_duplicates_and_conflicts(db: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Rules 8 and 9 among the rows still standing, as small tables of line numbers.

    Exact duplicates: only rows whose whole-row hash repeats are compared column by
    column (hashes pre-filter; equality decides). Key conflicts: keys that occur more
    than once among the standing, non-duplicate rows."""
    cols = ", ".join(f"n_{c.name}" for c in table.columns)
    key = ", ".join(f"n_{k}" for k in table.key)
    db.execute(f"""
        CREATE OR REPLACE TEMP TABLE dup_lines AS
        WITH standing AS (SELECT line_no, hash({cols}) AS h FROM judged WHERE reason IS NULL),
        repeated AS (SELECT h FROM standing GROUP BY h HAVING count(*) > 1),
        candidates AS (
            SELECT j.line_no, {", ".join(f"j.n_{c.name}" for c in table.columns)}
            FROM judged j JOIN standing s ON j.line_no = s.line_no SEMI JOIN repeated r ON s.h = r.h
        )
        SELECT line_no FROM (
            SELECT line_no, row_number() OVER (PARTITION BY {cols} ORDER BY line_no) AS rn FROM candidates
        ) WHERE rn > 1
    """)
    db.execute(f"""
        CREATE OR REPLACE TEMP TABLE conflict_lines AS
        WITH standing AS (
            SELECT line_no, {key} FROM judged ANTI JOIN dup_lines USING (line_no) WHERE reason IS NULL
        ),
        repeated AS (SELECT {key} FROM standing GROUP BY ALL HAVING count(*) > 1)
        SELECT line_no FROM standing SEMI JOIN repeated USING ({", ".join(f"n_{k}" for k in table.key)})
    """)


def _loaded_sql(table: Table, period: str) -> str:
    cols = ", ".join(f"t_{c.name} AS {c.name}" for c in table.columns)
    return (f"SELECT {sql_str(period)} AS {PERIOD_COL}, line_no AS {LINE_COL}, {cols} FROM judged "
            "ANTI JOIN dup_lines USING (line_no) ANTI JOIN conflict_lines USING (line_no) "
            "WHERE reason IS NULL ORDER BY line_no")
