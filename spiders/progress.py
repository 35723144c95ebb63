"""Track outstanding requests per unit of work, so a high-water mark moves only when a unit is whole."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable


class Progress:
    """Counts open requests per unit; a unit is complete when its count falls back to zero."""

    def __init__(self):
        self.open: Counter[Hashable] = Counter()
        self.failed: set[Hashable] = set()

    def add(self, unit: Hashable, count: int = 1) -> None:
        """Note `count` more requests that belong to `unit`."""
        self.open[unit] += count

    def fail(self, unit: Hashable) -> None:
        """Note that part of `unit` could not be fetched or stored."""
        self.failed.add(unit)

    def done(self, unit: Hashable) -> bool:
        """Close one request of `unit`; True when that was its last and nothing of it failed."""
        self.open[unit] -= 1
        if self.open[unit] > 0:
            return False
        del self.open[unit]
        return unit not in self.failed
