"""Imports every business-line module so that its indicators register (registry.load_all)."""

from workbench.indicators import (  # noqa: F401
    accounts,
    comparison,
    evaluation,
    general,
    hr_market,
    injury,
    injury_benefits,
    pension,
    pension_payments,
    purchase,
    purchase_checks,
    resident,
    resident_agency,
    subsidies,
    unemployment,
    unemployment_benefits,
)
