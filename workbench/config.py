"""Where data live: WORKBENCH_HOME, the warehouse URL and the office database URL (cli.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    warehouse_url: str
    office_url: str

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    @property
    def deliveries(self) -> Path:
        """Raw deliveries as received (FTP downloads are archived here)."""
        return self.home / "deliveries"

    @property
    def tmp(self) -> Path:
        return self.home / "tmp"


def settings() -> Settings:
    """Read the environment anew (tests and notebooks change it between calls)."""
    home = Path(os.environ.get("WORKBENCH_HOME", "./var")).resolve()
    warehouse = os.environ.get("WORKBENCH_WAREHOUSE") or f"duckdb://{home / 'warehouse.duckdb'}"
    office = os.environ.get("WORKBENCH_OFFICE_DB") or f"sqlite:///{home / 'office.sqlite'}"
    return Settings(home=home, warehouse_url=warehouse, office_url=office)
