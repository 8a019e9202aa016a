"""workbench.web.charts: interactive charts with their toolbar shown, the legend outside the
plot area, and 暂无数据 when there is nothing to draw."""

from __future__ import annotations

import pytest
from bokeh.models import BoxZoomTool, HoverTool, Legend, ResetTool, SaveTool, WheelZoomTool

from workbench.web import charts

STACK = {"已办结": "#4c78a8", "未办结": "#f58518"}


def built() -> list:
    return [
        charts.hbar_stack("各区县问题数", ["朝阳区", "海淀区"], {"已办结": [3, 1], "未办结": [2, 50]}, STACK,
                          extra={"问题金额": ["1.00", "2.00"]}),
        charts.vbar_stack("各指标问题数", ["YL-001", "YL-002"], {"已办结": [3, 1], "未办结": [2, 5]}, STACK),
        charts.vbar_line("各期间问题数", ["202405", "202406"], ("问题", [4, 6], "#4c78a8"),
                         ("已办结", [1, 2], "#e45756")),
    ]


@pytest.mark.parametrize("index", range(3))
def test_charts_have_their_toolbar_and_a_legend_outside_the_plot(index: int) -> None:
    fig = built()[index].object
    tools = {type(t) for t in fig.toolbar.tools}
    assert {SaveTool, BoxZoomTool, WheelZoomTool, ResetTool, HoverTool} <= tools
    assert fig.toolbar_location == "above" and fig.toolbar.autohide is False
    legends = [r for r in fig.center if isinstance(r, Legend)]
    assert not legends  # none drawn inside the plot area, over the bars
    outside = [r for side in (fig.above, fig.right, fig.below, fig.left) for r in side if isinstance(r, Legend)]
    assert len(outside) == 1 and outside[0].items


def test_no_rows_is_said_in_words() -> None:
    for chart in (charts.hbar_stack("t", [], {"已办结": []}, STACK), charts.vbar_stack("t", [], {"已办结": []}, STACK),
                  charts.vbar_line("t", [], ("问题", [], "#000"), ("已办结", [], "#000"))):
        assert "暂无数据" in chart.object
    assert "&lt;b&gt;" in charts.empty("<b>").object
