"""One writer at a time: an exclusive advisory lock beside the database, released when the process dies."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LockHeld(RuntimeError):
    """Another process holds the update lock of this database."""


def lock_path(db_path: str | Path) -> Path:
    """The lock file that guards `db_path`: `<name>.lock` beside it."""
    path = Path(db_path)
    return path.with_name(path.name + ".lock")


class DatabaseLock:
    """An exclusive, non-blocking flock on `<db>.lock`; the holder's pid is written into the file."""

    def __init__(self, db_path: str | Path):
        self.path = lock_path(db_path)
        self.handle = None

    def acquire(self) -> DatabaseLock:
        """Take the lock or raise LockHeld naming the holder's pid."""
        handle = open(self.path, "a+")  # noqa: SIM115 - kept open for as long as the lock is held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise LockHeld(f"another update is running on {self.path.with_suffix('')} "
                           f"(pid {holder}, lock {self.path}); try again when it finishes") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self.handle = handle
        return self

    def release(self) -> None:
        """Drop the lock (the file stays; an unlocked file means no holder)."""
        if self.handle is not None:
            self.handle.seek(0)
            self.handle.truncate()
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None

    def __enter__(self) -> DatabaseLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
