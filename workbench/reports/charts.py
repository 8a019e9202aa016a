"""Charts of the intake reports, as matplotlib Figures (no pyplot: nothing global to leak).

Matplotlib is set up once for Chinese labels: the first CJK font found among ``CJK_FONTS``
(Debian: ``fonts-noto-cjk``), silently none when there is none; outside a Jupyter kernel
the non-interactive Agg backend.
"""

from __future__ import annotations

import functools
import io
import math
import os
import sys

import matplotlib
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from workbench.contract import REASON_RANK
from workbench.reports import data
from workbench.reports.labels import reason_label, table_title
from workbench.warehouse import Warehouse

CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Micro Hei",
             "Microsoft YaHei", "SimHei", "Noto Sans CJK JP")
CURRENT = "#c0392b"  # the reported period
EARLIER = "#7f9fbf"  # the periods before it
DPI = 110


@functools.cache
def configure() -> str | None:
    """Set matplotlib up for the reports; return the CJK font used (None: none found)."""
    if "ipykernel" not in sys.modules and "matplotlib.pyplot" not in sys.modules \
            and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    font = _cjk_font()
    rc = matplotlib.rcParams
    if font:
        rc["font.sans-serif"] = [font, *(f for f in rc["font.sans-serif"] if f != font)]
    rc["font.family"] = "sans-serif"
    rc["axes.unicode_minus"] = False  # CJK fonts may lack U+2212
    return font


def _cjk_font() -> str | None:
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((f for f in CJK_FONTS if f in names), None)
    if found is None:  # installed after matplotlib cached its font list: add the files
        for path in font_manager.findSystemFonts():
            if "CJK" in os.path.basename(path) or "wqy" in path.lower():
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((f for f in CJK_FONTS if f in names), None)
    return found


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes (what the HTML reports embed)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    return buf.getvalue()


def _thousands(value: float, _pos: int | None = None) -> str:
    return f"{value:,.0f}"


def _empty(text: str) -> Figure:
    fig = Figure(figsize=(8, 1.2))
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=13, color="#555555")
    return fig


def plot_volumes(volumes: pd.DataFrame, period: str, title: str | None = None) -> Figure:
    """Small multiples, one panel per table: loaded rows per month (``data.volumes``),
    the reported period highlighted, the mean of the earlier months dashed."""
    configure()
    tables = list(dict.fromkeys(volumes["table"]))
    if not tables:
        return _empty("本来源在对比期内没有已入库的数据")
    ncols = min(3, len(tables))
    nrows = math.ceil(len(tables) / ncols)
    fig = Figure(figsize=(4.6 * ncols, 3.3 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, tables, strict=False):
        rows = volumes[volumes["table"] == name]
        periods = rows["period"].tolist()
        values = [0 if pd.isna(v) else int(v) for v in rows["loaded"]]
        colors = [CURRENT if p == period else EARLIER for p in periods]
        x = range(len(periods))
        ax.bar(x, values, color=colors, width=0.75)
        earlier = [int(v) for p, v in zip(periods, rows["loaded"], strict=True) if p != period and not pd.isna(v)]
        subtitle = ""
        if earlier:
            mean = sum(earlier) / len(earlier)
            ax.axhline(mean, color="#333333", linestyle="--", linewidth=1, label="此前各期平均")
            current = rows.loc[rows["period"] == period, "loaded"]
            if len(current) and not pd.isna(current.iloc[0]) and mean:
                subtitle = f"\n本期较此前平均 {(int(current.iloc[0]) - mean) / mean:+.1%}"
        ax.set_title(table_title(name) + subtitle, fontsize=10)
        step = max(1, math.ceil(len(periods) / 7))
        ax.set_xticks(list(x)[::-step][::-1])
        ax.set_xticklabels([f"{p[:4]}-{p[4:]}" for p in periods][::-step][::-1], fontsize=8)
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.tick_params(axis="y", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes[len(tables):]:
        ax.axis("off")
    fig.suptitle(title or f"入库行数：{period[:4]}年{period[4:]}月（红色）与此前各期（虚线：此前各期平均）",
                 fontsize=12)
    return fig


def plot_rejects(rejects: pd.DataFrame, title: str | None = None) -> Figure:
    """Rejected rows per reason (``data.rejects_by_reason``): one horizontal bar per
    reason, in rule order, stacked by table, with the total at its end."""
    configure()
    if rejects.empty:
        return _empty("本期没有被拒绝的记录")
    reasons = list(dict.fromkeys(rejects["reason"]))
    reasons.sort(key=lambda r: REASON_RANK.index(r) if r in REASON_RANK else len(REASON_RANK))
    tables = list(dict.fromkeys(rejects["table"]))
    wide = (rejects.pivot_table(index="reason", columns="table", values="rows", aggfunc="sum", fill_value=0)
            .reindex(index=reasons, columns=tables, fill_value=0))
    fig = Figure(figsize=(9, 0.5 * len(reasons) + 0.4 * math.ceil(len(tables) / 3) + 1.4), layout="constrained")
    ax = fig.add_subplot()
    y = list(range(len(reasons)))[::-1]  # first reason on top
    left = [0] * len(reasons)
    palette = matplotlib.colormaps["tab10"]
    for i, name in enumerate(tables):
        counts = [int(v) for v in wide[name]]
        ax.barh(y, counts, left=left, height=0.6, color=palette(i % 10), label=table_title(name))
        left = [a + b for a, b in zip(left, counts, strict=True)]
    for yi, total in zip(y, left, strict=True):
        ax.text(total, yi, f" {total:,}", va="center", fontsize=9)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{reason_label(r)}（{r}）" for r in reasons], fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(_thousands))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_xlim(0, max(left) * 1.12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_title(title or "按原因统计的拒绝行数", fontsize=12)
    fig.legend(loc="outside lower center", ncols=min(3, len(tables)), fontsize=9, frameon=False)
    return fig


def volume_chart(period: str, source: str | None = None, history: int | None = None, *,
                 warehouse: Warehouse | None = None) -> Figure:
    """Loaded rows of the source's tables in ``period`` against the months before it."""
    return plot_volumes(data.volumes(period, source, history, warehouse=warehouse), period)


def rejects_chart(period: str, source: str | None = None, *, warehouse: Warehouse | None = None) -> Figure:
    """Rejected rows of ``period`` by table and reason."""
    return plot_rejects(data.rejects_by_reason(period, source, warehouse=warehouse))
