"""The per-source intake notebooks, generated: they differ only in their source and the
heading of its view (``python -m workbench.reports.templates`` rewrites them; a test
checks that the committed notebooks are what this module generates).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat import v4

from workbench.contract import SOURCE_TITLES, SOURCES
from workbench.reports.run import notebook_path
from workbench.reports.views import VIEWS

PARAMETERS = '''\
landing: str = ""  # 交付目录或 ftp:// 地址 (delivery folder or ftp:// URL)
period: str = ""  # 交付期 YYYYMM
intake: bool = True  # True: 先接收并清洗本来源的交付文件; False: 只报告仓库中已有的本期数据
history_periods: "Optional[int]" = None  # 与此前多少个月对比数据量; None: parameters/reports.yaml
reject_examples: "Optional[int]" = None  # 每个表每种拒绝原因列出的示例行数; None: parameters/reports.yaml'''

INTRO = ("本报告由 `workbench report` 按月生成：接收本来源的交付文件，按数据接口规范的清洗规则入库，"
         "列出各表行数、拒绝记录、重复记录、数据量的历史对比和跨表数据质量检查。")


def build(source: str) -> nbformat.NotebookNode:
    """The intake notebook of ``source`` (no outputs)."""
    title = SOURCE_TITLES[source]
    md, code = v4.new_markdown_cell, v4.new_code_cell
    cells = [
        md(f"# {title} 数据接收与清洗报告\n\n{INTRO}"),
        code(PARAMETERS, metadata={"tags": ["parameters"]}),
        code("from workbench.reports import SourceReport\n\n"
             f'report = SourceReport("{source}", landing, period, history_periods=history_periods,\n'
             "                      reject_examples=reject_examples)\n"
             "report.overview()"),
        md("## 一、数据接收"),
        code("report.intake(run=intake)"),
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
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    })
    for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes nothing
        cell["id"] = f"{source}-{i:02d}"
    return nb


def text(source: str) -> str:
    return nbformat.writes(build(source)) + "\n"


def write(sources: list[str] | None = None) -> list[Path]:
    """(Re)write the notebooks of ``sources`` (default: all) under ``notebooks/``."""
    paths = []
    for s in sources or list(SOURCES):
        path = notebook_path(s)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text(s), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write(sys.argv[1:] or None):
        print(p)
