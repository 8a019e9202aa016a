"""``SourceReport``: what the per-source intake notebooks call, one method per cell.

Each method runs one query of ``data``, ``charts`` or ``views`` and returns something a
notebook displays well: a styled table with Chinese headings, a PNG chart, or a line of
Markdown when there is nothing to show.
"""

from __future__ import annotations

import datetime as dt
import numbers
from decimal import Decimal
from typing import Any

import pandas as pd

from workbench import params
from workbench.contract import SOURCE_TITLES, TABLE_MAP
from workbench.masking import ID_COLUMNS, mask_id, mask_text
from workbench.periods import check_period
from workbench.reports import charts, data, views
from workbench.reports.data import tables_of
from workbench.reports.labels import COLUMNS, KINDS, STATUS


def _cell(value: Any) -> str:
    """Numbers with thousands separators (money with two decimals); missing as ``—``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, numbers.Real):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return mask_text(str(value))  # reports are read by many: no full ID number in any cell


def styled(df: pd.DataFrame, caption: str | None = None, percent: tuple[str, ...] = (),
           plain: tuple[str, ...] = ("line_no",)):
    """A pandas Styler: Chinese headings (``labels.COLUMNS``), no index, formatted numbers
    (``percent`` columns as percentages, ``plain`` ones without thousands separators)."""
    df = df.rename(columns=COLUMNS)
    formats = {COLUMNS.get(c, c): (lambda v: "—" if pd.isna(v) else f"{v:.1%}") for c in percent}
    formats.update({COLUMNS.get(c, c): (lambda v: "—" if pd.isna(v) else str(v)) for c in plain})
    formats.update({COLUMNS.get(c, c): (lambda v: "—" if pd.isna(v) else mask_id(v)) for c in ID_COLUMNS})
    formats = {c: f for c, f in formats.items() if c in df.columns}
    styler = df.style.hide(axis="index").format(_cell)
    if formats:
        styler = styler.format(formats, subset=list(formats))
    styler = styler.set_table_styles([
        {"selector": "th", "props": "text-align: left; background: #f3f5f7; padding: 4px 10px;"},
        {"selector": "td", "props": "padding: 3px 10px;"},
        {"selector": "caption", "props": "caption-side: top; text-align: left; color: #555;"},
    ])
    if caption:
        styler = styler.set_caption(caption)
    return styler


def markdown(text: str):
    """Markdown text for a notebook cell's display (ID numbers masked)."""
    from IPython.display import Markdown

    return Markdown(mask_text(text))


def home_note():
    """Which home this notebook read: WORKBENCH_HOME, the warehouse and the office database
    (passwords removed), as a Markdown line shown in every notebook and HTML report."""
    from workbench.config import settings
    from workbench.warehouse import redact

    cfg = settings()
    return markdown(f"**数据目录**（WORKBENCH_HOME）：`{cfg.home}`　**数据仓库**：`{redact(cfg.warehouse_url)}`"
                    f"　**监督办公库**：`{redact(cfg.office_url)}`")


def image(fig):
    """A figure as an inline PNG for a notebook cell's display (embedded in the HTML)."""
    from IPython.display import Image

    return Image(data=charts.png(fig), format="png")


