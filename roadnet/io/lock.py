"""One writer at a time: an exclusive lock on a file shared by several processes.

Two ``roadnet patrol import`` runs started together must not both create the ledger (the
last rename would win and the other's points would be lost) nor both register one file.
:func:`exclusive_lock` holds an operating-system lock (``fcntl.flock`` on POSIX,
``msvcrt.locking`` on Windows) on a hidden sidecar file ``.<name>.lock`` beside the target:
the second process waits until the first is done. The system releases the lock when its
holder ends, even when it is killed, so a crashed run never leaves the target locked.

While the lock is held no other cooperating writer is running, so the temporary files that
:func:`roadnet.io.atomic.atomic_path` names ``.<stem>.<random>.tmp<suffix>`` beside the
target can only be the remains of a run that was killed: :func:`remove_stale_temporaries`
deletes them.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from roadnet.errors import ReadError

_POLL_S = 0.05


def lock_path(target: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of ``target``: ``.<name>.lock`` in the same folder."""
    target = Path(target)
    return target.with_name(f".{target.name}.lock")


@contextlib.contextmanager
def exclusive_lock(target: str | os.PathLike[str], *, timeout_s: float = 600.0) -> Iterator[None]:
    """Hold the exclusive lock of ``target`` (waiting up to ``timeout_s`` seconds for it).

    The lock file is removed when the lock is released (a waiter that locked the removed
    file notices and takes the new one), so nothing stays beside the target.

    Parameters
    ----------
    target
        The file to protect (it need not exist yet; its folder is created).
    timeout_s
        How long to wait for another process holding the lock, in seconds.

    Raises
    ------
    ReadError
        The lock could not be had in time, or the lock file cannot be created.
    """
    target = Path(target)
    path = lock_path(target)
    deadline = time.monotonic() + timeout_s
    fd = _acquire(target, path, deadline, timeout_s)
    try:
        _write_pid(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still locked: a waiter then sees a removed file and retries
        _unlock(fd)
        os.close(fd)


def _acquire(target: Path, path: Path, deadline: float, timeout_s: float) -> int:
    """A descriptor of the lock file at ``path``, locked; the file is the one at ``path``."""
    while True:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise ReadError(
                f"{target}: cannot create the lock file {path.name} beside it "
                f"({exc.strerror}); check that the folder is writable"
            ) from exc
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = _holder(fd)
                os.close(fd)
                raise ReadError(
                    f"{target}: another import{holder} has been writing this ledger for more "
                    f"than {timeout_s:.0f} s; let it finish (or end it) and import again. "
                    "Nothing was changed"
                )
            time.sleep(_POLL_S)
        if _same_file(fd, path):
            return fd
        _unlock(fd)  # the holder removed this file when it finished: lock the new one
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        mine, current = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (current.st_dev, current.st_ino)


def remove_stale_temporaries(target: str | os.PathLike[str]) -> list[tuple[Path, int]]:
    """Delete the temporary files a killed atomic write of ``target`` left behind.

    Call it only while holding :func:`exclusive_lock` of ``target``: then no running writer
    owns such a file.

    Returns
    -------
    list of (Path, int)
        The files removed and their sizes in bytes.
    """
    target = Path(target)
    removed: list[tuple[Path, int]] = []
    if not target.parent.is_dir():
        return removed
    for path in sorted(target.parent.glob(f".{target.stem}.*.tmp{target.suffix}*")):
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            continue
        removed.append((path, size))
    return removed


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _write_pid(fd: int) -> None:
        return None  # the locked byte cannot be rewritten on Windows: the lock is enough

    def _holder(fd: int) -> str:
        return ""

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _write_pid(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)

    def _holder(fd: int) -> str:
        try:
            text = os.pread(fd, 32, 0).decode("ascii", errors="ignore").strip()
        except OSError:
            return ""
        return f" (process {text})" if text.isdigit() else ""
