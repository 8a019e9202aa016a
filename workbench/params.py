"""Parameters kept in ``parameters/*.yaml``, validated into typed models before use.

Each file has a pydantic model here; an unknown key or a wrong type fails with the file
and key named. The files are read from the installed package (``workbench.parameters``: the
repository's ``parameters/`` folder in a checkout, its installed copy in a wheel);
``WORKBENCH_PARAMETERS`` points to another parameters folder.
"""

from __future__ import annotations

import copy
import os
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from workbench.config import package_folder
from workbench.errors import ParameterError, suggest

DEFAULT_DIR = package_folder("parameters")  # the installed parameters (importlib.resources)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MemorySize = Annotated[str, Field(pattern=r"^\d+(\.\d+)?\s*[KMGT]i?B$")]  # as DuckDB takes it: 3GB, 512MiB


class IntakeParams(Strict):
    """parameters/intake.yaml: how intake runs (not what the contract says)."""

    staging_memory_limit: MemorySize
    staging_threads: int = Field(ge=1, le=64)
    max_line_bytes: int = Field(ge=1)  # a longer physical line refuses its file (LINE_TOO_LONG)


class ReportParams(Strict):
    """parameters/reports.yaml: what the per-source intake reports show."""

    history_periods: int = Field(ge=1, le=120)
    reject_examples: int = Field(ge=0, le=100)


class EngineParams(Strict):
    """parameters/engine.yaml: how indicator runs use the warehouse engine."""

    workers: int = Field(ge=1, le=32)
    share_common_terms: bool
    memory_limit: MemorySize


class DemoParams(Strict):
    """parameters/demo.yaml: the synthetic city of ``workbench demo``."""

    period: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    months: int = Field(ge=1, le=72)
    persons: int = Field(ge=100)
    seed: int


class Argon2Params(Strict):
    """argon2id cost of password hashes; never below OWASP's minimum (m=19 MiB, t=2, p=1)."""

    memory_kib: int = Field(ge=19_456, le=4_194_304)
    time_cost: int = Field(ge=2, le=50)
    parallelism: int = Field(ge=1, le=16)


class ThrottleParams(Strict):
    """After ``failures`` failed logins within ``within_minutes``, refuse for ``block_minutes``."""

    failures: int = Field(ge=1, le=1_000)
    within_minutes: int = Field(ge=1, le=1_440)
    block_minutes: int = Field(ge=1, le=1_440)


class LoginParams(Strict):
    throttle_pair: ThrottleParams     # per (user name, source address): refused without a password check
    throttle_address: ThrottleParams  # per source address, whatever the names: HTTP 429
    session_idle_minutes: int = Field(ge=1, le=1_440)
    session_max_hours: int = Field(ge=1, le=168)
    min_password_length: int = Field(ge=8, le=128)
    argon2: Argon2Params


def _network(value: str) -> str:
    import ipaddress

    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"not an IP address or network: {value!r}") from None
    return value


Network = Annotated[str, AfterValidator(_network)]


class ServeParams(Strict):
    """How ``workbench serve`` runs: ``procs`` server processes (forked; Linux) share the port;
    who is believed about the client's address and scheme; cookies and sessions."""

    procs: int = Field(ge=1, le=64)
    trusted_proxies: list[Network] = []            # X-Forwarded-For/-Proto believed only from these
    secure_cookies: Literal["auto", "always", "never"] = "auto"
    max_sessions_per_user: int = Field(default=5, ge=1, le=100)


class DeadlineDays(Strict):
    high: int = Field(ge=1, le=3650)
    medium: int = Field(ge=1, le=3650)
    low: int = Field(ge=1, le=3650)


class AttachmentParams(Strict):
    max_bytes: int = Field(ge=1, le=1 << 30)
    suffixes: list[str] = Field(min_length=1)


class DocumentParams(Strict):
    root: str = Field(min_length=1)                # blobs' folder; relative = under WORKBENCH_HOME


class OfficeParams(Strict):
    """parameters/office.yaml: the supervision office (workflow database)."""

    evidence_rows: int = Field(ge=0, le=10_000)
    login: LoginParams
    serve: ServeParams
    deadline_days: DeadlineDays
    unmask_roles: list[str]
    attachments: AttachmentParams
    documents: DocumentParams


class ScoreComponent(Strict):
    """One part of a district's assessment score: ``weight`` x min(1, ratio / ``full_at``)."""

    weight: Decimal = Field(ge=0, le=1000)
    ratio: Literal["in_time_of_due", "closed_of_problems", "rectified_of_closed_true", "recovered_of_involved",
                   "recovered_and_fines_of_involved"]
    scope: Literal["all", "fund", "money"]
    full_at: Decimal = Field(gt=0, le=1)


class ScoringParams(Strict):
    """parameters/scoring.yaml: 考核评分 per district and period (weights and formulas)."""

    warning: ScoreComponent
    rectification: ScoreComponent
    recovered_money: ScoreComponent
    recovered_fund: ScoreComponent
    fund_lines: list[str] = Field(min_length=1)
    when_empty: Literal["full", "zero"]
    extra_min: Decimal = Field(ge=-1000, le=0)
    extra_max: Decimal = Field(ge=0, le=1000)
    statistics_cache_seconds: int = Field(ge=0, le=3600)


MODELS: dict[str, type[Strict]] = {"intake": IntakeParams, "reports": ReportParams, "demo": DemoParams,
                                   "engine": EngineParams,
                                   "office": OfficeParams, "scoring": ScoringParams}


def directory() -> Path:
    return Path(os.environ.get("WORKBENCH_PARAMETERS") or DEFAULT_DIR)


def load_raw(name: str) -> dict[str, Any]:
    path = directory() / f"{name}.yaml"
    if not path.is_file():
        raise ParameterError(f"parameters file {path} not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ParameterError(f"{path}: expected a mapping of parameter names to values")
    return data


def validate(name: str, data: dict[str, Any], where: str) -> Strict:
    """Validate ``data`` with the model of ``name``; errors name the file and key."""
    model = MODELS[name]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # an unknown key explains a missing one (a typo): report it first
        err = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        key = ".".join(str(p) for p in err["loc"])
        hint = suggest(key, list(model.model_fields)) if err["type"] == "extra_forbidden" else ""
        raise ParameterError(f"{where}: parameter {key!r}: {err['msg']}{hint}") from None


_LOADED: dict[str, tuple[tuple[int, int, int], dict[str, Any]]] = {}


def load(name: str) -> dict[str, Any]:
    """The validated parameters of ``parameters/<name>.yaml`` as a dict (a copy of its own).
    A file is read and validated again only when it changed (inode, size or modification time):
    the server asks for the office parameters on every page and session check."""
    if name not in MODELS:
        raise ParameterError(f"unknown parameters file {name!r}{suggest(name, list(MODELS))}")
    path = directory() / f"{name}.yaml"
    try:
        st = path.stat()
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    except OSError:
        stamp = None
    hit = _LOADED.get(str(path))
    if stamp is None or hit is None or hit[0] != stamp:
        data = validate(name, load_raw(name), str(path)).model_dump()
        if stamp is not None:
            _LOADED[str(path)] = (stamp, data)
    else:
        data = hit[1]
    return copy.deepcopy(data)
