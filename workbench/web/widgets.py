"""Widgets and handlers for pages that decide from the server's own data (security.md,
"Hostile input"): whatever the browser sends (an edited table, a forged widget value, a
click on a hidden button, a file over the limit) changes nothing and ends in one Chinese
message, never a traceback.

- ``guard``: the one place per page where a handler's refusals become a message; a click on
  a widget the page does not show (hidden or disabled) is refused before the handler runs.
- ``StrictSelect``: a ``Select`` whose browser value must be one of its options; anything
  else resets it to its first option (a placeholder) and counts ``forged``.
- ``StrictTabulator``: a ``Tabulator`` whose browser selection must name rows it shows.
- ``SizedFileInput``: a file input that checks the size in the browser before sending; a
  file over ``max_bytes`` is never sent (Panel 1.9's ``FileInput`` has no size limit and
  sends the whole file, base64 encoded, in one websocket message).
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
from collections.abc import Callable
from typing import Any, ClassVar

import panel as pn
import param
from panel.reactive import ReactiveHTML

from workbench.errors import FAILED_ZH, OfficeError, WorkbenchError
from workbench.office import uploads
from workbench.web import ui

log = logging.getLogger(__name__)

FORGED_ZH = "页面数据与服务器不一致（可能被篡改），未执行任何操作，请刷新页面后重试"


def guard(msg: pn.pane.Alert, handler: Callable[..., Any], *shown: pn.viewable.Viewable) -> Callable[..., None]:
    """``handler`` with every refusal shown in ``msg``: an ``OfficeError``'s Chinese message,
    anything else (a forged value the handler tripped on) as ``FAILED_ZH`` with the trace in the
    server's log. When any of ``shown`` is hidden or disabled (the page offered no such click)
    the handler does not run and ``FORGED_ZH`` is shown."""

    @functools.wraps(handler)
    def run(*args: Any) -> None:
        if any(not w.visible or getattr(w, "disabled", False) for w in shown):
            ui.show(msg, FORGED_ZH)
            return
        try:
            handler(*args)
        except WorkbenchError as exc:  # an office refusal's own Chinese message
            ui.show_error(msg, exc)
        except Exception:  # the page's boundary: a forged request never shows a traceback
            log.exception("page handler %s failed", getattr(handler, "__name__", handler))
            ui.show(msg, FAILED_ZH)

    return run


class StrictSelect(pn.widgets.Select):
    """A ``Select`` that accepts from the browser only one of its options. Its first option
    should be a placeholder (value ``""``): a value sent that is not among the options sets
    the placeholder back and adds one to ``forged`` (pages watch it to say so)."""

    forged = param.Integer(default=0, doc="Values received from the browser that were not among the options.")

    _rename: ClassVar[dict[str, str | None]] = {**pn.widgets.Select._rename, "forged": None}

    def _process_property_change(self, props: dict[str, Any]) -> dict[str, Any]:
        try:
            return super()._process_property_change(props)
        except (ValueError, IndexError, KeyError):
            log.warning("%s: value %r is not among the options", self.name, props.get("value"))
            return {"value": self.values[0] if self.values else None, "forged": self.forged + 1}


TABULATOR_ZH = {  # Tabulator's own texts (pager, loading, filters) in Chinese, for every table
    "locale": "zh-cn",
    "langs": {"zh-cn": {
        "pagination": {
            "page_size": "每页行数", "page_title": "显示第几页",
            "first": "首页", "first_title": "首页", "last": "末页", "last_title": "末页",
            "prev": "上一页", "prev_title": "上一页", "next": "下一页", "next_title": "下一页",
            "all": "全部",
            "counter": {"showing": "显示", "of": "/", "rows": "行", "pages": "页"},
        },
        "data": {"loading": "加载中", "error": "加载出错"},
        "groups": {"item": "项", "items": "项"},
        "headerFilters": {"default": "筛选…"},
    }},
}


class StrictTabulator(pn.widgets.Tabulator):
    """A ``Tabulator`` that takes from the browser only a selection of rows it shows: an index
    out of range (Panel would read -1 as the last row), repeated or not an integer clears the
    selection and adds one to ``forged``. Its pager and other texts are Chinese
    (``TABULATOR_ZH``)."""

    forged = param.Integer(default=0, doc="Selections received from the browser of rows not shown.")

    _rename: ClassVar[dict[str, str | None]] = {**pn.widgets.Tabulator._rename, "forged": None}

    def __init__(self, value: Any = None, **params: Any) -> None:
        params["configuration"] = {**TABULATOR_ZH, **params.get("configuration", {})}
        super().__init__(value, **params)

    def _get_column_definitions(self, col_names: list[str], df: Any) -> list[Any]:
        """Panel's columns; in a read-only table (``disabled``) one editor and one formatter per
        distinct editor and formatter, shared by the columns: 3 Bokeh models per column become
        about 1 (fewer to send and read for every page)."""
        columns = super()._get_column_definitions(col_names, df)
        if not self.disabled:
            return columns
        shared: dict[tuple[type, str], Any] = {}

        def one(model: Any) -> Any:  # the first model of its type and values
            key = (type(model), repr(sorted(model.properties_with_values(include_defaults=False).items())))
            return shared.setdefault(key, model)

        for column in columns:
            column.formatter, column.editor = one(column.formatter), one(column.editor)
        return columns

    def _update_selection(self, indices: Any) -> None:
        raw = indices if isinstance(indices, list) else getattr(indices, "indices", None)
        shown = len(self._processed) if getattr(self, "_processed", None) is not None else len(self.value)
        if (not isinstance(raw, list) or len(set(raw)) != len(raw)
                or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < shown for i in raw)):
            log.warning("%s: selection %r of rows not shown (%d rows)", self.name, raw, shown)
            self.param.update(selection=[], forged=self.forged + 1)
            return
        super()._update_selection(indices)


class SizedFileInput(ReactiveHTML):
    """One file, read in the browser only when it holds at most ``max_bytes``: a larger one is
    refused there (``too_large`` is shown under the input, ``refused`` counts it) and nothing
    is sent. ``filename`` and ``payload`` (base64) are what the browser sent; ``data()``
    decodes it; ``clear()`` empties the input."""

    max_bytes = param.Integer(default=0, bounds=(0, None))
    accept = param.String(default="")
    too_large = param.String(default="")
    filename = param.String(default="")
    payload = param.String(default="")
    refused = param.Integer(default=0)
    cleared = param.Integer(default=0)

    _template = """
