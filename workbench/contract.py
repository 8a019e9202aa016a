"""The monthly delivery contract (spec data-contract.md) as data.

Every table of the delivery is declared once here: its source, kind (snapshot or
monthly), columns with their types, nullability and code lists, its key and, for
monthly tables, the column that must lie in the delivery period (cleaning rule 10).
Synthetic data, intake, cleaning and the warehouse schema all read this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from workbench.districts import DISTRICT_CODES


class ColType(StrEnum):
    """Column types of the contract; each maps to one cleaning rule and reject reason."""

    TEXT = "text"  # free text and record ids: empty -> MISSING_VALUE
    ID_NO = "id_no"  # GB 11643 resident id number: rule 2, BAD_ID_NO
    USCC = "uscc"  # GB 32100 credit code: rule 3, invalid -> null
    DATE = "date"  # YYYYMMDD: rule 4, BAD_DATE
    PERIOD = "period"  # YYYYMM: rule 4, BAD_DATE
    CODE = "code"  # listed codes: rule 5, BAD_CODE
    MONEY = "money"  # -?digits[.d[d]]: rule 6, BAD_NUMBER
    INT = "int"  # -?digits: rule 6, BAD_NUMBER


class Kind(StrEnum):
    SNAPSHOT = "snapshot"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColType
    nullable: bool = False
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    kind: Kind
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    period_column: str | None = None  # rule 10: must lie in P (monthly tables)
    column_map: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_map", {c.name: c for c in self.columns})

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if not c.nullable]


def _c(name: str, type_: ColType, nullable: bool = False, codes: str | tuple[str, ...] = ()) -> Column:
    if isinstance(codes, str):
        codes = tuple(codes.split())
    return Column(name, type_, nullable, codes)


T, ID, US, D, PE, C, M, INT = (
    ColType.TEXT,
    ColType.ID_NO,
    ColType.USCC,
    ColType.DATE,
    ColType.PERIOD,
    ColType.CODE,
    ColType.MONEY,
    ColType.INT,
)
DISTRICT = DISTRICT_CODES
INSURANCE_SB = "110 210 410"
PAY_TYPE = "1 2 3"
SEX = "1 2"


def _district(name: str = "district_code") -> Column:
    return _c(name, C, codes=DISTRICT)


TABLES: tuple[Table, ...] = (
    # --- sb: employee social insurance -------------------------------------------
    Table(
        "sb_unit", "sb", Kind.SNAPSHOT, "参保单位",
        (
            _c("unit_id", T), _c("uscc", US, True), _c("unit_name", T),
            _c("unit_type", C, codes="10 20 30 40 50 90"), _district(),
            _c("status", C, codes="1 2 3"), _c("open_date", D), _c("close_date", D, True),
        ),
        ("unit_id",),
    ),
    Table(
        "sb_person", "sb", Kind.SNAPSHOT, "参保人员",
        (
            _c("person_id", T), _c("id_no", ID), _c("name", T), _c("sex", C, codes=SEX),
            _c("birth_date", D), _c("hukou_type", C, codes="1 2 3 4"), _district(),
            _c("unit_id", T, True), _c("status", C, codes="1 2 3 4"), _c("first_enroll_date", D),
        ),
        ("person_id",),
    ),
    Table(
        "sb_contrib", "sb", Kind.MONTHLY, "缴费明细",
        (
            _c("contrib_id", T), _c("person_id", T), _c("unit_id", T),
            _c("insurance_type", C, codes=INSURANCE_SB), _c("period", PE), _c("pay_month", PE),
            _c("base", M), _c("unit_amount", M), _c("person_amount", M),
            _c("pay_type", C, codes=PAY_TYPE),
        ),
        ("contrib_id",), "pay_month",
    ),
    Table(
        "sb_benefit_approval", "sb", Kind.SNAPSHOT, "待遇核定",
        (
            _c("approval_id", T), _c("person_id", T), _c("insurance_type", C, codes=INSURANCE_SB),
            _c("approve_date", D), _c("start_period", PE), _c("retire_type", C, True, "1 2 3 4"),
            _c("contrib_months", INT, True), _c("monthly_amount", M), _c("months_entitled", INT, True),
        ),
        ("approval_id",),
    ),
    Table(
        "sb_benefit_pay", "sb", Kind.MONTHLY, "待遇发放",
        (
            _c("pay_id", T), _c("person_id", T), _c("insurance_type", C, codes=INSURANCE_SB),
            _c("benefit_item", C, codes="11 12 21 41 42 43"), _c("period", PE), _c("pay_date", D),
            _c("amount", M),
        ),
        ("pay_id",), "pay_date",
    ),
    Table(
        "sb_account", "sb", Kind.MONTHLY, "个人账户",
        (
            _c("person_id", T), _c("period", PE), _c("opening_balance", M), _c("credited", M),
            _c("interest", M), _c("withdrawn", M), _c("closing_balance", M),
        ),
        ("person_id", "period"), "period",
    ),
    # --- jm: urban and rural resident pension ------------------------------------
    Table(
        "jm_person", "jm", Kind.SNAPSHOT, "城乡居民养老参保人员",
        (
            _c("person_id", T), _c("id_no", ID), _c("name", T), _c("sex", C, codes=SEX),
            _c("birth_date", D), _district(), _c("status", C, codes="1 2 3"), _c("enroll_date", D),
        ),
        ("person_id",),
    ),
    Table(
        "jm_contrib", "jm", Kind.MONTHLY, "城乡居民养老缴费",
        (
            _c("contrib_id", T), _c("person_id", T), _c("year", INT), _c("grade", M),
            _c("amount", M), _c("pay_date", D),
        ),
        ("contrib_id",), "pay_date",
    ),
    Table(
        "jm_benefit_pay", "jm", Kind.MONTHLY, "城乡居民养老待遇发放",
        (
            _c("pay_id", T), _c("person_id", T), _c("period", PE), _c("pay_date", D),
            _c("amount", M),
        ),
        ("pay_id",), "pay_date",
    ),
    # --- jg: government and public institution pension ---------------------------
    Table(
        "jg_person", "jg", Kind.SNAPSHOT, "机关事业单位养老参保人员",
        (
            _c("person_id", T), _c("id_no", ID), _c("name", T), _c("sex", C, codes=SEX),
            _c("birth_date", D), _district(), _c("unit_id", T), _c("status", C, codes="1 4"),
            _c("first_enroll_date", D),
        ),
        ("person_id",),
    ),
    Table(
        "jg_contrib", "jg", Kind.MONTHLY, "机关事业单位养老缴费",
        (
            _c("contrib_id", T), _c("person_id", T), _c("unit_id", T), _c("period", PE),
            _c("pay_month", PE), _c("base", M), _c("unit_amount", M), _c("person_amount", M),
            _c("pay_type", C, codes=PAY_TYPE),
        ),
        ("contrib_id",), "pay_month",
    ),
    Table(
        "jg_benefit_pay", "jg", Kind.MONTHLY, "机关事业单位养老待遇发放",
        (
            _c("pay_id", T), _c("person_id", T), _c("period", PE), _c("pay_date", D),
            _c("amount", M),
        ),
        ("pay_id",), "pay_date",
    ),
    # --- gsrd: work-injury determination -----------------------------------------
    Table(
        "gsrd_case", "gsrd", Kind.SNAPSHOT, "工伤认定",
        (
            _c("case_id", T), _c("id_no", ID), _c("name", T), _c("unit_uscc", US, True),
            _c("unit_name", T), _district(), _c("accident_date", D), _c("apply_date", D),
            _c("decision_date", D, True), _c("result", C, True, "1 2 3"),
        ),
        ("case_id",),
    ),
    # --- ldnl: labour capacity appraisal -----------------------------------------
    Table(
        "ldnl_appraisal", "ldnl", Kind.SNAPSHOT, "劳动能力鉴定",
        (
            _c("appraisal_id", T), _c("case_id", T), _c("id_no", ID), _c("name", T), _district(),
            _c("appraisal_type", C, codes="1 2 3"), _c("apply_date", D), _c("conclusion_date", D),
            _c("disability_grade", INT), _c("nursing_level", C, codes="0 1 2 3"),
        ),
        ("appraisal_id",),
    ),
    # --- rlzy: human resources market --------------------------------------------
    Table(
        "rlzy_subsidy", "rlzy", Kind.MONTHLY, "就业补贴发放",
        (
            _c("subsidy_id", T), _c("subsidy_type", C, codes="11 12 13 14 15"),
            _c("recipient_type", C, codes="1 2"), _c("unit_uscc", US, True), _c("id_no", ID),
            _c("period", PE), _c("pay_date", D), _c("amount", M), _district(),
        ),
        ("subsidy_id",), "pay_date",
    ),
    Table(
        "rlzy_employment", "rlzy", Kind.MONTHLY, "就业失业登记",
        (
            _c("reg_id", T), _c("id_no", ID), _c("reg_type", C, codes="1 2"),
            _c("unit_uscc", US, True), _c("reg_date", D), _district(),
        ),
        ("reg_id",), "reg_date",
    ),
    # --- ref: comparison data from other agencies --------------------------------
    Table(
        "ref_death", "ref", Kind.SNAPSHOT, "死亡信息",
        (
            _c("id_no", ID), _c("name", T), _c("death_date", D), _c("agency", C, codes="1 2 3"),
            _c("report_date", D),
        ),
        ("id_no", "agency"),
    ),
    Table(
        "ref_prison", "ref", Kind.SNAPSHOT, "服刑人员",
        (
            _c("record_id", T), _c("id_no", ID), _c("name", T), _c("start_date", D),
            _c("end_date", D, True),
        ),
        ("record_id",),
    ),
    Table(
        "ref_identity_change", "ref", Kind.SNAPSHOT, "姓名及身份号码变更",
        (
            _c("change_id", T), _c("old_id_no", ID), _c("new_id_no", ID), _c("old_name", T),
            _c("new_name", T), _c("change_date", D),
        ),
        ("change_id",),
    ),
    Table(
        "ref_car_apply", "ref", Kind.MONTHLY, "小客车指标申请",
        (
            _c("apply_id", T), _c("id_no", ID), _c("name", T), _c("apply_date", D),
            _c("hukou_type", C, codes="1 2"),
        ),
        ("apply_id",), "apply_date",
    ),
    Table(
        "ref_house_apply", "ref", Kind.MONTHLY, "购房资格申请",
        (
            _c("apply_id", T), _c("id_no", ID), _c("name", T), _c("apply_date", D),
            _c("hukou_type", C, codes="1 2"),
        ),
        ("apply_id",), "apply_date",
    ),
)

TABLE_MAP: dict[str, Table] = {t.name: t for t in TABLES}
SOURCES: dict[str, tuple[str, ...]] = {}
for _t in TABLES:
    SOURCES.setdefault(_t.source, ())
    SOURCES[_t.source] += (_t.name,)

SOURCE_TITLES = {
    "sb": "职工社会保险",
    "jm": "城乡居民养老",
    "jg": "机关事业单位养老",
    "gsrd": "工伤认定",
    "ldnl": "劳动能力鉴定",
    "rlzy": "人力资源市场",
    "ref": "外部比对数据",
}

# Reject reasons, in the rank order used when a row fails several rules.
REASON_RANK = (
    "MALFORMED_ROW",  # rule 7
    "BAD_ID_NO",  # rule 2
    "BAD_DATE",  # rule 4
    "MISSING_VALUE",  # ranks with rule 4
    "BAD_CODE",  # rule 5
    "BAD_NUMBER",  # rule 6
    "OUT_OF_PERIOD",  # rule 10
    "KEY_CONFLICT",  # rule 9
)

# Rule of each reject reason, for ranking a row that fails several rules: rule 7, then
# 2, then 4 (MISSING_VALUE ranks with 4), 5, 6 and 10; rule 9 comes after them all.
REASON_RULE = {
    "MALFORMED_ROW": 7,
    "BAD_ID_NO": 2,
    "BAD_DATE": 4,
    "MISSING_VALUE": 4,
    "BAD_CODE": 5,
    "BAD_NUMBER": 6,
    "OUT_OF_PERIOD": 10,
    "KEY_CONFLICT": 9,
}
# The reason an empty required column of each type gives (rule 4 of data-contract.md).
EMPTY_REASON = {
    ColType.ID_NO: "BAD_ID_NO",
    ColType.DATE: "BAD_DATE",
    ColType.PERIOD: "BAD_DATE",
    ColType.CODE: "BAD_CODE",
    ColType.MONEY: "BAD_NUMBER",
    ColType.INT: "BAD_NUMBER",
    ColType.TEXT: "MISSING_VALUE",
}

ENCODINGS = ("GB18030", "UTF-8")
MANIFEST_NAME = "MANIFEST.csv"
MANIFEST_HEADER = ("file", "table", "rows", "sha256", "encoding")

# Codes of the whole-file refusals of security.md ("Intake under hostile files"); a refusal
# reads "CODE: details". Checksum, row count, encoding and header refusals are told in words.
REFUSAL_CODES = {
    "LINE_TOO_LONG": "a physical line is longer than intake.max_line_bytes",
    "UNSTORABLE_VALUE": "the warehouse engine cannot store a value of the file",
    "EMPTY_SNAPSHOT": "a snapshot table with no data rows while the previous period had rows",
    "OUTSIDE_LANDING": "a symbolic link that leads outside the landing folder",
}


def table(name: str) -> Table:
    """Return the contract of table ``name`` or raise a helpful error."""
    from workbench.errors import UnknownTableError

    try:
        return TABLE_MAP[name]
    except KeyError:
        raise UnknownTableError(name, list(TABLE_MAP)) from None
