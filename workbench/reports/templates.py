"""The notebooks papermill runs, generated: the per-source intake notebooks (they differ
only in their source and the heading of its view), and the indicators and statistics
notebooks of the monthly job (``python -m workbench.reports.templates`` rewrites them; a
test checks that the committed notebooks are what this module generates).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat import v4

from workbench.contract import SOURCE_TITLES, SOURCES
from workbench.reports.run import NOTEBOOKS, notebook_path
from workbench.reports.views import VIEWS

PARAMETERS = '''\
landing: str = ""  # 交付目录或 ftp:// 地址 (delivery folder or ftp:// URL)
period: str = ""  # 交付期 YYYYMM
intake: bool = True  # True: 先接收并清洗本来源的交付文件; False: 只报告仓库中已有的本期数据
history_periods: "Optional[int]" = None  # 与此前多少个月对比数据量; None: parameters/reports.yaml
reject_examples: "Optional[int]" = None  # 每个表每种拒绝原因列出的示例行数; None: parameters/reports.yaml
allow_empty: "Optional[list]" = None  # 允许本期无数据行的快照表 (--allow-empty); None: 一个也不允许'''

# every notebook (and its HTML report) says which home it read, right after its parameters
HOME_NOTE = "from workbench.reports.notebook import home_note\n\nhome_note()"

INTRO = ("本报告由 `workbench report` 按月生成：接收本来源的交付文件，按数据接口规范的清洗规则入库，"
         "列出各表行数、拒绝记录、重复记录、数据量的历史对比和跨表数据质量检查。")


def build(source: str) -> nbformat.NotebookNode:
    """The intake notebook of ``source`` (no outputs)."""
    title = SOURCE_TITLES[source]
    md, code = v4.new_markdown_cell, v4.new_code_cell
    cells = [
        md(f"# {title} 数据接收与清洗报告\n\n{INTRO}"),
        code(PARAMETERS, metadata={"tags": ["parameters"]}),
        code(HOME_NOTE),
        code("from workbench.reports import SourceReport\n\n"
             f'report = SourceReport("{source}", landing, period, history_periods=history_periods,\n'
             "                      reject_examples=reject_examples)\n"
             "report.overview()"),
        md("## 一、数据接收"),
        code("report.intake(run=intake, allow_empty=allow_empty)"),
        md("## 二、各表行数"),
        code("report.counts()"),
        md("## 三、拒绝记录\n\n按表和拒绝原因统计被拒绝的行，并列出示例行的原始内容。"),
        code("report.rejects()"),
        code("report.rejects_chart()"),
        code("report.reject_examples()"),
        md("## 四、重复记录\n\n各列完全相同的重复行只保留文件中的第一行；"
           "主键相同而其他列不同的行全部拒绝（KEY_CONFLICT），由数据维护方确认。"),
        code("report.duplicates()"),
        md("## 五、数据量与历史对比"),
        code("report.volume_chart()"),
        code("report.volumes()"),
        md("## 六、数据质量检查"),
        code("report.quality()"),
        md(f"## 七、{VIEWS[source].title}"),
        code("report.view()"),
    ]
    return _notebook(cells, source)


def _notebook(cells: list, name: str) -> nbformat.NotebookNode:
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    })
    for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes nothing
        cell["id"] = f"{name}-{i:02d}"
    return nb


INDICATORS_PARAMETERS = '''\
period: str = ""  # 期别 YYYYMM
run: bool = True  # True: 运行指标并发布到监督办公库; False: 只报告本期已发布的最近一次运行
only: "Optional[str]" = None  # 只运行这些指标, 逗号分隔的指标代码; None: 全部
overrides: "Optional[list]" = None  # 本次运行的参数覆盖, 每项与 workbench indicators --param 的写法相同; None: 不覆盖
top: "Optional[int]" = None  # 图中列出命中数最多的指标个数; None: 10'''

STATISTICS_PARAMETERS = '''\
period: str = ""  # 期别 YYYYMM
history_periods: "Optional[int]" = None  # 与此前多少个月对比; None: parameters/reports.yaml
top: "Optional[int]" = None  # 列出命中数最多的指标个数; None: 10'''


def build_indicators() -> nbformat.NotebookNode:
    """The indicators notebook: run and publish the indicators of a period, show the hits."""
    md, code = v4.new_markdown_cell, v4.new_code_cell
    cells = [
        md("# 监督指标运行报告\n\n本报告由月度作业 `workbench monthly` 生成：在数据仓库上运行本期全部监督指标，"
           "把命中的疑似问题发布到监督办公库（新增、更新或重新打开），并按指标、区和业务条线统计命中。"),
        code(INDICATORS_PARAMETERS, metadata={"tags": ["parameters"]}),
        code(HOME_NOTE),
        code("from workbench.reports.indicator_report import IndicatorReport\n\n"
             "report = IndicatorReport(period, top=top)\n"
             "report.overview()"),
        md("## 一、指标运行与发布"),
        code("report.run(run=run, only=only, overrides=overrides)"),
        md("## 二、按指标统计"),
        code("report.top_chart()"),
        code("report.by_indicator()"),
        md("## 三、按区统计"),
        code("report.district_chart()"),
        code("report.by_district()"),
        md("## 四、按业务条线统计"),
        code("report.business_line_chart()"),
        code("report.by_business_line()"),
        md("## 五、新增、更新与重新打开"),
        code("report.outcome()"),
        md("## 六、运行明细"),
        code("report.run_details()"),
    ]
    return _notebook(cells, "indicators")


def build_statistics() -> nbformat.NotebookNode:
    """The statistics notebook: the period against earlier ones (read only)."""
    md, code = v4.new_markdown_cell, v4.new_code_cell
    cells = [
        md("# 基金监督统计报告\n\n本报告由月度作业 `workbench monthly` 生成：本期监督指标的命中与此前各期对比，"
           "各区、各业务条线和主要指标的情况，涉及金额的分布，以及监督办公库中问题的处理状态。只读取数据，不作修改。"),
        code(STATISTICS_PARAMETERS, metadata={"tags": ["parameters"]}),
        code(HOME_NOTE),
        code("from workbench.reports.statistics import StatisticsReport\n\n"
             "report = StatisticsReport(period, history_periods=history_periods, top=top)\n"
             "report.overview()"),
        md("## 一、本期概况"),
        code("report.summary()"),
        md("## 二、历史趋势"),
        code("report.trend_chart()"),
        code("report.trend()"),
        md("## 三、各区对比"),
        code("report.district_chart()"),
        code("report.districts()"),
        md("## 四、各业务条线"),
        code("report.business_line_chart()"),
        code("report.business_lines()"),
        md("## 五、命中最多的指标"),
        code("report.top_chart()"),
        code("report.top_indicators()"),
        md("## 六、涉及金额分布"),
        code("report.amount_chart()"),
        code("report.amounts()"),
        md("## 七、问题处理状态"),
        code("report.states_chart()"),
        code("report.states()"),
        md("## 八、监督评估：各区比率\n\n下限缴费占比、补缴金额占比、养老金发放环比和每万参保人失业金领取人数，"
           "红色虚线为各区中位数；明显偏离的区县值得进一步了解。"),
        code("report.rates_chart()"),
        code("report.rates()"),
    ]
    return _notebook(cells, "statistics")


REPORTS = {"indicators": build_indicators, "statistics": build_statistics}


def report_notebook_path(name: str) -> Path:
    """``indicators.ipynb`` or ``statistics.ipynb`` of the installed notebooks."""
    return NOTEBOOKS / f"{name}.ipynb"


def text(name: str) -> str:
    """The notebook of a source, or of ``indicators`` / ``statistics``, as written."""
    nb = REPORTS[name]() if name in REPORTS else build(name)
    return nbformat.writes(nb) + "\n"


def write(names: list[str] | None = None) -> list[Path]:
    """(Re)write the notebooks of ``names`` (sources, ``indicators``, ``statistics``;
    default: all) under ``notebooks/``."""
    paths = []
    for s in names or [*SOURCES, *REPORTS]:
        path = report_notebook_path(s) if s in REPORTS else notebook_path(s)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text(s), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write(sys.argv[1:] or None):
        print(p)
