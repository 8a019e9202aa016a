"""Every table of the office database: importing this module puts all models on
``Base.metadata`` (the migrations' target and the schema test's reference)."""

from workbench.office import (  # noqa: F401
    district_reports,
    implementation,
    models,
    notices,
    scoring,
    staff,
    statistics,
)
from workbench.office.models import Base

metadata = Base.metadata