<div class="wb-upload">
  <input id="file" type="file" accept="${accept}" onchange="${script('pick')}"></input>
  <div id="note" class="wb-upload-note" style="color:#b00020"></div>
</div>"""

    _scripts: ClassVar[dict[str, str]] = {
        "pick": """
          note.textContent = ""
          const f = file.files.length ? file.files[0] : null
          data.payload = ""
          data.filename = ""
          if (f === null) return
          if (f.size > data.max_bytes) {
            note.textContent = data.too_large
            file.value = ""
            data.refused = data.refused + 1
            return
          }
          const reader = new FileReader()
          reader.onload = () => {
            const url = reader.result
            data.filename = f.name
            data.payload = url.slice(url.indexOf(",") + 1)
          }
          reader.readAsDataURL(f)
        """,
        "cleared": """
          file.value = ""
          note.textContent = ""
        """,
    }

    @classmethod
    def for_attachments(cls, **params: Any) -> SizedFileInput:
        """The input for problem attachments: limit and suffixes from parameters/office.yaml."""
        a = uploads.limits()
        return cls(max_bytes=a["max_bytes"], accept=",".join(a["suffixes"]), too_large=uploads.too_large_zh(
            a["max_bytes"]), **params)

    def data(self) -> bytes:
        """The file's bytes as sent; ``OfficeError`` when nothing (or something malformed or
        over the limit) was sent."""
        payload = self.payload
        if not payload or not self.filename:
            raise OfficeError("no file chosen", "请选择文件")
        if len(payload) > uploads.message_limit(self.max_bytes):
            raise OfficeError("the file sent is over the limit", self.too_large or "附件过大")
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise OfficeError("the file sent is not valid base64", "附件数据无效，请重新选择文件") from None

    def clear(self) -> None:
        self.param.update(filename="", payload="", cleared=self.cleared + 1)
