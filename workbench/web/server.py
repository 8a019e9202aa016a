"""``workbench serve``: the Panel apps of ``apps/`` behind the office login."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from workbench.errors import UsageError

APPS = Path(__file__).resolve().parents[2] / "apps"
PAGES = {"/": "queue", "/problem": "problem", "/users": "users", "/log": "log",
         "/statistics": "statistics", "/scoring": "scoring", "/notices": "notices",
         "/records": "records"}  # URL -> apps/<name>.py


def load_app(name: str) -> ModuleType:
    path = APPS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"workbench_apps_{name}", path)
    if spec is None or spec.loader is None or not path.is_file():
        raise UsageError(f"web app {path} not found")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serve(port: int = 5006, address: str = "127.0.0.1", show: bool = False, start: bool = True):
    """Serve every page; blocks while the server runs (``start``)."""
    import panel as pn

    from workbench.office import db
    from workbench.web.auth import OfficeAuth

    db.ready()  # the office database is reachable and migrated before anyone logs in
    pages = {route: load_app(name).page for route, name in PAGES.items()}
    origin = [f"{address}:{port}", f"localhost:{port}", f"127.0.0.1:{port}"]
    return pn.serve(pages, port=port, address=address, show=show, start=start, title="基金监督工作台",
                    websocket_origin=origin, auth_provider=OfficeAuth(), verbose=False)
