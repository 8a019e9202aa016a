"""Interactive Bokeh charts for pages where people explore (statistics, scoring).

Every chart has its toolbar shown above the plot (pan, box zoom, wheel zoom, reset, save and a
hover with the values), its legend outside the plot area (above, or to the right: never over a
bar), Chinese fonts, and says 暂无数据 (``empty``) when there is nothing to draw instead of an
empty frame. Static pictures stay in the HTML reports (``workbench.reports``).

    charts.hbar_stack("各区县问题数", ["朝阳区", "海淀区"], {"已办结": [3, 1], "未办结": [2, 5]},
                      {"已办结": "#4c78a8", "未办结": "#f58518"}, extra={"问题金额": ["1.00", "2.00"]})
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import panel as pn
from bokeh.models import HoverTool, Legend, LegendItem, NumeralTickFormatter
from bokeh.plotting import figure as bokeh_figure

FONT = "Noto Sans CJK SC"
TOOLS = "pan,box_zoom,wheel_zoom,reset,save"
EMPTY = "暂无数据"
EMPTY_CSS = """
.wb-empty { display:flex; align-items:center; justify-content:center; min-height:120px; color:#666;
            background:#f7f8fa; border:1px dashed #c9d1db; border-radius:6px; font-size:15px; }
"""


def empty(text: str = EMPTY) -> pn.pane.HTML:
    """What a chart shows when there is no row to draw."""
    return pn.pane.HTML(f'<div class="wb-empty">{html.escape(text)}</div>', stylesheets=[EMPTY_CSS],
                        sizing_mode="stretch_width")


def figure(title: str, tooltips: Sequence[tuple[str, str]], **kw: object):
    """A Bokeh figure with the toolbar always shown above it (no logo) and a hover of
    ``tooltips``; ``kw`` as ``bokeh.plotting.figure`` (ranges, height)."""
    fig = bokeh_figure(title=title, sizing_mode="stretch_width", tools=TOOLS, toolbar_location="above", **kw)
    fig.add_tools(HoverTool(tooltips=list(tooltips)))
    fig.toolbar.logo = None
    fig.toolbar.autohide = False
    fig.title.text_font = FONT
    for axis in (*fig.xaxis, *fig.yaxis):
        axis.major_label_text_font = axis.axis_label_text_font = FONT
    return fig


def legend(fig, items: Sequence[tuple[str, list]], place: str = "above") -> Legend:
    """A legend of (label, renderers) laid out outside the plot area (``place``: above, below,
    left, right); a click on an entry hides its series."""
    out = Legend(items=[LegendItem(label=label, renderers=rs) for label, rs in items],
                 orientation="horizontal" if place in ("above", "below") else "vertical",
                 label_text_font=FONT, click_policy="hide")
    fig.add_layout(out, place)
    return out


def pane(fig) -> pn.pane.Bokeh:
    return pn.pane.Bokeh(fig, sizing_mode="stretch_width")


def hbar_stack(title: str, names: Sequence[str], stacks: dict[str, Sequence], colors: dict[str, str], *,
               extra: dict[str, Sequence[str]] | None = None) -> pn.viewable.Viewable:
    """Horizontal stacked bars, one per name (first at the top), the legend above the plot;
    ``extra``: further columns shown by the hover."""
    if not names:
        return empty()
    data = {"name": list(names), **{k: list(v) for k, v in stacks.items()},
            **{k: list(v) for k, v in (extra or {}).items()}}
    tips = [("", "@name"), *((k, f"@{{{k}}}") for k in (*stacks, *(extra or {})))]
    fig = figure(title, tips, y_range=list(reversed(names)), height=max(240, 26 * len(names) + 110))
    rs = fig.hbar_stack(list(stacks), y="name", height=0.7, color=[colors[k] for k in stacks], source=data)
    fig.xaxis.formatter = NumeralTickFormatter(format="0,0")
    fig.x_range.start = 0
    legend(fig, [(k, [r]) for k, r in zip(stacks, rs, strict=True)])
    return pane(fig)


def vbar_stack(title: str, names: Sequence[str], stacks: dict[str, Sequence], colors: dict[str, str], *,
               extra: dict[str, Sequence[str]] | None = None) -> pn.viewable.Viewable:
    """Vertical stacked bars, one per name, the legend to the right of the plot."""
    if not names:
        return empty()
    data = {"name": list(names), **{k: list(v) for k, v in stacks.items()},
            **{k: list(v) for k, v in (extra or {}).items()}}
    tips = [("", "@name"), *((k, f"@{{{k}}}") for k in (*(extra or {}), *stacks))]
    fig = figure(title, tips, x_range=list(names), height=360)
    rs = fig.vbar_stack(list(stacks), x="name", width=0.7, color=[colors[k] for k in stacks], source=data)
    fig.xaxis.major_label_orientation = 0.8
    fig.y_range.start = 0
    legend(fig, [(k, [r]) for k, r in zip(stacks, rs, strict=True)], "right")
    return pane(fig)


def vbar_line(title: str, xs: Sequence[str], bar: tuple[str, Sequence, str], line: tuple[str, Sequence, str]
              ) -> pn.viewable.Viewable:
    """Bars and a line over the same categories (``bar``/``line``: label, values, colour), the
    legend above the plot."""
    if not xs:
        return empty()
    (bar_label, bar_values, bar_color), (line_label, line_values, line_color) = bar, line
    data = {"x": list(xs), "bar": list(bar_values), "line": list(line_values)}
    fig = figure(title, [("", "@x"), (bar_label, "@bar"), (line_label, "@line")], x_range=list(xs), height=300)
    b = fig.vbar(x="x", top="bar", width=0.7, source=data, color=bar_color)
    ln = fig.line(x="x", y="line", source=data, color=line_color, line_width=2)
    fig.xaxis.major_label_orientation = 0.8
    fig.y_range.start = 0
    legend(fig, [(bar_label, [b]), (line_label, [ln])])
    return pane(fig)
