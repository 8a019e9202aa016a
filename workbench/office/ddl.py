"""The office schema as SQL for a database administrator (``workbench db ddl``, cli.md).

``ddl(dialect)`` runs every Alembic revision of ``migrations/`` in order in Alembic's offline
mode (``alembic upgrade head --sql``): nothing is connected, each operation is written out as
the SQL of ``dialect`` (oracle, postgresql or sqlite), ending with the ``alembic_version`` row
of the head, so that a database built from the script is one ``workbench`` recognises as
migrated. Revisions that move data check ``context.is_offline_mode()``: a database built from
the script is empty, so their data steps are skipped there with a SQL comment (0011 sets the
log's anchor of an empty log, 0014 moves no attachment).

On Oracle every identifier is at most 30 characters (Oracle 11g R2; 0013_short_names and the
naming convention of ``models``), which tests/test_oracle.py checks on this output.
"""

from __future__ import annotations

import io

from workbench.errors import UsageError
from workbench.office.db import MIGRATIONS

DIALECTS = ("oracle", "postgresql", "sqlite")


def ddl(dialect: str) -> str:
    """The SQL of every migration, in order, for ``dialect`` (one of ``DIALECTS``)."""
    from alembic import command
    from alembic.config import Config

    if dialect not in DIALECTS:
        raise UsageError(f"unknown dialect {dialect!r}: choose one of {', '.join(DIALECTS)}")
    out = io.StringIO()
    cfg = Config(output_buffer=out)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", f"{dialect}://")
    command.upgrade(cfg, "head", sql=True)
    return out.getvalue()


def cli_ddl(dialect: str, out: str | None) -> int:
    """``workbench db ddl``: the SQL on stdout, or written to ``out`` (checked before, by the CLI)."""
    text = ddl(dialect)
    if out is None:
        print(text, end="")
        return 0
    from workbench.outputs import write_text

    write_text(out, text)
    print(f"wrote the {dialect} DDL of the office database to {out}")
    return 0
