"""action log: keyed MACs (HMAC-SHA256), a gap-free sequence number, a chain id

Revision ID: 0011_log_mac
Revises: 0010_login_attempt
Create Date: 2026-12-04

security.md: the log proves itself only if nobody without the key can recompute the chain.
``action_log`` gets ``seq`` (1, 2, 3… without gaps, unique) and ``mac`` in place of the
unkeyed ``prev_hash``/``hash``; ``log_anchor`` holds the log's random ``chain`` id and the
newest (seq, MAC) in place of records/last_id/last_hash. Records already there (this is
the first release with the log) are numbered in id order and sealed with the key
(``WORKBENCH_HOME/keys/log.key`` or ``WORKBENCH_LOG_KEY_FILE``), and the anchor file gets
their newest (seq, MAC) when the migration commits; a database that already holds problems
or users gets one ``log_baseline`` record of them (their states, districts, findings amounts,
roles, enabled flags: what the log witnesses from now on). Downgrading recomputes the old
SHA-256 chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

revision = "0011_log_mac"
down_revision = "0010_login_attempt"
branch_labels = None
depends_on = None

LOG = sa.table("action_log", sa.column("id", sa.Integer), sa.column("seq", sa.Integer),
               sa.column("at", sa.DateTime(timezone=True)), sa.column("actor", sa.String),
               sa.column("action", sa.String), sa.column("target", sa.String), sa.column("district_code", sa.String),
               sa.column("detail_json", sa.Text), sa.column("mac", sa.String), sa.column("prev_hash", sa.String),
               sa.column("hash", sa.String))
ANCHOR = sa.table("log_anchor", sa.column("name", sa.String), sa.column("chain", sa.String),
                  sa.column("last_seq", sa.Integer), sa.column("last_mac", sa.String),
                  sa.column("records", sa.Integer), sa.column("last_id", sa.Integer),
                  sa.column("last_hash", sa.String))
COLS = (LOG.c.id, LOG.c.at, LOG.c.actor, LOG.c.action, LOG.c.target, LOG.c.district_code, LOG.c.detail_json)


def upgrade() -> None:
    from workbench.office import actionlog

    with op.batch_alter_table("action_log") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("mac", sa.String(64), nullable=True))
    with op.batch_alter_table("log_anchor") as batch:
        batch.add_column(sa.Column("chain", sa.String(32), nullable=True))
        batch.add_column(sa.Column("last_seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_mac", sa.String(64), nullable=True))

    if context.is_offline_mode():
        _offline_anchor(actionlog)
    else:
        _seal(actionlog)
    _drop_old_columns()
    if not context.is_offline_mode():
        _baseline(actionlog)


# a random 32-hex-digit chain id computed by the database (offline SQL builds one office each time it runs)
RANDOM_CHAIN = {"postgresql": "md5(random()::text || clock_timestamp()::text)",
                "oracle": "LOWER(RAWTOHEX(SYS_GUID()))", "sqlite": "lower(hex(randomblob(16)))"}


def _offline_anchor(actionlog) -> None:
    """Offline (``--sql``, ``workbench db ddl``): the database the script builds is empty, so the
    anchor row of 0003 gets a new chain id and no record; nothing to seal, no baseline."""
    op.execute("-- 0011_log_mac: records already in action_log are sealed and an office holding problems "
               "or users gets a log_baseline record here when migrating online (none in a new database)")
    chain = RANDOM_CHAIN[op.get_context().dialect.name]
    op.execute(sa.update(ANCHOR).where(ANCHOR.c.name == actionlog.CHAIN)
               .values(chain=sa.literal_column(chain), last_seq=0, last_mac=actionlog.GENESIS))


def _seal(actionlog) -> None:
    conn = op.get_bind()
    chain, seq, mac = actionlog.new_chain_id(), 0, actionlog.GENESIS
    rows = conn.execute(sa.select(*COLS).order_by(LOG.c.id)).all()
    key = actionlog.load_key() if rows else b""
    for r in rows:
        seq += 1
        mac = actionlog.record_mac(key, chain, seq, mac, r.at, r.actor, r.action, r.target, r.district_code,
                                   r.detail_json)
        conn.execute(sa.update(LOG).where(LOG.c.id == r.id).values(seq=seq, mac=mac))
    values = {"chain": chain, "last_seq": seq, "last_mac": mac}
    if not conn.execute(sa.update(ANCHOR).where(ANCHOR.c.name == actionlog.CHAIN).values(**values)).rowcount:
        conn.execute(sa.insert(ANCHOR).values(name=actionlog.CHAIN, records=seq, last_id=0,
                                              last_hash="0" * 64, **values))
    if seq:
        conn.info[actionlog._PENDING] = (chain, seq, mac)  # anchored when the migration commits


def _drop_old_columns() -> None:
    offline_sqlite = context.is_offline_mode() and op.get_context().dialect.name == "sqlite"
    with op.batch_alter_table("action_log", copy_from=_log_table() if offline_sqlite else None) as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("mac", existing_type=sa.String(64), nullable=False)
        batch.drop_column("prev_hash")
        batch.drop_column("hash")
    op.create_index("ix_action_log_seq", "action_log", ["seq"], unique=True)
    with op.batch_alter_table("log_anchor", copy_from=_anchor_table() if offline_sqlite else None) as batch:
        batch.alter_column("chain", existing_type=sa.String(32), nullable=False)
        batch.alter_column("last_seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("last_mac", existing_type=sa.String(64), nullable=False)
        batch.drop_column("records")
        batch.drop_column("last_id")
        batch.drop_column("last_hash")


def _log_table() -> sa.Table:
    """``action_log`` with the new columns still nullable (the offline batch copy on SQLite)."""
    ts = sa.DateTime(timezone=True)
    return sa.Table(
        "action_log", sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", ts, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(128), nullable=True),
        sa.Column("district_code", sa.String(12), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("mac", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_action_log"),
        sa.Index("ix_action_log_actor_at", "actor", "at"),
        sa.Index("ix_action_log_action_at", "action", "at"))


def _anchor_table() -> sa.Table:
    """``log_anchor`` with the new columns still nullable (the offline batch copy on SQLite)."""
    return sa.Table(
        "log_anchor", sa.MetaData(),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("chain", sa.String(32), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=True),
        sa.Column("last_mac", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_log_anchor"))


def _baseline(actionlog) -> None:
    """What the office holds now, as the starting point of `log verify`'s reconciliation."""
    from workbench.office import reconcile

    conn = op.get_bind()
    from workbench.office.states import Action

    if (conn.execute(sa.text("SELECT COUNT(*) FROM problem")).scalar_one()
            or conn.execute(sa.text("SELECT COUNT(*) FROM app_user")).scalar_one()):
        actionlog.append(conn, "system", Action.BASELINE, "office", None,
                         **reconcile.baseline_detail(conn))


