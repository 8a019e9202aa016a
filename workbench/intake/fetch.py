"""Getting a delivery: from a local folder, or from the FTP drop.

An FTP delivery is downloaded into ``WORKBENCH_HOME/deliveries/<P>/`` (the kept copy of
what was received) before anything is read. The folder is created only once the server let
us in, and a failed fetch (an unreachable server, a refused login, a missing manifest, a
broken transfer) removes the folders it created: nothing is left behind. Credentials come from the URL, else a netrc
file (``NETRC`` or ``~/.netrc``), else ``WORKBENCH_FTP_USER`` / ``WORKBENCH_FTP_PASSWORD``;
messages name the server and user, never the password.

A folder landing's symbolic links are not followed outside it: a period folder or
manifest that leads out refuses the delivery, a delivered file that does refuses that
file (``OUTSIDE_LANDING``).
"""

from __future__ import annotations

import contextlib
import ftplib
import netrc
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from workbench.config import settings
from workbench.contract import MANIFEST_NAME
from workbench.errors import DeliveryError, DeliveryRefused, FileRefused, UsageError
from workbench.intake import manifest

FTP_TIMEOUT = 30.0


@dataclass
class Delivery:
    """A delivery available on local disk: its folder and manifest entries."""

    period: str
    folder: Path
    source: str  # where it came from, without credentials
    entries: list[manifest.Entry]
    missing: set[str] = field(default_factory=set)  # listed files the server did not have
    root: Path | None = None  # the landing folder no file may lead out of (default: folder)

    def file_path(self, entry: manifest.Entry) -> Path:
        """The real path of ``entry``'s file, or FileRefused when a symbolic link leads
        outside the landing folder."""
        root = (self.root or self.folder).resolve()
        real = (self.folder / entry.file).resolve()
        if not real.is_relative_to(root):
            raise FileRefused(entry.file, f"OUTSIDE_LANDING: a symbolic link to {real}, outside the "
                              f"landing folder {root}; not followed", entry.table)
        return real


def open_delivery(landing: str, period: str) -> Delivery:
    """Fetch (if remote) and read the manifest of the delivery for ``period``."""
    if landing.startswith("ftp://"):
        return _from_ftp(landing, period)
    if "://" in landing:
        raise UsageError(f"landing {landing!r}: expected a folder or an ftp:// URL")
    root = Path(landing)
    if not root.is_dir():
        raise UsageError(f"landing folder {landing} does not exist")
    folder = root / period
    if not folder.is_dir():
        known = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.isdigit())
        raise UsageError(
            f"no delivery for period {period} in {landing}"
            + (f" (periods present: {', '.join(known[-6:])})" if known else "")
        )
    real_root = root.resolve()
    path = folder / MANIFEST_NAME
    for inside in (folder, path):
        if inside.exists() and not inside.resolve().is_relative_to(real_root):
            raise DeliveryRefused(f"{inside}: OUTSIDE_LANDING: a symbolic link to {inside.resolve()}, "
                                  f"outside the landing folder {real_root}; the delivery is refused")
    if not path.is_file():
        raise DeliveryRefused(f"{path}: manifest missing; the delivery is refused")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeliveryRefused(f"{path}: manifest unreadable ({exc.strerror or exc}); "
                              "the delivery is refused") from None
    return Delivery(period, folder, str(folder), manifest.parse(data, str(path)), root=real_root)


@dataclass(frozen=True)
class FtpTarget:
    host: str
    port: int
    user: str
    password: str
    path: str

    @property
    def display(self) -> str:
        return f"ftp://{self.user}@{self.host}:{self.port}{self.path}"


def ftp_target(url: str) -> FtpTarget:
    """Split an FTP URL and find its credentials (URL, netrc, environment)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise UsageError("FTP URL has no host: expected ftp://user:pass@host[:port]/path")
    try:
        port = parts.port or 21
    except ValueError:
        raise UsageError("FTP URL has an invalid port") from None
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if user is None or password is None:
        try:
            auth = netrc.netrc(os.environ.get("NETRC")).authenticators(parts.hostname)
        except (FileNotFoundError, netrc.NetrcParseError):
            auth = None
        if auth and (user is None or auth[0] == user):
            user, password = auth[0], auth[2]
    user = user or os.environ.get("WORKBENCH_FTP_USER") or "anonymous"
    if password is None:
        password = os.environ.get("WORKBENCH_FTP_PASSWORD", "")
    return FtpTarget(parts.hostname, port, user, password, parts.path.rstrip("/") or "/")


def _missing_folders(path: Path) -> list[Path]:
    """``path`` and those of its parents that do not exist yet, deepest first."""
    out = []
    while not path.exists() and path != path.parent:
        out.append(path)
        path = path.parent
    return out


def _from_ftp(url: str, period: str) -> Delivery:
    target = ftp_target(url)
    dest = settings().deliveries / period
    created = _missing_folders(dest)  # what a failure removes again
    ftp = ftplib.FTP(timeout=FTP_TIMEOUT)
    try:
        try:
            ftp.connect(target.host, target.port)
        except (TimeoutError, OSError) as exc:
            raise DeliveryError(
                f"cannot reach FTP server {target.host}:{target.port}: {exc.strerror or exc}"
            ) from None
        try:
            ftp.login(target.user, target.password)
        except ftplib.error_perm as exc:
            raise DeliveryError(
                f"FTP server {target.host}:{target.port} refused login for user "
                f"{target.user!r}: {str(exc).strip()}"
            ) from None
        remote = f"{target.path.rstrip('/')}/{period}"
        dest.mkdir(parents=True, exist_ok=True)
        manifest_path = dest / MANIFEST_NAME
        if not _download(ftp, f"{remote}/{MANIFEST_NAME}", manifest_path):
            raise DeliveryRefused(f"{target.display}/{period}/{MANIFEST_NAME}: manifest missing; "
                                  "the delivery is refused")
        entries = manifest.parse(manifest_path.read_bytes(), f"{target.display}/{period}/{MANIFEST_NAME}")
        missing = set()
        for entry in entries:
            if entry.problem is None and not _download(ftp, f"{remote}/{entry.file}", dest / entry.file):
                missing.add(entry.file)
    except BaseException as exc:
        for folder in created:  # deepest first: the period folder, then parents made for it
            if folder == dest:
                shutil.rmtree(folder, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only if still empty
        if isinstance(exc, ftplib.all_errors) and not isinstance(exc, DeliveryError):
            raise DeliveryError(f"FTP transfer from {target.display} failed: {str(exc).strip()}") from None
        raise
    finally:
        try:
            ftp.quit()
        except (*ftplib.all_errors, AttributeError):
            ftp.close()
    return Delivery(period, dest, f"{target.display}/{period}", entries, missing)


def _download(ftp: ftplib.FTP, remote: str, local: Path) -> bool:
    """Download one file; False when the server says it does not exist."""
    part = local.with_name(local.name + ".part")
    try:
        with part.open("wb") as f:
            ftp.retrbinary(f"RETR {remote}", f.write)
    except BaseException as exc:
        part.unlink(missing_ok=True)
        if isinstance(exc, ftplib.error_perm) and str(exc).startswith("550"):
            local.unlink(missing_ok=True)
            return False
        raise
    part.replace(local)
    return True
