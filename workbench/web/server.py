"""``workbench serve``: the pages of ``workbench.web.registry`` (``workbench.apps.<name>``, one
``Page`` class each, built per user) behind the office login.

One Panel process has one event loop: every page build and every callback of every user waits
for it. ``procs`` server processes (``--procs``, default ``serve.procs`` in
parameters/office.yaml) share the port (Bokeh's ``num_procs``: the process forks after binding
it; Linux). Nothing connected crosses the fork: the office database is migrated and its pools
closed in the parent, and a child drops any pool it inherited (``workbench.office.db``); the
web apps open no warehouse. Sessions live in the office database, so any process checks any
cookie; a page whose websocket reaches another process than its first request is rebuilt
there from the page key its Bokeh token carries (``workbench.web.auth``). The children end
with the parent (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

from workbench.errors import UsageError


def build(route: str) -> object:
    """The page at ``route`` for the logged-in user of the current Panel session: the
    registry's class built for the account (``/``: the page the account lands on), or a
    refusal in Chinese (no session; a page access refuses says so itself)."""
    from workbench.errors import WorkbenchError, message_zh
    from workbench.web import registry, ui
    from workbench.web.auth import checked_account, current_account

    try:
        account = checked_account()  # the session get_user checked for this request (one check per page)
    except WorkbenchError as exc:
        return ui.denied(message_zh(exc, "请重新登录"))
    spec = registry.by_route(route)
    if route == registry.HOME:
        spec = registry.landing(account) or spec
    return spec.load()(account, recheck=current_account)  # the page refuses what access refuses


def routes() -> dict[str, Callable[[], object]]:
    """Route -> page factory for ``pn.serve``, every page class imported now (before forking)."""
    from workbench.web import registry

    for spec in registry.PAGES:
        spec.load()
    return {spec.route: (lambda route=spec.route: build(route)) for spec in registry.PAGES}


def default_procs() -> int:
    from workbench import params

    return int(params.load("office")["serve"]["procs"])


def _end_with_parent() -> None:
    """In a forked server process: receive SIGTERM when the parent dies (Linux), so that
    stopping ``workbench serve`` stops every process and none keeps the port."""
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)


def serve(port: int = 5006, address: str = "127.0.0.1", show: bool = False, start: bool = True,
          procs: int | None = None):
    """Serve every page with ``procs`` processes (None: parameters/office.yaml); blocks while
    the server runs (``start``)."""
    import panel as pn

    from workbench.indicators.registry import load_all
    from workbench.office import db, uploads
    from workbench.web.auth import TOKEN_OPTIONS, OfficeAuth, SecurityHeaders, server_key
    from workbench.web.resources import serve_locally

    procs = default_procs() if procs is None else procs
    if procs < 1:
        raise UsageError(f"--procs must be at least 1, not {procs}")
    if procs > 1 and (not hasattr(os, "fork") or sys.platform == "win32"):
        raise UsageError("--procs above 1 needs fork (Linux); use --procs 1 here")
    if procs > 1 and not start:
        raise UsageError("several server processes are started by forking: start must be true")
    db.ready()  # the office database is reachable and migrated before anyone logs in
    server_key()  # the CSRF key exists before any process forks (all share it)
    load_all()  # the indicator catalogue (half a second) once, before forking, not at a first page
    pages = routes()
    serve_locally()  # every process serves Panel's scripts and style sheets itself (no CDN)
    origin = [f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    extra = {}
    if procs > 1:
        db.release()  # no pooled connection is inherited by the server processes
        os.register_at_fork(after_in_child=_end_with_parent)
        extra["num_procs"] = procs
    return pn.serve(pages, port=port, address=address, show=show, start=start, title="基金监督工作台",
                    websocket_origin=origin, auth_provider=OfficeAuth(), verbose=False,
                    transforms=[SecurityHeaders],  # security headers on every response
                    websocket_max_message_size=uploads.message_limit(),  # an upload at the limit, base64
                    **TOKEN_OPTIONS, **extra)
