"""Helpers shared by tests: tables with the warehouse's schemas and no connection."""

from __future__ import annotations

import ibis

from workbench.contract import TABLES
from workbench.indicators.context import Context
from workbench.warehouse import SUPPORT_TABLES, table_schema


class UnboundWarehouse:
    """Tables with the warehouse's schemas and no connection: for compiling SQL only."""

    backend = "duckdb"
    schemas = {t.name: table_schema(t) for t in TABLES} | SUPPORT_TABLES

    def table(self, name: str) -> ibis.Table:
        return ibis.table(self.schemas[name], name=name)


def unbound_context(period: str = "202406") -> Context:
    return Context(UnboundWarehouse(), period)
