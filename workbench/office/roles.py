"""The office's roles (README, Roles) and their Chinese labels. What each may do, and where,
is ``workbench.access``. ``annuity_reporter`` is an annuity institution's staff: it acts only
on its own institution's annuity reports (an account bound to no institution may do nothing)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    DISTRICT_HANDLER = "district_handler"
    DISTRICT_REVIEWER = "district_reviewer"
    CITY_HANDLER = "city_handler"
    CITY_REVIEWER = "city_reviewer"
    ADMIN = "admin"
    ANNUITY_REPORTER = "annuity_reporter"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def district_scoped(self) -> bool:
        """A district role acts only on its own district's problems."""
        return self in (Role.DISTRICT_HANDLER, Role.DISTRICT_REVIEWER)


LABELS = {
    Role.DISTRICT_HANDLER: "区县基金监督科疑似问题处理人",
    Role.DISTRICT_REVIEWER: "区县基金监督科疑似问题审核人",
    Role.CITY_HANDLER: "市基金监督处疑似问题处理人",
    Role.CITY_REVIEWER: "市基金监督处疑似问题审核人",
    Role.ADMIN: "综合管理人员",
    Role.ANNUITY_REPORTER: "年金机构报表填报人",
}
