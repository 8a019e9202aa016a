"""Every script, style sheet and font of the web apps comes from the server itself, in every
server process: nothing is fetched from a third party (an office network may have no internet).

Panel declares its component style sheets (theme, widgets, Tabulator, Font Awesome) as
cdn.holoviz.org URLs and rewrites them to the server's static files while it renders a page's
HTML, after which every model it builds takes the local address from the document's
``dist_url``. A page whose websocket reaches another server process than its HTML (``serve
--procs``; ``workbench.web.server``) is built there from its Bokeh token, outside that
renderer: without ``dist_url`` Panel left those URLs on the CDN, and the browser then lost the
styles (a Tabulator without its CSS collapses into overlapping text). ``serve_locally`` gives
every new document the local address before its page is built, and pins Bokeh's own
resources to the server whatever ``BOKEH_RESOURCES`` says. The pages use the default Panel
design (no remote font) and system fonts (Noto Sans CJK).
"""

from __future__ import annotations

from typing import Any

_DONE = False


def local_dist() -> str:
    """The address of Panel's static files relative to a page of the server (every page of
    ``workbench serve`` sits at the root: ``/``, ``/problem``, …)."""
    from panel.io.resources import LOCAL_DIST

    return LOCAL_DIST


def _local_document(session_context: Any) -> None:
    """Panel's session-created hook (it runs before the page is built): the document resolves
    Panel's style sheets to the server's static files."""
    doc = session_context._document
    if doc is not None:
        doc._template_variables.setdefault("dist_url", local_dist())


def serve_locally() -> None:
    """Before ``pn.serve`` (and before forking): Bokeh's and Panel's resources in server mode, and
    every session's document on the local static files. Idempotent."""
    global _DONE
    if _DONE:
        return
    import panel as pn
    from bokeh.settings import settings

    settings.resources.set_value("server")  # not BOKEH_RESOURCES=cdn/inline from the environment
    pn.state.on_session_created(_local_document)
    _DONE = True
