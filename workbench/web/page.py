"""The base of every page ``workbench serve`` serves (``workbench.web.registry`` lists them).

A page is an object built for one logged-in user: ``Page(account)``. A subclass writes
``body()``; its route, title and the access action that lets a user see it are its row of the
registry (``spec()``), written nowhere else. ``__panel__`` asks access for that action (a refusal
is the page: nothing of the body is built), then builds the header (its menu from the registry,
for this account) and the body once, when Panel first renders the page. Handlers
re-check the session with ``current()`` (the server passes ``recheck``; a page built in a test
uses the account it was given). Heavy sections are built when first shown
(``ui.lazy_tabs``), never for a tab the user does not open.

    class QueuePage(Page):
        def body(self) -> pn.viewable.Viewable:
            ...
"""

from __future__ import annotations

from collections.abc import Callable

import panel as pn

from workbench import access
from workbench.office.accounts import Account
from workbench.web import registry, ui


class Page(pn.viewable.Viewer):
    def __init__(self, account: Account, *, recheck: Callable[[], Account] | None = None, **params: object) -> None:
        super().__init__(**params)
        self.account = account
        self._recheck = recheck
        self._layout: pn.Column | None = None

    @classmethod
    def spec(cls) -> registry.PageSpec:
        """This page's row of the registry (route, title, menu place, access action)."""
        return registry.of(cls)

    @property
    def title(self) -> str:
        return self.spec().title

    def current(self) -> Account:
        """The account as it is now (session still valid, roles and district as now); raises
        ``AuthError`` when the session ended. A handler asks it before acting."""
        return self._recheck() if self._recheck is not None else self.account

    def may(self, action: str, target: access.Target | None = None) -> bool:
        """Whether access allows the page's account ``action`` (what the page shows or hides;
        the office services check again)."""
        return access.decide(self.account, action, target).allowed

    def body(self) -> pn.viewable.Viewable:
        raise NotImplementedError(f"{type(self).__name__}.body")

    def __panel__(self) -> pn.Column:
        if self._layout is None:
            decision = access.decide(self.account, self.spec().action)
            content = self.body() if decision.allowed else ui.denied(decision.reason or "无权查看此页面")
            self._layout = pn.Column(ui.header(self.account, self.title), content, sizing_mode="stretch_width")
        return self._layout
