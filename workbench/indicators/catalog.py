"""Imports every business-line module so that its indicators register (registry.load_all)."""

from workbench.indicators import (  # noqa: F401
    general,
    hr_market,
    injury,
    pension,
    purchase,
    resident,
    unemployment,
)
