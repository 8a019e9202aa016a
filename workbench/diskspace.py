"""Free-space checks made before writing, so a full disk refuses a load cleanly.

DuckDB 1.4 can leave its file unreadable when an automatic checkpoint fails for lack
of space (seen here; docs/decisions.md), so intake checks first that the warehouse's
file system, and the process's file-size limit, leave room for the load.
"""

from __future__ import annotations

import resource
import shutil
from pathlib import Path

from workbench.errors import WarehouseError

MARGIN = 64 << 20
MB = 1 << 20


def room(directory: Path, grows: Path | None = None) -> int:
    """Bytes that may still be written into ``directory`` (and onto file ``grows``)."""
    directory.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(directory).free
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft != resource.RLIM_INFINITY:
        current = grows.stat().st_size if grows is not None and grows.exists() else 0
        free = min(free, soft - current)
    return free


def ensure_room(directory: Path, need: int, what: str, grows: Path | None = None) -> None:
    """Raise a WarehouseError naming ``what`` unless ``need`` bytes (+ margin) fit."""
    have = room(directory, grows)
    if need + MARGIN > have:
        raise WarehouseError(
            f"not enough disk space for {what}: needs about {(need + MARGIN) // MB:,} MB, "
            f"{max(have, 0) // MB:,} MB available in {directory}; nothing was written"
        )
