"""The pages ``workbench serve`` serves, in one table: route, title, the module and class that
build the page, its place in the header menu and the access action that lets a user see it.
The server, the header menu and the tests read it; nothing else lists the pages.

A page module is ``workbench.apps.<name>`` (``apps/`` installed as ``workbench.apps``) and
defines one ``workbench.web.page.Page`` subclass named here."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench import access
from workbench.office.accounts import Account

if TYPE_CHECKING:
    from workbench.web.page import Page


@dataclass(frozen=True)
class PageSpec:
    route: str
    title: str
    module: str  # "workbench.apps.<name>"
    cls: str  # the Page subclass in ``module``
    menu: int | None  # place in the header menu (ascending); None: not in the menu
    action: str  # the access action (workbench.access) that lets a user see the page
    label: str = ""  # the menu's text when shorter than the title

    @property
    def menu_label(self) -> str:
        return self.label or self.title

    def load(self) -> type[Page]:
        """The page's class (its module imported once)."""
        return getattr(importlib.import_module(self.module), self.cls)


PAGES: tuple[PageSpec, ...] = (
    PageSpec("/", "我的工作队列", "workbench.apps.queue", "QueuePage", 10, "problem.view", "工作队列"),
    PageSpec("/problem", "问题详情", "workbench.apps.problem", "ProblemPage", None, "problem.view"),
    PageSpec("/statistics", "问题统计", "workbench.apps.statistics", "StatisticsPage", 20, "statistics.view"),
    PageSpec("/scoring", "考核评分", "workbench.apps.scoring", "ScoringPage", 30, "scoring.view"),
    PageSpec("/notices", "通知公告", "workbench.apps.notices", "NoticesPage", 40, "notice.view"),
    PageSpec("/records", "监督上报", "workbench.apps.records", "RecordsPage", 50, "staff.view"),
    PageSpec("/users", "用户管理", "workbench.apps.users", "UsersPage", 60, "users.admin"),
    PageSpec("/log", "日志审查", "workbench.apps.log", "LogPage", 70, "log.review"),
)
HOME = "/"


def of(cls: type) -> PageSpec:
    """The row of the page class ``cls``."""
    found = [p for p in PAGES if p.module == cls.__module__ and p.cls == cls.__name__]
    if not found:
        raise LookupError(f"{cls.__module__}.{cls.__name__} is not in workbench.web.registry.PAGES")
    return found[0]


def by_route(route: str) -> PageSpec:
    return next(p for p in PAGES if p.route == route)


def allowed(account: Account, spec: PageSpec) -> bool:
    return access.decide(account, spec.action).allowed


def for_account(account: Account) -> list[PageSpec]:
    """The pages ``account`` may see, in menu order (pages not in the menu last)."""
    return sorted((p for p in PAGES if allowed(account, p)),
                  key=lambda p: (p.menu is None, p.menu or 0))


def menu(account: Account) -> list[PageSpec]:
    """The header menu of ``account``: the menu pages it may see."""
    return [p for p in for_account(account) if p.menu is not None]


def landing(account: Account) -> PageSpec | None:
    """The page ``account`` lands on at ``/``: the work queue when it may see problems, else
    its first menu page (an administrator: notices or users), None when it may see nothing."""
    home = by_route(HOME)
    if allowed(account, home):
        return home
    pages = menu(account)
    return pages[0] if pages else None
