"""Private temporary folders of intake runs (security.md, "Intake under hostile files").

Decoded copies and the cleaning engine's spill files hold personal data. Each run works in
a folder ``WORKBENCH_HOME/tmp/intake-<P>-*`` of mode 0700 (its files 0600) that is removed
when the run ends, on an error, Ctrl-C or SIGTERM alike. A run killed outright (``kill
-9``, a power cut) cannot clean up: the next run removes what it left behind. A run holds
an exclusive ``flock`` on ``<folder>/.lock`` while it lives, and the kernel releases it
when the process dies however it dies; so a folder whose lock can be taken, or that has no
lock file, belongs to no live run. Folders are created and swept under one short lock of
the whole ``tmp`` folder, so a sweep never sees a live folder before its lock is held.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

PREFIX = "intake-"
LOCK = ".lock"
SWEEP_LOCK = ".intake.lock"


@contextlib.contextmanager
def private_workdir(tmp_root: Path, period: str) -> Iterator[Path]:
    """A fresh private folder for one run under ``tmp_root``, removed on exit; first
    removes the folders that killed runs left behind."""
    tmp_root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(tmp_root / SWEEP_LOCK):
        sweep(tmp_root)
        path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{period}-", dir=tmp_root))  # mode 0700
        fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        with _sigterm_exits():
            yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)


def sweep(tmp_root: Path) -> list[Path]:
    """Remove the intake folders of ``tmp_root`` that no live run holds; return them."""
    removed = []
    for path in sorted(tmp_root.glob(f"{PREFIX}*")):
        if path.is_symlink() or not path.is_dir():
            continue
        try:
            fd = os.open(path / LOCK, os.O_RDWR | os.O_NOFOLLOW)
        except FileNotFoundError:
            fd = None  # created under the sweep lock with its lock file: no lock, no run
        except OSError:
            continue
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live run's folder
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            if fd is not None:
                os.close(fd)
    return removed


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _sigterm_exits() -> Iterator[None]:
    """While inside, SIGTERM ends the process through SystemExit (so ``finally`` blocks run)
    instead of killing it, when this is the main thread and SIGTERM has its default action."""
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
