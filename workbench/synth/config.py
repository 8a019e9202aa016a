"""parameters/synth.yaml validated into a typed model (every knob of the generator)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench import params
from workbench.contract import TABLE_MAP
from workbench.errors import ParameterError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Population(_Strict):
    units_per_person: float = Field(gt=0)
    unit_closed_share: float = Field(ge=0, lt=1)
    unit_suspended_share: float = Field(ge=0, lt=1)
    jg_units_per_jg_person: float = Field(gt=0)
    jm_per_person: float = Field(ge=0)
    jg_per_person: float = Field(ge=0)
    outsiders_per_person: float = Field(ge=0)
    city_level_share: float = Field(ge=0, lt=1)
    retired_share: float = Field(ge=0, lt=1)
    unemployed_share: float = Field(ge=0, lt=1)
    terminated_share: float = Field(ge=0, lt=1)
    dead_retiree_share: float = Field(ge=0, lt=1)
    unit_switch_share: float = Field(ge=0, lt=1)
    new_enrol_share: float = Field(ge=0, lt=0.05)
    hukou_weights: tuple[float, float, float, float]
    district_weights: dict[str, float]
    male_share: float = Field(ge=0, le=1)
    special_retire_share: float = Field(ge=0, lt=1)
    special_retire_years: int = Field(ge=0, le=15)
    jm_receiving_share: float = Field(ge=0, le=1)
    jm_terminated_share: float = Field(ge=0, lt=1)
    jm_dead_share: float = Field(ge=0, lt=1)
    jg_retired_share: float = Field(ge=0, lt=1)
    jg_dead_share: float = Field(ge=0, lt=1)
    outsider_dead_share: float = Field(ge=0, le=1)
    prison_per_person: float = Field(ge=0)
    identity_change_per_person: float = Field(ge=0)
    injury_cases_per_person_year: float = Field(ge=0)
    injury_history_months: int = Field(ge=12)
    appraisal_share: float = Field(ge=0, le=1)
    backpay_share: float = Field(ge=0, lt=1)
    backpay_max_periods: int = Field(ge=1, le=23)
    refund_share: float = Field(ge=0, lt=1)
    subsidy_per_person: float = Field(ge=0)
    employment_reg_per_person: float = Field(ge=0)
    car_apply_per_person: float = Field(ge=0)
    house_apply_per_person: float = Field(ge=0)
    death_second_agency_share: float = Field(ge=0, le=1)
    death_third_agency_share: float = Field(ge=0, le=1)


class Ages(_Strict):
    retire_age_male: int
    retire_age_female: int
    jg_retire_age_female: int
    resident_pension_age: int
    min_work_age: int
    max_age: int
    min_contrib_months_at_retirement: int


class Rate(_Strict):
    unit: int | list[int]
    person: int


class Money(_Strict):
    rates_bp: dict[str, Rate]
    wage_median: float
    wage_sigma: float
    wage_growth: float
    pension_range: tuple[float, float]
    jg_pension_range: tuple[float, float]
    jm_pension_range: tuple[float, float]
    unemployment_range: tuple[float, float]
    jm_grades: list[int]
    injury_allowance_range: tuple[float, float]
    injury_lump_range: tuple[float, float]
    injury_other_range: tuple[float, float]
    subsidy_range: tuple[float, float]
    account_interest_bp: int


class Limit(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from", pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    to: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    lower: float
    upper: float


class Files(_Strict):
    gb18030: list[str]
    crlf: list[str]
    bom: list[str]
    shuffled_header: list[str]
    extra_column: dict[str, str]
    quote_all_columns: dict[str, list[str]]
    odd_unit_names: int = Field(ge=0)


class Dirty(_Strict):
    counts: dict[str, int]
    per_table: dict[str, dict[str, int]] = {}
    pool_people: int = Field(ge=50)

    def for_table(self, table: str) -> dict[str, int]:
        return {**self.counts, **self.per_table.get(table, {})}


class Plants(_Strict):
    enabled: bool


class Indicators(_Strict):
    base_jump_ratio: float = Field(gt=1)
    near_retire_years: int = Field(ge=1)
    backpay_min_months: int = Field(ge=2)
    min_contrib_months: int = Field(ge=1)
    overpay_tolerance: float = Field(ge=0)
    injury_decision_days: int = Field(ge=10)
    injury_repeat: int = Field(ge=2, le=10)
    identity_change_months: int = Field(ge=12)
    required_months: int = Field(ge=12)


class SynthParams(_Strict):
    seed: int
    persons: int = Field(ge=100)
    population: Population
    ages: Ages
    money: Money
    base_limits: list[Limit]
    files: Files
    dirty: Dirty
    plants: Plants
    indicators: Indicators


DIRTY_KINDS = (
    "fullwidth",
    "whitespace",
    "lower_x",
    "id15",
    "quoted",
    "wrong_check",
    "bad_uscc",
    "bad_nullable_date",
    "multiline",
    "malformed",
    "bad_id",
    "bad_date",
    "missing",
    "bad_code",
    "bad_number",
    "out_of_period",
    "multi",
    "duplicate",
    "rejected_twins",
    "key_conflict",
    "conflict_with_dup",
    "conflict_text",
    "conflict_rejected",
    "uscc_dup",
)


def load(data: dict[str, Any] | None = None) -> SynthParams:
    """The validated synth parameters (``parameters/synth.yaml`` unless ``data`` is given)."""
    where = "synth.yaml"
    if data is None:
        data = params.load_raw("synth")
        where = str(params.directory() / "synth.yaml")
    try:
        cfg = SynthParams.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        raise ParameterError(f"{where}: parameter {key!r}: {err['msg']}") from None
    unknown = [k for k in cfg.dirty.counts if k not in DIRTY_KINDS]
    unknown += [k for over in cfg.dirty.per_table.values() for k in over if k not in DIRTY_KINDS]
    tables = [
        *cfg.dirty.per_table,
        *cfg.files.gb18030,
        *cfg.files.crlf,
        *cfg.files.bom,
        *cfg.files.shuffled_header,
        *cfg.files.extra_column,
        *cfg.files.quote_all_columns,
    ]
    bad_tables = sorted({t for t in tables if t not in TABLE_MAP})
    if unknown:
        raise ParameterError(f"{where}: unknown dirty kind(s) {', '.join(unknown)}")
    if bad_tables:
        raise ParameterError(f"{where}: unknown table(s) {', '.join(bad_tables)} under files")
    return cfg