class SourceReport:
    """The intake report of one source for one delivery period."""

    def __init__(self, source: str, landing: str, period: str, *, history_periods: int | None = None,
                 reject_examples: int | None = None) -> None:
        self.tables = tables_of(source)
        self.source = source
        self.title = f"{SOURCE_TITLES[source]} 数据接收与清洗报告"
        self.landing = landing
        self.period = check_period(period)
        cfg = params.load("reports")
        self.history = cfg["history_periods"] if history_periods is None else history_periods
        self.examples = cfg["reject_examples"] if reject_examples is None else reject_examples
        self.result = None  # the IntakeResult once ``intake()`` ran

    @property
    def period_text(self) -> str:
        return f"{self.period[:4]}年{self.period[4:]}月"

    def overview(self):
        """Period, source, tables and time of the report."""
        tables = "、".join(f"{TABLE_MAP[t].title}（{t}）" for t in self.tables)
        return markdown(
            f"**交付期**：{self.period_text}　**数据来源**：{SOURCE_TITLES[self.source]}（{self.source}）"
            f"　**生成时间**：{dt.datetime.now():%Y-%m-%d %H:%M}\n\n**本来源的表**：{tables}")

    def intake(self, run: bool = True, allow_empty: list[str] | None = None):
        """Run the intake of this source's files (``run_intake``; ``allow_empty`` as its
        ``--allow-empty``) and summarise it."""
        if not run:
            return markdown(f"本次未重新接收：以下为仓库中已有的{self.period_text}数据。")
        from workbench.intake import run_intake

        result = run_intake(self.landing, self.period, sources=[self.source], allow_empty=allow_empty)
        self.result = result
        files = list(result.tables.values())
        if not files:
            return markdown(f"交付 {result.source} 中没有本来源的文件。")
        refused = [t for t in files if t.refused]
        lines = [f"从 {result.source} 接收 {len(files)} 个文件：入库 {len(files) - len(refused)} 个，"
                 f"整文件拒收 {len(refused)} 个。"]
        lines += [f"- **拒收** {t.file}：{t.refused}" for t in refused]
        lines += [f"- 注意：{name} 在交付目录中但不在清单（MANIFEST.csv）中，已忽略"
                  for name in result.unlisted_files]
        return markdown("\n".join(lines))

    def counts(self):
        """Rows in, loaded, rejected and duplicates per table."""
        df = data.counts(self.period, self.source)
        df["kind"] = df["kind"].map(KINDS)
        df["status"] = df["status"].map(STATUS)
        return styled(df.drop(columns=["encoding"]),
                      caption="读入行数 = 入库行数 + 拒绝行数 + 完全重复行数（不含表头）")

    def rejects(self):
        """Rejected rows per table and reason."""
        df = data.rejects_by_reason(self.period, self.source)
        if df.empty:
            return markdown("本期没有被拒绝的记录。")
        df = df.assign(reason_label=df["reason_label"] + "（" + df["reason"] + "）")
        return styled(df.drop(columns=["reason"]), caption=f"共拒绝 {int(df['rows'].sum()):,} 行")

    def rejects_chart(self):
        """The rejected rows as a bar chart."""
        return image(charts.plot_rejects(data.rejects_by_reason(self.period, self.source)))

    def reject_examples(self):
        """The first rejected rows of each table and reason, with line number and raw text."""
        df = data.reject_examples(self.period, self.source, self.examples)
        if df.empty:
            return markdown("没有需要列出的拒绝记录。")
        return styled(df.drop(columns=["reason"]),
                      caption=f"每个表每种原因最多列出 {self.examples} 行；行号从表头（第 1 行）起算")

    def duplicates(self):
        """Exact duplicates dropped and key conflicts rejected, per table."""
        df = data.duplicates(self.period, self.source)
        if df.empty:
            return markdown("本期没有已入库的文件。")
        return styled(df, percent=("duplicate_share",),
                      caption=f"完全重复 {int(df['duplicates'].sum()):,} 行，"
                              f"主键冲突 {int(df['key_conflicts'].sum()):,} 行")

    def volume_chart(self):
        """Loaded rows per table: this period against the earlier ones."""
        return image(charts.plot_volumes(data.volumes(self.period, self.source, self.history), self.period))

    def volumes(self):
        """Loaded rows per month (rows) and table (columns)."""
        df = data.volumes(self.period, self.source, self.history)
        if df.empty:
            return markdown("对比期内没有已入库的数据。")
        wide = df.pivot(index="period", columns="table", values="loaded")
        wide = wide[list(dict.fromkeys(df["table"]))].rename(columns=lambda t: TABLE_MAP[t].title)
        return styled(wide.reset_index(), caption=f"{self.period_text}及此前 {self.history} 个月的入库行数")

    def quality(self):
        """Reference checks between tables (rows load; they are counted here)."""
        df = data.quality(self.period, self.source)
        if df.empty:
            return markdown("本来源没有跨表引用检查。")
        return styled(df, caption="引用不到的记录照常入库，指标计算时不使用，在此计数")

    def view(self):
        """This source's business view."""
        df = views.source_view(self.source, self.period)
        if df.empty:
            return markdown("本期没有相关数据。")
        return styled(df)
