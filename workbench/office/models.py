"""Tables of the office database (SQLAlchemy 2 typed declarative models).

Portable to SQLite, PostgreSQL and Oracle: every constraint and index is named (the
naming convention below), every string has a length, JSON is kept as text, no partial
indexes. The schema is created by the Alembic revisions in ``migrations/``, never by
``create_all`` in the application.

* ``problem``: one suspected problem (one indicator on one subject), its state and the
  last detection (period, amount, parameters, compiled SQL). At most one *open* problem
  per (indicator_code, subject_key): enforced by the publishing service (Oracle has no
  partial unique index), helped by the index on those two columns.
* ``problem_evidence``: the qualifying rows of a detection, per problem and period.
* ``problem_event``: append-only history (who, when, action, from/to state, opinion).
* ``indicator_run``: one run of ``workbench indicators``; ``run_indicator`` the
  indicators it covered; ``run_hit`` every detection of the run (the problems export).
* ``office_lock``: a row locked by each publication so two runs never interleave.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import ForeignKeyConstraint

from workbench.office.states import ProblemState
from workbench.validators import DISPLAY_NAME

ORACLE_NAME_MAX = 30  # Oracle 11g R2 identifiers (ORA-00972 beyond)


def short(name: str) -> str:
    """``name`` if it fits Oracle's 30 characters, else its first 21, ``_`` and the first 8 hex
    digits of its SHA-1 (stable: the same long name always gives the same short one)."""
    if len(name) <= ORACLE_NAME_MAX:
        return name
    return f"{name[:ORACLE_NAME_MAX - 9]}_{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def _columns(constraint) -> list[str]:
    if isinstance(constraint, ForeignKeyConstraint):
        return [fk.parent.name for fk in constraint.elements]
    return [c.name for c in constraint.columns]


def _named(prefix: str, every_column: bool):
    def token(constraint, table) -> str:
        columns = _columns(constraint)
        return short("_".join([prefix, table.name, *(columns if every_column else columns[:1])]))
    return token


# ix_<table>_<columns>, uq_<table>_<columns>, fk_<table>_<first column>, pk_<table>,
# ck_<table>_<given name>: each shortened by ``short`` when over 30 characters (an explicit
# name is kept as given; tests/test_oracle.py checks every name of the schema)
NAMING = {
    "ix_name": _named("ix", True),
    "uq_name": _named("uq", True),
    "fk_name": _named("fk", False),
    "pk_name": lambda _constraint, table: short(f"pk_{table.name}"),
    "ix": "%(ix_name)s",
    "uq": "%(uq_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "%(fk_name)s",
    "pk": "%(pk_name)s",
}

CODE = 32      # indicator codes, actions, statuses
KEY = 128      # subject keys (ID numbers, USCCs, case and application numbers)
DISTRICT = 12
PERIOD = 6
STATE = 32
ACTOR = 64
AMOUNT = Numeric(18, 2)


def now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Problem(Base):
    __tablename__ = "problem"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(CODE))
    indicator_version: Mapped[int] = mapped_column(Integer, default=1)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(KEY))
    district_code: Mapped[str] = mapped_column(String(DISTRICT))
    first_period: Mapped[str] = mapped_column(String(PERIOD))
    last_period: Mapped[str] = mapped_column(String(PERIOD))
    amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    state: Mapped[str] = mapped_column(String(STATE), default=ProblemState.PENDING.value)
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recurrence_of: Mapped[int | None] = mapped_column(ForeignKey("problem.id"))
    params_json: Mapped[str | None] = mapped_column(Text)
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_run.id"))
    escalation: Mapped[str | None] = mapped_column(String(16))        # requested / approved
    deferral_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # requested new deadline
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (
        Index("ix_problem_indicator_subject", "indicator_code", "subject_key"),
        # the work queue's parts by state in deadline order (migration 0015)
        Index("ix_problem_state_deadline", "state", "deadline", "id"),
        Index("ix_problem_dist_state_dl", "district_code", "state", "deadline", "id"),
        Index("ix_problem_deadline_id", "deadline", "id"),
        Index("ix_problem_district_deadline", "district_code", "deadline", "id"),
        # the statistics read these groups from the index alone (migration 0008)
        Index("ix_problem_cells", "district_code", "indicator_code", "last_period", "state", "deadline",
              "updated_at", "amount"),
        Index("ix_problem_period_cells", "last_period", "district_code", "indicator_code", "state", "deadline",
              "updated_at", "amount"),
    )


class ProblemEvidence(Base):
    __tablename__ = "problem_evidence"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(PERIOD))
    row_no: Mapped[int] = mapped_column(Integer)
    row_json: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_evidence_problem_period", "problem_id", "period"),)


class IndicatorRun(Base):
    __tablename__ = "indicator_run"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    period: Mapped[str] = mapped_column(String(PERIOD))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")
    params_json: Mapped[str | None] = mapped_column(Text)
    only_codes: Mapped[str | None] = mapped_column(Text)
    evaluated: Mapped[int] = mapped_column(Integer, default=0)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_indicator_run_period_status", "period", "status"),)


class RunIndicator(Base):
    """One indicator evaluated by a run (also when it found nothing)."""

    __tablename__ = "run_indicator"

    run_id: Mapped[int] = mapped_column(ForeignKey("indicator_run.id", ondelete="CASCADE"), primary_key=True)
    indicator_code: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    indicator_version: Mapped[int] = mapped_column(Integer, default=1)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Numeric(12, 3, asdecimal=False))
    params_json: Mapped[str | None] = mapped_column(Text)
    sql_text: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_run_indicator_code", "indicator_code"),)


class RunHit(Base):
    __tablename__ = "run_hit"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("indicator_run.id", ondelete="CASCADE"))
    indicator_code: Mapped[str] = mapped_column(String(CODE))
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_key: Mapped[str] = mapped_column(String(KEY))
    district_code: Mapped[str] = mapped_column(String(DISTRICT))
    amount: Mapped[Decimal | None] = mapped_column(AMOUNT)
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem.id"))

    __table_args__ = (Index("ix_run_hit_run_indicator", "run_id", "indicator_code"),)


class ProblemEvent(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "problem_event"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(ACTOR))
    action: Mapped[str] = mapped_column(String(CODE))
    from_state: Mapped[str | None] = mapped_column(String(STATE))
    to_state: Mapped[str | None] = mapped_column(String(STATE))
    opinion: Mapped[str | None] = mapped_column(Text)
    detail_json: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("indicator_run.id"))

    __table_args__ = (Index("ix_problem_event_problem", "problem_id"),)


class OfficeLock(Base):
    """Named locks: a publication updates its row first and holds it until commit."""

    __tablename__ = "office_lock"

    name: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


# ------------------------------------------------------------------ users and the action log
class User(Base):
    """A person who logs in to the office (README, Roles); district users have a district."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    username: Mapped[str] = mapped_column(String(ACTOR), unique=True)
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME.limit))  # migration 0012
    district_code: Mapped[str | None] = mapped_column(String(DISTRICT))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[int] = mapped_column(Integer, default=0)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(CODE), primary_key=True)


