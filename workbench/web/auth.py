"""Login, logout and the current user for the Panel (Bokeh/Tornado) server.

The browser holds the session token in an HttpOnly, SameSite=Strict cookie (``wb_session``;
Secure per ``serve.secure_cookies``). Bokeh copies a page request's cookies and headers into the
session token it embeds in the page, where the page's scripts can read them; so that token may
hold no cookie but the page key (``wb_page``, ``accounts.page_key``: a one-way function of the
session token), which the server itself puts among the request's cookies once it has checked the
session (``get_user``), and no Cookie or Authorization header (``TOKEN_OPTIONS``). Every page
request and every websocket connection needs the real session cookie, checked against the office
database (``accounts.session_account``: expiry, disabled users), and any page key the request
brings or names must be that session's: a page key is no login, and one taken from another
user's page opens nothing in one's own connection. Every action a page takes finds its session
by the page key (``current_account``), so logout and expiry stop a page at its next action.

The two state-changing HTTP requests, login and logout, are POSTs carrying a CSRF token: an HMAC
(server key ``WORKBENCH_HOME/keys/web.key``, mode 0600, shared by every server process) of the
pre-login cookie ``wb_login`` for the login form, of the session's page key for the logout form
of every page's header. A POST without the right token is refused (403) before any password is
checked or any session ended. Everything else a page changes goes over Bokeh's websocket, which
needs an allowed Origin (``websocket_origin``), the SameSite=Strict session cookie and a Bokeh
token holding that session's page key. The source address of a login is the connection's peer,
or what a trusted proxy (``serve.trusted_proxies``) reports in X-Forwarded-For; throttling by
it is ``accounts.login``'s. Every response carries the headers of ``SECURITY_HEADERS``
(``SecurityHeaders``, a Tornado output transform). Nothing of the workflow is decided here.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import html
import ipaddress
import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bokeh.protocol.exceptions import ProtocolError
from bokeh.server.auth_provider import AuthProvider
from bokeh.util.token import get_session_id, get_token_payload
from tornado.httputil import HTTPHeaders, HTTPServerRequest
from tornado.ioloop import IOLoop
from tornado.web import OutputTransform, RequestHandler
from tornado.websocket import WebSocketHandler

from workbench import config
from workbench import params as param_files
from workbench.errors import AuthError, WorkbenchError, message_zh
from workbench.office import accounts

COOKIE, PAGE_COOKIE = "wb_session", "wb_page"  # the browser's cookie; what the page's token holds
LOGIN_COOKIE = "wb_login"  # the pre-login cookie the login form's CSRF token is bound to
CSRF_FIELD = "csrf"
LOGIN, LOGOUT = "/login", "/logout"
# what Bokeh may copy into the session token embedded in a page (BokehTornado's options)
TOKEN_OPTIONS = {"include_cookies": [PAGE_COOKIE],
                 "exclude_headers": ["Cookie", "Authorization", "Proxy-Authorization"]}
# as strict as Bokeh/Panel pages allow: their scripts are inline and use eval; all from the server
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
       "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
KEY_FILE = "web.key"

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
<input type="hidden" name="{field}" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label for="username">用户名</label><input id="username" name="username" value="{username}" autocomplete="username">
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit" id="login">登录</button>
<div class="error" id="error" role="alert">{error}</div>
</form></body></html>"""

REFUSED_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>基金监督工作台</title></head>
<body><p id="error" role="alert">{error}</p><p><a href="{back}">返回</a></p></body></html>"""
EXPIRED_FORM_ZH = "页面已失效，请刷新后重试"


class SecurityHeaders(OutputTransform):
    """Adds ``SECURITY_HEADERS`` to every response of the Tornado application: pages, static
    files, redirects and errors (Tornado runs transforms on every handler's first chunk)."""

    def transform_first_chunk(self, status_code: int, headers: HTTPHeaders, chunk: bytes,
                              finishing: bool) -> tuple[int, HTTPHeaders, bytes]:
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value
        return status_code, headers, chunk


# ------------------------------------------------------------------ who is asking, over what
def serve_params() -> dict[str, Any]:
    return param_files.load("office")["serve"]


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, proxies: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(proxies))


