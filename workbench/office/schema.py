"""Every table of the office database: importing this module puts all models on
``Base.metadata`` (the migrations' target and the schema test's reference)."""

from workbench.office import archive, models, records  # noqa: F401
from workbench.office.models import Base

metadata = Base.metadata
