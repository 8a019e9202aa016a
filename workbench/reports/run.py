"""Run the per-source intake notebooks with papermill and export them as HTML.

For each source, in contract order (a source's quality checks may refer to an earlier
source's tables), ``notebooks/intake_<source>.ipynb`` runs in a kernel of this very
interpreter and leaves ``WORKBENCH_HOME/reports/<P>/intake_<source>.ipynb`` (executed, kept
even when it fails) and ``.html`` (outputs only, charts embedded).
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench import params
from workbench.config import package_folder, settings
from workbench.contract import SOURCE_TITLES, SOURCES
from workbench.errors import UsageError, WorkbenchError, suggest
from workbench.periods import check_period

NOTEBOOKS = package_folder("notebooks")  # the installed notebooks (importlib.resources), not the checkout's
# nbconvert's lab template without what it would fetch from a CDN when the report is opened:
# require.js, MathJax, mermaid and the widget renderer (the reports hold no code, formula,
# diagram or widget); its style sheets are inlined and charts are embedded PNG images, so a
# report opens whole on a machine without internet
OFFLINE_TEMPLATE = "workbench_offline.html.j2"
OFFLINE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def notebook_path(source: str) -> Path:
    return NOTEBOOKS / f"intake_{source}.ipynb"


def run_source_reports(landing: str, period: str, sources: list[str] | None = None,
                       allow_empty: list[str] | None = None) -> list[Path]:
    """Run the intake notebook of each source (default: all) for ``period`` on the delivery
    in ``landing`` (``allow_empty``: snapshot tables that may come without data rows, as
    ``workbench intake --allow-empty``); return the HTML reports written. A failing notebook
    raises a WorkbenchError naming it and its error; its executed notebook is kept."""
    check_period(period)
    for s in sources or []:
        if s not in SOURCES:
            raise UsageError(f"unknown source {s!r}{suggest(s, list(SOURCES))}")
    chosen = [s for s in SOURCES if not sources or s in sources]
    cfg = params.load("reports")
    out = settings().reports / period
    out.mkdir(parents=True, exist_ok=True)
    parameters = {
        "landing": _absolute(landing),
        "period": period,
        "history_periods": cfg["history_periods"],
        "reject_examples": cfg["reject_examples"],
        "allow_empty": list(allow_empty or []),
    }
    return [run_notebook(notebook_path(s), out / f"intake_{s}.ipynb", parameters,
                         title=f"{SOURCE_TITLES[s]} 数据接收与清洗报告 {period}")
            for s in chosen]


def run_notebook(template: Path, executed: Path, parameters: dict, title: str | None = None) -> Path:
    """Execute ``template`` into ``executed`` with papermill, then write its HTML beside it
    (``.html``) and return that path."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    if not template.is_file():
        raise WorkbenchError(f"notebook {template} not found")
    html = executed.with_suffix(".html")
    html.unlink(missing_ok=True)  # never leave an earlier run's report beside a failed one
    try:
        papermill.execute_notebook(
            str(template), str(executed), parameters=parameters, kernel_name="python3",
            kernel_manager_class=_kernel_manager_class(), progress_bar=False, log_output=False,
        )
    except PapermillExecutionError as exc:
        where = _failed_cell(executed, exc.exec_count)
        raise WorkbenchError(
            f"notebook {template.name} failed{where}: {exc.ename}: {_first_line(exc.evalue)} "
            f"(executed notebook kept: {executed})", file=str(executed)) from None
    except Exception as exc:  # kernel that does not start or dies, unreadable notebook
        raise WorkbenchError(
            f"notebook {template.name} could not run: {type(exc).__name__}: {_first_line(str(exc))}",
            file=str(template)) from None
    export_html(executed, html, title)
    return html


def export_html(notebook: Path, html: Path, title: str | None = None) -> Path:
    """Write the outputs of ``notebook`` as standalone HTML (no code, no stderr noise): one
    self-contained file (``OFFLINE``), its charts embedded."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    if title:
        nb.metadata["title"] = title
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                            embed_images=True, template_file=OFFLINE_TEMPLATE,
                            extra_loaders=[jinja2.DictLoader({OFFLINE_TEMPLATE: OFFLINE})])
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or notebook.stem}})
    tmp = html.with_name(html.name + ".part")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(html)
    return html


def _kernel_manager_class():
    """A kernel manager that starts ipykernel on ``sys.executable``, whatever kernelspecs
    (user or system ``python3``) are installed: the kernel imports this same workbench.
    Its channels are encrypted (CurveZMQ) or, without CurveZMQ, local sockets (ipc)."""
    import zmq
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import KernelManager

    if zmq.has("curve") and KernelManager.class_traits().get("transport_encryption"):
        channels = {"transport_encryption": "auto"}
    else:
        channels = {"transport": "ipc"} if os.name == "posix" else {}

    class ThisInterpreterKernel(KernelManager):
        def __init__(self, **kwargs) -> None:
            super().__init__(**{**channels, **kwargs})

        @property
        def kernel_spec(self) -> KernelSpec:
            if self._kernel_spec is None:
                self._kernel_spec = KernelSpec(resource_dir="", **get_kernel_dict())
            return self._kernel_spec

    return ThisInterpreterKernel


def _failed_cell(executed: Path, exec_count: int | None) -> str:
    """`` in cell [N] (`its code`)`` for the cell papermill marked failed ([N]: its
    execution count, as Jupyter shows it beside the cell)."""
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except Exception:
        nb = nbformat.v4.new_notebook()
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("metadata", {}).get("papermill", {}).get("exception"):
            code = next((line.strip() for line in reversed(cell.source.splitlines())
                         if line.strip() and not line.lstrip().startswith("#")), "")
            count = cell.get("execution_count") or exec_count
            return f" in cell [{count}]" + (f" (`{code}`)" if code else "")
    return f" in cell [{exec_count}]" if exec_count else ""


def _absolute(landing: str) -> str:
    """A local landing folder as an absolute path (the kernel may resolve paths elsewhere)."""
    if "://" in landing or not landing:
        return landing
    return str(Path(landing).expanduser().resolve())


def _first_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    return lines[0] if lines else ""