def client(request: HTTPServerRequest, serve: dict[str, Any] | None = None) -> tuple[str, bool]:
    """(source address, whether the client's connection is https) of a request: the peer's
    address and scheme, or, from a trusted proxy, the nearest untrusted hop of X-Forwarded-For
    and the scheme of X-Forwarded-Proto."""
    serve = serve or serve_params()
    proxies = tuple(serve["trusted_proxies"])
    address = request.remote_ip or "-"  # the peer: Bokeh's server runs without xheaders
    https = request.protocol == "https"
    if not _trusted(address, proxies):
        return address, https
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    https = proto == "https" if proto else https
    for hop in reversed([h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage from beyond the trusted proxies: stop at the last one that spoke
        address = hop
        if not _trusted(hop, proxies):
            break
    return address, https


def secure_cookie(request: HTTPServerRequest, serve: dict[str, Any] | None = None) -> bool:
    """Whether cookies get the Secure flag (``serve.secure_cookies``: auto, always, never)."""
    serve = serve or serve_params()
    mode = serve["secure_cookies"]
    return mode == "always" or (mode == "auto" and client(request, serve)[1])


def cookie_flags(request: HTTPServerRequest) -> dict[str, Any]:
    return {"httponly": True, "samesite": "Strict", "secure": secure_cookie(request)}


# ------------------------------------------------------------------ CSRF tokens
def key_path() -> Path:
    return config.settings().home / "keys" / KEY_FILE


def server_key() -> bytes:
    """The server's HMAC key, created on first use (mode 0600) and shared by every process."""
    return _key(str(key_path()))


@functools.lru_cache(maxsize=4)
def _key(path: str) -> bytes:
    file = Path(path)
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this instant
            data = file.read_bytes()
            if len(data) >= 32:
                return data
            time.sleep(0.02)
        raise WorkbenchError(f"{file}: the server key is shorter than 32 bytes") from None
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(32))
    return file.read_bytes()


def _mac(purpose: str, value: str) -> str:
    return hmac.new(server_key(), f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def login_token(pre_login: str) -> str:
    """The login form's CSRF token for the pre-login cookie ``pre_login``."""
    return _mac("login", pre_login)


def logout_token(key: str | None = None) -> str:
    """The logout form's CSRF token for a session's page key (default: the current Panel
    session's); empty when there is no page key (no logout is possible then)."""
    if key is None:
        import panel as pn

        key = (pn.state.cookies or {}).get(PAGE_COOKIE)
    return _mac("logout", key) if key else ""


def _valid(token: str | None, expected: str) -> bool:
    return bool(token) and bool(expected) and hmac.compare_digest(token.encode(), expected.encode())


def safe_next(target: str | None) -> str:
    """Where to land after login: ``target`` when it is a path of this site ("/problem?id=5"),
    else "/" (no "//host", "/\\\\host", scheme, control character or space, login or logout)."""
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith("//"):
        return "/"
    if any(not 0x21 <= ord(c) <= 0x7E for c in target) or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path in (LOGIN, LOGOUT):
        return "/"
    return target


# ------------------------------------------------------------------ the handlers
class LoginHandler(RequestHandler):
    def _page(self, status: int, username: str = "", error: str = "") -> None:
        pre_login = self.get_cookie(LOGIN_COOKIE)
        if not pre_login or len(pre_login) != 43:
            pre_login = secrets.token_urlsafe(32)
            self.set_cookie(LOGIN_COOKIE, pre_login, path=LOGIN, **cookie_flags(self.request))
        target = safe_next(self.get_argument("next", None))
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.write(PAGE.format(action=LOGIN, field=CSRF_FIELD, csrf=login_token(pre_login), next=html.escape(target),
                               username=html.escape(username), error=html.escape(error)))

    def get(self) -> None:
        self._page(200)

    async def post(self) -> None:
        if not _valid(self.get_body_argument(CSRF_FIELD, None), login_token(self.get_cookie(LOGIN_COOKIE) or "")):
            self._page(403, error=EXPIRED_FORM_ZH)  # before anything is checked or counted
            return
        username = self.get_body_argument("username", "").strip()
        password = self.get_body_argument("password", "")
        try:
            address, _ = client(self.request)
            # argon2 takes tens of milliseconds on purpose: off the event loop, so that one
            # login does not stall every other page of the server
            _, token = await IOLoop.current().run_in_executor(
                None, lambda: accounts.login(username, password, address=address))
        except accounts.TooManyAttempts as exc:
            minutes = accounts.login_params()["throttle_address"]["block_minutes"]
            self.set_header("Retry-After", str(minutes * 60))
            self._page(429, username, message_zh(exc))
            return
        except AuthError:
            self._page(401, username, accounts.BAD_LOGIN_ZH)
            return
        except WorkbenchError:
            self._page(503, username, "系统暂时不可用，请稍后再试")
            return
        flags = cookie_flags(self.request)
        self.set_cookie(COOKIE, token, path="/", **flags)
        self.clear_cookie(LOGIN_COOKIE, path=LOGIN, **flags)
        self.redirect(safe_next(self.get_argument("next", None)))


class LogoutHandler(RequestHandler):
    """POST only, with the logout token of the page's header form (GET is 405)."""

    def post(self) -> None:
        token = self.get_cookie(COOKIE)
        if token:
            if not _valid(self.get_body_argument(CSRF_FIELD, None), logout_token(accounts.page_key(token))):
                self.set_status(403)
                self.write(REFUSED_PAGE.format(error=EXPIRED_FORM_ZH, back="/"))
                return
            accounts.logout(token)
        self.clear_cookie(COOKIE, path="/", **cookie_flags(self.request))
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
                account = accounts.session_account(token)
            except WorkbenchError:
                return None
            # Bokeh builds a new page's token after this check, from the request's cookies
            # (TOKEN_OPTIONS: this one only): the page carries its own session's key, whatever
            # the browser sent as wb_page
            handler.request.cookies[PAGE_COOKIE] = own
            # the page this request builds starts as this account (checked_account), once
            setattr(handler.request, CHECKED, _Checked(account))
            return account.username

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


CHECKED = "wb_checked"  # get_user's account, on the request it checked (no underscore: Bokeh's request proxy)


class _Checked:
    """The account ``get_user`` found for one request (its session checked then, the page key
    bound to it), handed once to the page the request builds."""

    def __init__(self, account: accounts.Account) -> None:
        self._account: accounts.Account | None = account

    def take(self) -> accounts.Account | None:
        account, self._account = self._account, None
        return account


def checked_account() -> accounts.Account:
    """The account a page being built starts as: the one ``get_user`` checked for the request
    building it (a page's GET, or the websocket that rebuilds it in another process), taken once
    so that one page load checks the session once; else (taken already, no such request) the
    session checked now (``current_account``). Every later action checks again."""
    import panel as pn

    doc = pn.state.curdoc
    context = getattr(doc, "session_context", None) if doc is not None else None
    request = getattr(context, "request", None) if context is not None else None
    holder = getattr(request, CHECKED, None) if request is not None else None
    account = holder.take() if isinstance(holder, _Checked) else None
    return account if account is not None else current_account()
