"""The monthly delivery contract (spec data-contract.md) as data.

Every table of the delivery is declared once here: its source, kind (snapshot or
monthly), columns with their types, nullability and code lists, its key and, for
monthly tables, the column that must lie in the delivery period (cleaning rule 10).
Synthetic data, intake, cleaning and the warehouse schema all read this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from workbench.districts import DISTRICT_CODES, NAMES


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
    title: str = ""  # the column's meaning in Chinese (data-contract.md), what pages show
    meanings: tuple[str, ...] = ()  # the meaning of each of ``codes``, in the same order

    def meaning(self, code: object) -> str | None:
        """The Chinese meaning of code ``code`` of this column, None when it has none."""
        try:
            return self.meanings[self.codes.index(str(code))]
        except (ValueError, IndexError):
            return None


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


def _c(name: str, type_: ColType, title: str, nullable: bool = False, codes: str = "") -> Column:
    """A column; ``codes`` lists its codes with their meanings, ``"1:正常 2:暂停"``."""
    pairs = [item.split(":", 1) for item in codes.split()]
    return Column(name, type_, nullable, tuple(p[0] for p in pairs), title, tuple(p[1] for p in pairs))


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
INSURANCE_SB = "110:职工基本养老保险 210:失业保险 410:工伤保险"
PAY_TYPE = "1:正常缴费 2:补缴 3:退费"
SEX = "1:男 2:女"


def _district(title: str = "所属区") -> Column:
    return _c("district_code", C, title, codes=" ".join(f"{c}:{NAMES.get(c, c)}" for c in DISTRICT_CODES))


TABLES: tuple[Table, ...] = (
    # --- sb: employee social insurance -------------------------------------------
    Table(
        "sb_unit", "sb", Kind.SNAPSHOT, "参保单位",
        (
            _c("unit_id", T, "单位编号"), _c("uscc", US, "统一社会信用代码", True), _c("unit_name", T, "单位名称"),
            _c("unit_type", C, "单位类型", codes="10:企业 20:机关 30:事业单位 40:社会团体 50:个体工商户 90:其他"),
            _district(), _c("status", C, "单位参保状态", codes="1:正常 2:暂停 3:注销"),
            _c("open_date", D, "参保登记日期"), _c("close_date", D, "注销日期", True),
        ),
        ("unit_id",),
    ),
    Table(
        "sb_person", "sb", Kind.SNAPSHOT, "参保人员",
        (
            _c("person_id", T, "个人编号"), _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"),
            _c("sex", C, "性别", codes=SEX), _c("birth_date", D, "出生日期"),
            _c("hukou_type", C, "户口性质", codes="1:本市城镇 2:本市农业 3:外埠城镇 4:外埠农业"),
            _district("参保所属区"), _c("unit_id", T, "所在单位编号", True),
            _c("status", C, "参保状态", codes="1:参保缴费 2:暂停缴费 3:终止参保 4:退休领取待遇"),
            _c("first_enroll_date", D, "首次参保日期"),
        ),
        ("person_id",),
    ),
    Table(
        "sb_contrib", "sb", Kind.MONTHLY, "缴费明细",
        (
            _c("contrib_id", T, "缴费记录编号"), _c("person_id", T, "个人编号"), _c("unit_id", T, "单位编号"),
            _c("insurance_type", C, "险种", codes=INSURANCE_SB), _c("period", PE, "费款所属期"),
            _c("pay_month", PE, "缴费月份"), _c("base", M, "缴费基数"), _c("unit_amount", M, "单位缴费"),
            _c("person_amount", M, "个人缴费"), _c("pay_type", C, "缴费类型", codes=PAY_TYPE),
        ),
        ("contrib_id",), "pay_month",
    ),
    Table(
        "sb_benefit_approval", "sb", Kind.SNAPSHOT, "待遇核定",
        (
            _c("approval_id", T, "核定编号"), _c("person_id", T, "个人编号"),
            _c("insurance_type", C, "险种", codes=INSURANCE_SB), _c("approve_date", D, "核定日期"),
            _c("start_period", PE, "待遇起始期"),
            _c("retire_type", C, "退休类型", True, "1:正常退休 2:特殊工种提前退休 3:因病提前退休 4:其他"),
            _c("contrib_months", INT, "累计缴费月数", True), _c("monthly_amount", M, "核定月待遇"),
            _c("months_entitled", INT, "领取期限（月）", True),
        ),
        ("approval_id",),
    ),
    Table(
        "sb_benefit_pay", "sb", Kind.MONTHLY, "待遇发放",
        (
            _c("pay_id", T, "发放记录编号"), _c("person_id", T, "个人编号"),
            _c("insurance_type", C, "险种", codes=INSURANCE_SB),
            _c("benefit_item", C, "待遇项目", codes="11:基本养老金 12:丧葬补助金及抚恤金 21:失业保险金 41:伤残津贴 "
                                                 "42:一次性伤残补助金 43:其他工伤待遇"),
            _c("period", PE, "待遇所属期"), _c("pay_date", D, "发放日期"), _c("amount", M, "发放金额"),
        ),
        ("pay_id",), "pay_date",
    ),
    Table(
        "sb_account", "sb", Kind.MONTHLY, "个人账户",
        (
            _c("person_id", T, "个人编号"), _c("period", PE, "账户期别"), _c("opening_balance", M, "期初余额"),
            _c("credited", M, "当期记账"), _c("interest", M, "当期利息"), _c("withdrawn", M, "当期支出"),
            _c("closing_balance", M, "期末余额"),
        ),
        ("person_id", "period"), "period",
    ),
    # --- jm: urban and rural resident pension ------------------------------------
    Table(
        "jm_person", "jm", Kind.SNAPSHOT, "城乡居民养老参保人员",
        (
            _c("person_id", T, "个人编号"), _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"),
            _c("sex", C, "性别", codes=SEX), _c("birth_date", D, "出生日期"), _district("参保所属区"),
            _c("status", C, "参保状态", codes="1:参保缴费 2:领取待遇 3:终止"), _c("enroll_date", D, "参保日期"),
        ),
        ("person_id",),
    ),
    Table(
        "jm_contrib", "jm", Kind.MONTHLY, "城乡居民养老缴费",
        (
            _c("contrib_id", T, "缴费记录编号"), _c("person_id", T, "个人编号"), _c("year", INT, "缴费年度"),
            _c("grade", M, "缴费档次"), _c("amount", M, "缴费金额"), _c("pay_date", D, "缴费日期"),
        ),
        ("contrib_id",), "pay_date",
    ),
    Table(
        "jm_benefit_pay", "jm", Kind.MONTHLY, "城乡居民养老待遇发放",
        (
            _c("pay_id", T, "发放记录编号"), _c("person_id", T, "个人编号"), _c("period", PE, "待遇所属期"),
            _c("pay_date", D, "发放日期"), _c("amount", M, "发放金额"),
        ),
        ("pay_id",), "pay_date",
    ),
    # --- jg: government and public institution pension ---------------------------
    Table(
        "jg_person", "jg", Kind.SNAPSHOT, "机关事业单位养老参保人员",
        (
            _c("person_id", T, "个人编号"), _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"),
            _c("sex", C, "性别", codes=SEX), _c("birth_date", D, "出生日期"), _district("参保所属区"),
            _c("unit_id", T, "单位编号"), _c("status", C, "参保状态", codes="1:在职参保 4:退休"),
            _c("first_enroll_date", D, "首次参保日期"),
        ),
        ("person_id",),
    ),
    Table(
        "jg_contrib", "jg", Kind.MONTHLY, "机关事业单位养老缴费",
        (
            _c("contrib_id", T, "缴费记录编号"), _c("person_id", T, "个人编号"), _c("unit_id", T, "单位编号"),
            _c("period", PE, "费款所属期"), _c("pay_month", PE, "缴费月份"), _c("base", M, "缴费基数"),
            _c("unit_amount", M, "单位缴费"), _c("person_amount", M, "个人缴费"),
            _c("pay_type", C, "缴费类型", codes=PAY_TYPE),
        ),
        ("contrib_id",), "pay_month",
    ),
    Table(
        "jg_benefit_pay", "jg", Kind.MONTHLY, "机关事业单位养老待遇发放",
        (
            _c("pay_id", T, "发放记录编号"), _c("person_id", T, "个人编号"), _c("period", PE, "待遇所属期"),
            _c("pay_date", D, "发放日期"), _c("amount", M, "发放金额"),
        ),
        ("pay_id",), "pay_date",
    ),
    # --- gsrd: work-injury determination -----------------------------------------
    Table(
        "gsrd_case", "gsrd", Kind.SNAPSHOT, "工伤认定",
        (
            _c("case_id", T, "工伤认定案件编号"), _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"),
            _c("unit_uscc", US, "用人单位信用代码", True), _c("unit_name", T, "单位名称"), _district("认定区"),
            _c("accident_date", D, "事故日期"), _c("apply_date", D, "申请日期"),
            _c("decision_date", D, "决定日期", True),
            _c("result", C, "认定结论", True, "1:认定工伤 2:视同工伤 3:不予认定"),
        ),
        ("case_id",),
    ),
    # --- ldnl: labour capacity appraisal -----------------------------------------
    Table(
        "ldnl_appraisal", "ldnl", Kind.SNAPSHOT, "劳动能力鉴定",
        (
            _c("appraisal_id", T, "鉴定编号"), _c("case_id", T, "工伤认定案件编号"),
            _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"), _district("鉴定区"),
            _c("appraisal_type", C, "鉴定类别", codes="1:初次鉴定 2:再次鉴定 3:复查鉴定"),
            _c("apply_date", D, "申请日期"), _c("conclusion_date", D, "结论日期"),
            _c("disability_grade", INT, "伤残等级"),
            _c("nursing_level", C, "生活自理障碍等级", codes="0:无 1:完全 2:大部分 3:部分"),
        ),
        ("appraisal_id",),
    ),
    # --- rlzy: human resources market --------------------------------------------
    Table(
        "rlzy_subsidy", "rlzy", Kind.MONTHLY, "就业补贴发放",
        (
            _c("subsidy_id", T, "补贴记录编号"),
            _c("subsidy_type", C, "补贴类型", codes="11:社会保险补贴 12:岗位补贴 13:一次性吸纳就业补贴 "
                                                  "14:创业担保贷款贴息 15:职业培训补贴"),
            _c("recipient_type", C, "领取对象类型", codes="1:单位 2:个人"),
            _c("unit_uscc", US, "单位信用代码", True), _c("id_no", ID, "补贴对象身份号码"),
            _c("period", PE, "补贴所属期"), _c("pay_date", D, "发放日期"), _c("amount", M, "补贴金额"),
            _district("发放区"),
        ),
        ("subsidy_id",), "pay_date",
    ),
    Table(
        "rlzy_employment", "rlzy", Kind.MONTHLY, "就业失业登记",
        (
            _c("reg_id", T, "登记编号"), _c("id_no", ID, "公民身份号码"),
            _c("reg_type", C, "登记类型", codes="1:就业登记 2:失业登记"),
            _c("unit_uscc", US, "用人单位信用代码", True), _c("reg_date", D, "登记日期"), _district("登记区"),
        ),
        ("reg_id",), "reg_date",
    ),
    # --- ref: comparison data from other agencies --------------------------------
    Table(
        "ref_death", "ref", Kind.SNAPSHOT, "死亡信息",
        (
            _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"), _c("death_date", D, "死亡日期"),
            _c("agency", C, "报送部门", codes="1:公安 2:民政 3:卫健"), _c("report_date", D, "报送日期"),
        ),
        ("id_no", "agency"),
    ),
    Table(
        "ref_prison", "ref", Kind.SNAPSHOT, "服刑人员",
        (
            _c("record_id", T, "服刑记录编号"), _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"),
            _c("start_date", D, "服刑开始日期"), _c("end_date", D, "服刑结束日期", True),
        ),
        ("record_id",),
    ),
    Table(
        "ref_identity_change", "ref", Kind.SNAPSHOT, "姓名及身份号码变更",
        (
            _c("change_id", T, "变更记录编号"), _c("old_id_no", ID, "原身份号码"), _c("new_id_no", ID, "新身份号码"),
            _c("old_name", T, "原姓名"), _c("new_name", T, "新姓名"), _c("change_date", D, "变更日期"),
        ),
        ("change_id",),
    ),
    Table(
        "ref_car_apply", "ref", Kind.MONTHLY, "小客车指标申请",
        (
            _c("apply_id", T, "申请编号"), _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"),
            _c("apply_date", D, "申请日期"), _c("hukou_type", C, "户籍", codes="1:本市 2:外埠"),
        ),
        ("apply_id",), "apply_date",
    ),
    Table(
        "ref_house_apply", "ref", Kind.MONTHLY, "购房资格申请",
        (
            _c("apply_id", T, "申请编号"), _c("id_no", ID, "公民身份号码"), _c("name", T, "姓名"),
            _c("apply_date", D, "申请日期"), _c("hukou_type", C, "户籍", codes="1:本市 2:外埠"),
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