def _old_hash(prev: str, at: datetime, actor: str, action: str, target: str | None, district: str | None,
              detail_json: str) -> str:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    body = json.dumps([prev, at.strftime("%Y-%m-%dT%H:%M:%S.%f"), actor, action, target, district, detail_json],
                      ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def downgrade() -> None:
    op.drop_index("ix_action_log_seq", table_name="action_log")
    with op.batch_alter_table("action_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    with op.batch_alter_table("log_anchor") as batch:
        batch.add_column(sa.Column("records", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("last_hash", sa.String(64), nullable=True))
    conn = op.get_bind()
    prev, count, last_id = "0" * 64, 0, 0
    for r in conn.execute(sa.select(*COLS).order_by(LOG.c.seq)).all():
        digest = _old_hash(prev, r.at, r.actor, r.action, r.target, r.district_code, r.detail_json)
        conn.execute(sa.update(LOG).where(LOG.c.id == r.id).values(prev_hash=prev, hash=digest))
        prev, count, last_id = digest, count + 1, r.id
    conn.execute(sa.update(ANCHOR).values(records=count, last_id=last_id, last_hash=prev))
    with op.batch_alter_table("action_log") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch.drop_column("seq")
        batch.drop_column("mac")
    with op.batch_alter_table("log_anchor") as batch:
        batch.alter_column("records", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("last_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("last_hash", existing_type=sa.String(64), nullable=False)
        batch.drop_column("chain")
        batch.drop_column("last_seq")
        batch.drop_column("last_mac")
