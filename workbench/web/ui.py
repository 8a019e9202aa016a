"""Pieces every page shares: the header with the user and logout, messages, formatting.
All text a user reads is Chinese; anything user-entered is escaped before display. Logout is a
POST carrying the session's logout token (``workbench.web.auth``), so no other site can end a
session."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

import panel as pn

from workbench import times
from workbench.districts import NAMES
from workbench.errors import message_zh
from workbench.office.accounts import Account
from workbench.web.auth import CSRF_FIELD, LOGOUT, logout_token

CSS = """
.wb-header { display:flex; justify-content:space-between; align-items:center; width:100%;
             background:#1f3b64; color:#fff; padding:8px 16px; box-sizing:border-box; }
.wb-header a { color:#fff; margin-left:16px; }
.wb-header form { display:inline; margin:0; }
.wb-header button { background:none; border:0; color:#fff; text-decoration:underline; cursor:pointer;
                    font:inherit; margin-left:16px; padding:0; }
.wb-overdue { color:#b00020; font-weight:bold; }
"""


def header(account: Account, title: str) -> pn.pane.HTML:
    """The page's header: title, the user, the menu of the pages the account may see (from
    ``workbench.web.registry``) and the logout form."""
    from workbench.web import registry

    where = NAMES.get(account.district_code or "", "市级") if account.district_code else "市级"
    roles = "、".join(sorted(r.label for r in account.roles))
    links = "".join(f'<a href="{p.route}">{html.escape(p.menu_label)}</a>' for p in registry.menu(account))
    return pn.pane.HTML(
        f'<div class="wb-header"><b>基金监督工作台 · {html.escape(title)}</b>'
        f'<span id="wb-user">{html.escape(account.display_name)}（{html.escape(where)}，{html.escape(roles)}）'
        f'<nav id="wb-menu" style="display:inline">{links}</nav>'
        f'<form method="post" action="{LOGOUT}"><input type="hidden" name="{CSRF_FIELD}" '
        f'value="{html.escape(logout_token())}"><button type="submit" id="wb-logout">退出</button></form>'
        '</span></div>',
        stylesheets=[CSS], sizing_mode="stretch_width")


def message(text: str = "", kind: str = "danger") -> pn.pane.Alert:
    return pn.pane.Alert(html.escape(text), alert_type=kind, visible=bool(text), sizing_mode="stretch_width")


def show(alert: pn.pane.Alert, text: str, kind: str = "danger") -> None:
    alert.object, alert.alert_type, alert.visible = html.escape(text), kind, True


def show_error(alert: pn.pane.Alert, exc: BaseException) -> None:
    """The one place an error becomes what a page shows: its Chinese message
    (``workbench.errors.message_zh``) in ``alert``."""
    show(alert, message_zh(exc))


def hide(alert: pn.pane.Alert) -> None:
    alert.visible = False


def lazy_tabs(sections: Sequence[tuple[str, Callable[[], pn.viewable.Viewable]]], active: int = 0,
              **params: object) -> pn.Tabs:
    """Tabs whose contents are built when first shown: ``sections`` are (title, builder);
    only the ``active`` one is built now, each other one when the user opens it."""
    holders = [pn.Column(name=title, sizing_mode="stretch_width") for title, _ in sections]
    built: set[int] = set()

    def build(i: int) -> None:
        if 0 <= i < len(holders) and i not in built:
            built.add(i)
            holders[i].objects = [sections[i][1]()]

    build(active)
    tabs = pn.Tabs(*holders, active=active, sizing_mode="stretch_width", **params)
    tabs.param.watch(lambda e: build(e.new), "active")
    return tabs


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def when(value: datetime | None) -> str:
    """A day in Beijing time (deadlines, publish days)."""
    return times.day_text(value)


def denied(text: str) -> pn.Column:
    return pn.Column(pn.pane.Alert(html.escape(text), alert_type="danger"),
                     pn.pane.HTML('<a href="/">返回首页</a>'))
