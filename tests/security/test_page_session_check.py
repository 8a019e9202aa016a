"""One session check per page load (security.md "Login (web)"): the account ``get_user`` checked
for a page's request is the account the page is built as (``auth.checked_account``), taken
once; every later ask checks the session again, so logout and expiry still stop the page at its
next action. Nothing but a checked request's own account is ever taken."""

from __future__ import annotations

import weakref
from unittest import mock

import panel as pn
import pytest
from bokeh.document import Document
from bokeh.server.contexts import _RequestProxy
from tornado.httputil import HTTPHeaders, HTTPServerRequest, RequestStartLine
from tornado.web import Application, RequestHandler

from workbench.errors import AuthError
from workbench.office import accounts
from workbench.web import auth, server

PASSWORD = "Page-Check-Password-1"


def handler(token: str | None) -> RequestHandler:
    headers = HTTPHeaders({"Host": "127.0.0.1:5006", **({"Cookie": f"{auth.COOKIE}={token}"} if token else {})})
    request = HTTPServerRequest(start_line=RequestStartLine("GET", "/", "HTTP/1.1"), headers=headers,
                                connection=mock.Mock())
    return RequestHandler(Application(), request)


class Context:
    """What a Bokeh session context gives a page of the request that made the session."""

    def __init__(self, request: HTTPServerRequest) -> None:
        self.request = _RequestProxy(request)


def session_doc(h: RequestHandler) -> tuple[Document, Context]:
    """A document of a Bokeh session of the request ``h`` (keep the context alive with it)."""
    doc, context = Document(), Context(h.request)
    doc._session_context = weakref.ref(context)
    return doc, context


@pytest.fixture
def checks(office: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The office at ``office`` with one district handler; the session checks made, by kind."""
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    accounts.add_user("dh1", "测试", ["district_handler"], "110105", PASSWORD, url=office)
    made: list[str] = []
    session, page = accounts.session_account, accounts.page_account
    monkeypatch.setattr(accounts, "session_account", lambda *a, **k: made.append("cookie") or session(*a, **k))
    monkeypatch.setattr(accounts, "page_account", lambda *a, **k: made.append("page key") or page(*a, **k))
    return made


def test_a_page_load_checks_its_session_once_and_every_action_again(office: str, checks: list[str]) -> None:
    _, token = accounts.login("dh1", PASSWORD, url=office)
    h = handler(token)
    assert auth.OfficeAuth().get_user(h) == "dh1"
    assert checks == ["cookie"]
    doc, _context = session_doc(h)
    ctx = pn.state._curdoc.set(doc)
    try:
        page = server.build("/")
        assert type(page).__name__ == "QueuePage" and page.account.username == "dh1"
        assert checks == ["cookie"]  # the page was built as get_user's account: no second check
        assert page.current().username == "dh1"  # an action checks again, by the page key
        assert checks == ["cookie", "page key"]
        assert auth.checked_account().username == "dh1"  # taken once: a second build checks again
        assert checks == ["cookie", "page key", "page key"]
        accounts.logout(token, url=office)
        with pytest.raises(AuthError):
            page.current()  # logout stops the page at its next action
        refused = server.build("/")  # a rebuild after logout is refused, not served from the stash
        assert "重新登录" in refused[0].object
    finally:
        pn.state._curdoc.reset(ctx)


def test_a_refused_request_leaves_no_account_to_take(office: str, checks: list[str]) -> None:
    _, token = accounts.login("dh1", PASSWORD, url=office)
    accounts.logout(token, url=office)
    for h in (handler(token), handler(None), handler("not-a-session")):
        assert auth.OfficeAuth().get_user(h) is None
        assert getattr(h.request, auth.CHECKED, None) is None
        doc, _context = session_doc(h)
        ctx = pn.state._curdoc.set(doc)
        try:
            with pytest.raises(AuthError):
                auth.checked_account()  # nothing stashed: the page key is checked (and refused)
        finally:
            pn.state._curdoc.reset(ctx)
