"""Alembic environment: the connection is handed in by ``workbench.office.db``.

Run programmatically (``db.upgrade(url)``); with the ``alembic`` command, set
``sqlalchemy.url`` in an ini file whose ``script_location`` is this folder.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from workbench.office.schema import metadata as target_metadata_all

config = context.config
target_metadata = target_metadata_all


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # ALTER TABLE by copy on SQLite
        compare_type=True,
    )


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from workbench.office.db import normalize

    engine = create_engine(normalize(config.get_main_option("sqlalchemy.url")))
    with engine.begin() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
