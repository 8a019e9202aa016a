"""One set of field validators for every text a person or a file brings in (security.md,
"Hostile input"): web forms, uploads' names, CLI arguments and imported columns.

A field is declared once, beside its limit, as a ``Field``; ``Field.clean`` returns the
stripped text or raises ``InvalidInput``, which carries one Chinese message for the page
(``zh``), one English line for the CLI (exit 2) and, for imports, the reason alone
(``reason``) so that a report can say ``line N: reason``. Every text field refuses U+0000,
lone surrogates and the C0/C1 control characters other than tab and line breaks; names of
persons, users and files also refuse the bidirectional controls U+202A–U+202E and
U+2066–U+2069, and single-line fields refuse line breaks. Lengths count characters (code
points), never bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from workbench.errors import OfficeError

# C0 without tab, LF and CR; C1; a lone surrogate (only a str decoded with surrogatepass or
# built from JSON escapes can hold one)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f\ud800-\udfff]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BREAK = re.compile("[\r\n]")
_REQUIRED_ZH = "不能为空"

# limits of security.md, in characters
NAME_LIMIT = 100       # user and person names
TITLE_LIMIT = 300      # titles
TEXT_LIMIT = 10_000    # opinions, comments, descriptions
FILE_NAME_LIMIT = 200  # file names


class InvalidInput(OfficeError):
    """A value refused by a field validator: ``zh`` for pages, ``str()`` for the CLI (exit 2),
    ``reason`` for an import report's ``line N: reason``."""

    exit_code = 2

    def __init__(self, field: str, zh_field: str, reason: str, zh_reason: str) -> None:
        super().__init__(f"{field}: {reason}", f"{zh_field}{zh_reason}", field=field)
        self.field, self.reason = field, reason


def _describe(ch: str) -> tuple[str, str]:
    code = f"U+{ord(ch):04X}"
    if 0xD800 <= ord(ch) <= 0xDFFF:
        return f"a lone surrogate ({code})", f"含有无效字符（{code}）"
    if _BIDI.match(ch):
        return f"a bidirectional control character ({code})", f"不能含有文字方向控制字符（{code}）"
    if ch in "\r\n":
        return "a line break", "不能换行"
    return f"a control character ({code})", f"含有不允许的控制字符（{code}）"


@dataclass(frozen=True)
class Field:
    """A text field: its English and Chinese names, its limit, whether it names a person, a
    user or a file (``name``: bidirectional controls refused), whether it may hold line
    breaks and whether it may be empty."""

    field: str
    zh: str
    limit: int
    name: bool = False
    multiline: bool = False
    required: bool = True
    strip: bool = True  # False keeps the text as typed (passwords)

    def problem(self, value: object) -> tuple[str, str] | None:
        """(English, Chinese) reason ``value`` is refused, or None."""
        if value is None:
            value = ""
        if not isinstance(value, str):
            return f"expected text, not {type(value).__name__}", "必须是文本"
        # characters are checked before stripping: str.strip() would drop U+001C-U+001F and U+0085
        text = value.strip() if self.strip else value
        lead = value.find(text) if text else 0
        bad = _CONTROL.search(value) or (self.name and _BIDI.search(value)) \
            or (not self.multiline and _BREAK.search(value, lead, lead + len(text)))
        if bad:
            reason, zh = _describe(bad.group())
            return f"contains {reason} at character {bad.start() + 1}", zh
        if self.required and not text:
            return "is required", _REQUIRED_ZH
        if len(text) > self.limit:
            return (f"has {len(text)} characters, more than {self.limit}",
                    f"不能超过 {self.limit} 个字符（现有 {len(text)} 个）")
        return None

    def clean(self, value: object) -> str:
        """The stripped text, or InvalidInput naming the field and the reason."""
        found = self.problem(value)
        if found:
            if self.required and found[1] == _REQUIRED_ZH:  # a form's wording: 请填写标题
                raise InvalidInput(self.field, "", found[0], f"请填写{self.zh}")
            raise InvalidInput(self.field, self.zh, *found)
        text: str = value or ""  # type: ignore[assignment]
        return text.strip() if self.strip else text

    def optional(self) -> Field:
        """The same field, allowed to be empty."""
        return replace(self, required=False)


# the fields every module shares
USER_NAME = Field("user name", "用户名", NAME_LIMIT, name=True)
DISPLAY_NAME = Field("name", "姓名", NAME_LIMIT, name=True)
PERSON_NAME = Field("person name", "姓名", NAME_LIMIT, name=True)
FILE_NAME = Field("file name", "文件名", FILE_NAME_LIMIT, name=True)
TITLE = Field("title", "标题", TITLE_LIMIT)
OPINION = Field("opinion", "意见", TEXT_LIMIT, multiline=True)
COMMENT = Field("comment", "意见", TEXT_LIMIT, multiline=True)
DESCRIPTION = Field("description", "说明", TEXT_LIMIT, multiline=True)
PURPOSE = Field("purpose", "查看事由", TITLE_LIMIT)
PASSWORD = Field("password", "密码", 256, strip=False)  # length bounds argon2's input


def text(value: object, field: Field) -> str:
    """``field.clean(value)``: for callers that hold a field declared elsewhere."""
    return field.clean(value)


# fields of the office records, the scoring and the command line (limits beside them)
CONTENT = Field("content", "内容", TEXT_LIMIT, multiline=True)              # notices' bodies
SUMMARY = Field("summary", "上报情况说明", TEXT_LIMIT, multiline=True)      # district reports
UNIT = Field("unit", "单位", 200)                                            # staff's units
POSITION = Field("position", "职务", 64)                                     # staff's positions
PHONE = Field("phone", "联系电话", 32)
REASON = Field("reason", "额外得分的理由", TITLE_LIMIT)                     # extra scores
FINDING_DESCRIPTION = Field("description", "核查情况说明", TEXT_LIMIT, multiline=True)  # findings
ARGUMENT = Field("argument", "参数", 1000)      # any other text argument of the command line
PATH = Field("path", "路径", 4096)              # file and folder arguments (PATH_MAX on Linux)


def check_rows(rows: Iterable[Mapping[str, object]], fields: Mapping[str, Field], *,
               first_line: int = 2) -> list[str]:
    """Every refusal of imported ``rows`` as ``line N: column: reason`` (``first_line``: the
    line of the first row, 2 after a header); a missing column counts as empty."""
    problems = []
    for n, row in enumerate(rows, start=first_line):
        for column, f in fields.items():
            found = f.problem(row.get(column))
            if found:
                problems.append(f"line {n}: {column}: {found[0]}")
    return problems


# what a search form brings (an indicator code, a district, a period): refused before the query
CODE_FILTER = Field("code", "编码", 64)
