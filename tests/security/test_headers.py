"""security.md "Login (web)": every response (login page, app pages, static files, redirects,
errors) carries the Content-Security-Policy, X-Frame-Options, X-Content-Type-Options and
Referrer-Policy headers; cookies are HttpOnly and SameSite=Strict, and Secure per
``serve.secure_cookies`` (auto: https, or a trusted proxy reporting https; always; never).
Real HTTP against `workbench serve`."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from web_support import PASSWORD, http_login, office_parameters, server_process

from workbench.web.auth import COOKIE, LOGIN_COOKIE

SETUP = f"""
from workbench.office import accounts
accounts.add_user("dh1", "测试", ["district_handler"], "110105", {PASSWORD!r})
"""
HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


def secured(r: httpx.Response) -> None:
    what = f"{r.request.method} {r.request.url.path} -> {r.status_code}"
    for name, value in HEADERS.items():
        assert r.headers.get(name) == value, what
    csp = [d.strip() for d in r.headers.get("content-security-policy", "").split(";")]
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "default-src 'self'"):
        assert directive in csp, (what, csp)
    assert not any(re.search(r"https?:|\*", d) for d in csp), csp  # nothing from elsewhere


def test_every_kind_of_response_carries_the_security_headers(tmp_path: Path) -> None:
    with server_process(tmp_path / "home", SETUP, procs=1) as (base, _):
        with httpx.Client(timeout=120) as c:
            seen = {"login page": c.get(base + "/login"),
                    "redirect": c.get(base + "/problem?id=1"),
                    "404": c.get(base + "/no-such-page"),
                    "websocket refused": c.get(base + "/ws"),  # no session, no upgrade
                    "405": c.get(base + "/logout"),
                    "403": c.post(base + "/login", data={"username": "dh1", "password": PASSWORD}),
                    "401": http_login(c, base, "dh1", "wrong-password")}
            seen["login"] = http_login(c, base, "dh1")
            app = c.get(base + "/")
            seen["app page"] = app
            scripts = re.findall(r'<script[^>]*src="([^"]+)"', app.text)
            assert scripts, app.text[-1000:]
            seen["static script"] = c.get(base + "/" + scripts[0].lstrip("./"))
            seen["favicon"] = c.get(base + "/favicon.ico")
        status = {k: r.status_code for k, r in seen.items()}
        assert status == {"login page": 200, "redirect": 302, "404": 404, "websocket refused": 403, "405": 405,
                          "403": 403, "401": 401,
                          "login": 302, "app page": 200, "static script": 200, "favicon": 200}, status
        assert "javascript" in seen["static script"].headers["content-type"]
        for r in seen.values():
            secured(r)


def set_cookies(r: httpx.Response) -> dict[str, set[str]]:
    """The cookies a response sets, each with its attributes (lower case)."""
    out = {}
    for line in r.headers.get_list("set-cookie"):
        name, _, rest = line.partition("=")
        out[name] = {a.strip().lower() for a in rest.split(";")[1:]}
    return out


def login_cookies(base: str, source: str = "127.0.0.1", proto: str | None = None) -> dict[str, set[str]]:
    """The cookies of the login page and of a login, from ``source`` (X-Forwarded-Proto
    ``proto``), as a browser would send them back (Secure ones included: the test knows)."""
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, headers=headers, timeout=120) as c:
        form = c.get(base + "/login")
        token = re.search(r'name="csrf" value="([^"]*)"', form.text).group(1)
        pre = re.search(rf"{LOGIN_COOKIE}=([^;]+)", form.headers["set-cookie"]).group(1)
        r = c.post(base + "/login", data={"username": "dh1", "password": PASSWORD, "csrf": token},
                   headers={"Cookie": f"{LOGIN_COOKIE}={pre}"})
        assert r.status_code == 302, r.text[-300:]
    got = {**set_cookies(form), **{k: v for k, v in set_cookies(r).items() if k == COOKIE}}
    assert set(got) == {LOGIN_COOKIE, COOKIE}
    for name, attributes in got.items():
        assert {"httponly", "samesite=strict"} <= attributes, (name, attributes)
    return got


def secure(cookies: dict[str, set[str]]) -> set[bool]:
    return {"secure" in a for a in cookies.values()}


@pytest.mark.parametrize("mode", ["auto", "always", "never"])
def test_cookies_are_secure_per_the_parameter_and_a_trusted_proxy(tmp_path: Path, mode: str) -> None:
    params = office_parameters(tmp_path, "serve", secure_cookies=mode, trusted_proxies=["127.0.0.2"])
    with server_process(tmp_path / "home", SETUP, params, procs=1) as (base, _):
        plain = secure(login_cookies(base))
        untrusted = secure(login_cookies(base, "127.0.0.1", "https"))  # no proxy of ours
        proxied = secure(login_cookies(base, "127.0.0.2", "https"))
        proxied_http = secure(login_cookies(base, "127.0.0.2", "http"))
    expected = {"auto": ({False}, {False}, {True}, {False}), "always": ({True},) * 4, "never": ({False},) * 4}
    assert (plain, untrusted, proxied, proxied_http) == expected[mode]


def test_a_server_error_carries_them_too() -> None:
    """A handler that fails (500, Tornado's error page) gets the headers from the same transform
    as every response of `workbench serve` (tornado.web.Application transforms)."""
    import asyncio

    from tornado.httpserver import HTTPServer
    from tornado.netutil import bind_sockets
    from tornado.web import Application, RequestHandler

    from workbench.web.auth import SecurityHeaders

    class Failing(RequestHandler):
        def get(self) -> None:
            raise RuntimeError("a bug")

    async def run() -> httpx.Response:
        sockets = bind_sockets(0, "127.0.0.1")
        server = HTTPServer(Application([("/", Failing)], transforms=[SecurityHeaders]))
        server.add_sockets(sockets)
        try:
            async with httpx.AsyncClient() as c:
                return await c.get(f"http://127.0.0.1:{sockets[0].getsockname()[1]}/")
        finally:
            server.stop()

    r = asyncio.run(run())
    assert r.status_code == 500 and "a bug" not in r.text
    secured(r)
