"""Chinese labels of the intake reports: reject reasons, statuses, column headings."""

from __future__ import annotations

from workbench.contract import TABLE_MAP, Kind

REASONS: dict[str, str] = {
    "MALFORMED_ROW": "字段个数不符",
    "BAD_ID_NO": "身份号码无效",
    "BAD_DATE": "日期或期别无效",
    "MISSING_VALUE": "必填项为空",
    "BAD_CODE": "代码值不在代码表内",
    "BAD_NUMBER": "金额或数值格式错误",
    "OUT_OF_PERIOD": "不属于本交付期",
    "KEY_CONFLICT": "主键相同而内容不同",
}

STATUS: dict[str, str] = {
    "loaded": "已入库",
    "refused": "整文件拒收",
    "absent": "本期未交付",
}

KINDS: dict[str, str] = {Kind.SNAPSHOT: "快照", Kind.MONTHLY: "月度"}

COLUMNS: dict[str, str] = {
    "table": "表名",
    "title": "中文名",
    "kind": "类型",
    "file": "文件",
    "encoding": "编码",
    "rows_in": "读入行数",
    "loaded": "入库行数",
    "rejected": "拒绝行数",
    "duplicates": "完全重复行数",
    "duplicate_share": "重复占比",
    "key_conflicts": "主键冲突行数",
    "status": "最近一次接收",
    "note": "说明",
    "reason": "原因代码",
    "reason_label": "原因",
    "rows": "行数",
    "line_no": "行号",
    "raw": "原始内容",
    "period": "交付期",
    "check_code": "检查代码",
    "description": "检查内容",
    "example": "示例",
}


def table_title(name: str) -> str:
    """``sb_contrib`` -> ``缴费明细 (sb_contrib)``: how charts name a table."""
    t = TABLE_MAP.get(name)
    return f"{t.title} ({name})" if t else name


def reason_label(code: str) -> str:
    return REASONS.get(code, code)
