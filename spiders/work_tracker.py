"""Track outstanding requests per group, so a crawl mark moves only when a group's work is all stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class WorkTracker:
    """Counts the requests each group still waits for; a group is complete when its count reaches zero."""

    pending: Counter[str] = field(default_factory=Counter)
    owners: dict[str, set[str]] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    broken: set[str] = field(default_factory=set)

    def add(self, key: str, groups: Iterable[str]) -> bool:
        """Make `groups` wait for `key`; True if the key still has to be requested, False if it is known."""
        groups = set(groups)
        if key in self.finished:
            if key in self.failed:
                self.broken.update(groups)
            return False
        fresh = key not in self.owners
        waiting = self.owners.setdefault(key, set())
        for group in groups - waiting:
            self.pending[group] += 1
        waiting.update(groups)
        return fresh

    def groups_of(self, key: str) -> set[str]:
        """The groups waiting for `key`."""
        return set(self.owners.get(key, ()))

    def done(self, key: str, ok: bool = True) -> list[tuple[str, bool]]:
        """Finish `key`; return each group that is now complete with whether it completed without failures."""
        if key in self.finished:
            return []
        self.finished.add(key)
        groups = self.owners.pop(key, set())
        if not ok:
            self.failed.add(key)
            self.broken.update(groups)
        complete = []
        for group in sorted(groups):
            self.pending[group] -= 1
            if self.pending[group] == 0:
                complete.append((group, group not in self.broken))
        return complete