class UserSession(Base):
    """A login; the browser holds the token, the database only its SHA-256 (and that of the
    session's page key, ``accounts.page_key``, by which a page's actions find the session)."""

    __tablename__ = "user_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    page_key_hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_user_session_user_id", "user_id"),
                      Index("ix_user_session_page_key", "page_key_hash", unique=True))


class LoginAttempt(Base):
    """One login attempt (security.md throttling): counted per (user name, source address)
    and per address in the office database, so the limits hold across server processes.
    ``ok``: 0 failed (or still being checked), 1 succeeded, 2 refused unchecked (throttled);
    rows older than the longest window and block are removed (``workbench.office.accounts``)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    username: Mapped[str] = mapped_column(String(KEY))
    address: Mapped[str] = mapped_column(String(64))
    ok: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_login_attempt_user_addr", "username", "address", "at"),
                      Index("ix_login_attempt_addr_at", "address", "at"))


class ActionLog(Base):
    """Append-only, numbered ``seq`` 1, 2, 3… without gaps; ``mac`` = HMAC-SHA256 (key outside
    the database) of the previous record's MAC and every field (``workbench.office.actionlog``)."""

    __tablename__ = "action_log"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    actor: Mapped[str] = mapped_column(String(ACTOR))
    action: Mapped[str] = mapped_column(String(CODE))
    target: Mapped[str | None] = mapped_column(String(KEY))
    district_code: Mapped[str | None] = mapped_column(String(DISTRICT))
    detail_json: Mapped[str] = mapped_column(Text)
    mac: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_action_log_actor_at", "actor", "at"), Index("ix_action_log_action_at", "action", "at"),
                      Index("ix_action_log_seq", "seq", unique=True))


class LogAnchor(Base):
    """The chain's head: the log's random ``chain`` id and its newest (seq, MAC), moved in the
    transaction of every append; appends are serialized by its row lock."""

    __tablename__ = "log_anchor"

    name: Mapped[str] = mapped_column(String(CODE), primary_key=True)
    chain: Mapped[str] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_mac: Mapped[str] = mapped_column(String(64))


# ------------------------------------------------------------------ the work on a problem
class ProblemFinding(Base):
    """核查结果: what the district found (one row per problem, replaced while handling)."""

    __tablename__ = "problem_finding"

    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"), primary_key=True)
    conclusion: Mapped[str] = mapped_column(String(CODE))
    amount_involved: Mapped[Decimal] = mapped_column(AMOUNT)
    amount_recovered: Mapped[Decimal] = mapped_column(AMOUNT)
    fines: Mapped[Decimal] = mapped_column(AMOUNT)
    rectified: Mapped[int] = mapped_column(Integer)
    persons_punished: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(ACTOR))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class ProblemComment(Base):
    """意见交流: append-only comments on a problem (plain text, shown escaped)."""

    __tablename__ = "problem_comment"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    author: Mapped[str] = mapped_column(String(ACTOR))
    body: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_problem_comment_problem_id", "problem_id"),)


class DocumentBlob(Base):
    """The bytes of a document version, stored once by their SHA-256 (``workbench.documents``):
    the file is ``<documents root>/<sha256[:2]>/<sha256[2:]>``; ``media_type`` is the type
    the content was checked to be."""

    __tablename__ = "document_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Document(Base):
    """A named document of an owner in a collection (``problem_attachment``: owner = the
    problem id); its contents are its versions 1..n."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    collection: Mapped[str] = mapped_column(String(CODE))
    owner_key: Mapped[str] = mapped_column(String(KEY))
    name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    created_by: Mapped[str] = mapped_column(String(ACTOR))

    __table_args__ = (UniqueConstraint("collection", "owner_key", "name", name="uq_document_owner_name"),)


class DocumentVersion(Base):
    """Version ``version`` of a document: who uploaded which blob when."""

    __tablename__ = "document_version"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", name="fk_docversion_document"))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(ForeignKey("document_blob.sha256", name="fk_docversion_blob"))
    uploaded_by: Mapped[str] = mapped_column(String(ACTOR))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    __table_args__ = (UniqueConstraint("document_id", "version", name="uq_docversion_version"),
                      Index("ix_docversion_sha256", "sha256"))
