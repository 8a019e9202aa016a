"""Login, logout and the current user for the Panel (Bokeh/Tornado) server.

The browser holds the session token in an HttpOnly, SameSite=Strict cookie; every page
request and every websocket connection is checked against the office database
(``accounts.session_account``: expiry, disabled users), and so is every action a page
takes (``current_account``). Nothing of the workflow is decided here.
"""

from __future__ import annotations

import html

from bokeh.server.auth_provider import AuthProvider
from tornado.ioloop import IOLoop
from tornado.web import RequestHandler

from workbench.errors import AuthError, WorkbenchError
from workbench.office import accounts

COOKIE = "wb_session"
LOGIN, LOGOUT = "/login", "/logout"

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


class OfficeAuth(AuthProvider):
    """Bokeh's auth hooks backed by the office's users and sessions."""

    @property
    def get_user(self):
        def get_user(handler: RequestHandler) -> str | None:
            try:
                return accounts.session_account(handler.get_cookie(COOKIE)).username
            except WorkbenchError:
                return None

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
    """The account of the Panel session's cookie, checked now (raises AuthError)."""
    import panel as pn

    return accounts.session_account(pn.state.cookies.get(COOKIE))
