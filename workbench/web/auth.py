"""Login, logout and the current user for the Panel (Bokeh/Tornado) server.

The browser holds the session token in an HttpOnly, SameSite=Strict cookie (``wb_session``).
Bokeh copies a page request's cookies and headers into the session token it embeds in the page,
where the page's scripts can read them; so that token may hold no cookie but the page key
(``wb_page``, ``accounts.page_key``: a one-way function of the session token), which the server
itself puts among the request's cookies once it has checked the session (``get_user``), and no
Cookie or Authorization header (``TOKEN_OPTIONS``). Every page request and every websocket
connection needs the real session cookie, checked against the office database
(``accounts.session_account``: expiry, disabled users), and any page key the request brings or
names must be that session's: a page key is no login, and one taken from another user's page
opens nothing in one's own connection. Every action a page takes finds its session by the
page key (``current_account``), so logout and expiry stop a page at its next action. Nothing of
the workflow is decided here.
"""

from __future__ import annotations

import html

from bokeh.protocol.exceptions import ProtocolError
from bokeh.server.auth_provider import AuthProvider
from bokeh.util.token import get_session_id, get_token_payload
from tornado.ioloop import IOLoop
from tornado.web import RequestHandler
from tornado.websocket import WebSocketHandler

from workbench.errors import AuthError, WorkbenchError
from workbench.office import accounts

COOKIE, PAGE_COOKIE = "wb_session", "wb_page"  # the browser's cookie; what the page's token holds
LOGIN, LOGOUT = "/login", "/logout"
# what Bokeh may copy into the session token embedded in a page (BokehTornado's options)
TOKEN_OPTIONS = {"include_cookies": [PAGE_COOKIE],
                 "exclude_headers": ["Cookie", "Authorization", "Proxy-Authorization"]}

PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>基金监督工作台 · 登录</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; background: #f3f5f8; }}
form {{ width: 340px; margin: 12vh auto; background: #fff; padding: 28px 32px; border-radius: 8px;
        box-shadow: 0 2px 10px rgba(0,0,0,.08); }}
h1 {{ font-size: 20px; margin: 0 0 18px; color: #1f3b64; }}
label {{ display: block; margin: 12px 0 4px; color: #333; }}
input {{ width: 100%; box-sizing: border-box; padding: 8px; font-size: 15px; }}
button {{ margin-top: 18px; width: 100%; padding: 9px; font-size: 16px; background: #1f5fbf; color: #fff;
          border: 0; border-radius: 4px; cursor: pointer; }}
.error {{ color: #b00020; margin-top: 12px; }}
</style></head>
<body><form method="post" action="{action}">
<h1>基金监督工作台</h1>
<label for="username">用户名</label><input id="username" name="username" value="{username}" autocomplete="username">
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" id="login">登录</button>
<div class="error" id="error" role="alert">{error}</div>
</form></body></html>"""


class LoginHandler(RequestHandler):
    def get(self) -> None:
        self.write(PAGE.format(action=LOGIN, username="", error=""))

    async def post(self) -> None:
        username = self.get_body_argument("username", "").strip()
        password = self.get_body_argument("password", "")
        try:
            # argon2 takes tens of milliseconds on purpose: off the event loop, so that one
            # login does not stall every other page of the server
            _, token = await IOLoop.current().run_in_executor(None, lambda: accounts.login(username, password))
        except AuthError as exc:
            self.set_status(401)
            self.write(PAGE.format(action=LOGIN, username=html.escape(username), error=html.escape(exc.zh)))
            return
        except WorkbenchError:
            self.set_status(503)
            self.write(PAGE.format(action=LOGIN, username=html.escape(username), error="系统暂时不可用，请稍后再试"))
            return
        self.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
        self.redirect("/")


class LogoutHandler(RequestHandler):
    def get(self) -> None:
        token = self.get_cookie(COOKIE)
        if token:
            accounts.logout(token)
        self.clear_cookie(COOKIE, path="/")
        self.redirect(LOGIN)


def page_keys(handler: RequestHandler) -> list[object]:
    """The page keys a request to the Bokeh server brings or names: the key in the Bokeh token it
    brings (a websocket's, from its Sec-WebSocket-Protocol header as Bokeh reads it; a page's
    ``bokeh-token`` argument), and the key of the page open in this process under the Bokeh
    session id it names (the token's, a ``bokeh-session-id`` argument or header). None stands
    for a missing or unreadable key."""
    keys: list[object] = []
    ids = [handler.get_argument("bokeh-session-id", None), handler.request.headers.get("Bokeh-Session-Id")]
    if isinstance(handler, WebSocketHandler):
        offered = [p.strip() for p in handler.request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        token = offered[1] if len(offered) == 2 else None  # what Bokeh's select_subprotocol takes
        if not token:
            return [None]
    else:
        token = handler.get_argument("bokeh-token", None)
    if token:
        try:
            keys.append(get_token_payload(token).get("cookies", {}).get(PAGE_COOKIE))
            ids.append(get_session_id(token))
        except Exception:  # not a Bokeh token: Bokeh would refuse it too
            return [None]
    context = getattr(handler, "application_context", None)  # the app's Bokeh sessions in this process
    for session_id in filter(None, ids) if context is not None else ():
        try:
            open_page = context.get_session(session_id)
        except ProtocolError:  # no such page here (yet): Bokeh builds it from the token
            continue
        keys.append(open_page.document.session_context.request.cookies.get(PAGE_COOKIE))
    return keys


class OfficeAuth(AuthProvider):
    """Bokeh's auth hooks backed by the office's users and sessions."""

    @property
    def get_user(self):
        def get_user(handler: RequestHandler) -> str | None:
            token = handler.get_cookie(COOKIE)
            if not token:
                return None
            own = accounts.page_key(token)
            if any(k != own for k in page_keys(handler)):  # own: no secret to time
                return None
            try:
                username = accounts.session_account(token).username
            except WorkbenchError:
                return None
            # Bokeh builds a new page's token after this check, from the request's cookies
            # (TOKEN_OPTIONS: this one only): the page carries its own session's key, whatever
            # the browser sent as wb_page
            handler.request.cookies[PAGE_COOKIE] = own
            return username

        return get_user

    @property
    def login_url(self) -> str:
        return LOGIN

    @property
    def login_handler(self) -> type[RequestHandler]:
        return LoginHandler

    @property
    def logout_url(self) -> str:
        return LOGOUT

    @property
    def logout_handler(self) -> type[RequestHandler]:
        return LogoutHandler


def current_account() -> accounts.Account:
    """The account of the Panel session's page key, its session checked now (raises AuthError)."""
    import panel as pn

    return accounts.page_account(pn.state.cookies.get(PAGE_COOKIE))
