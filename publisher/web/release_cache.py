"""Values computed once per release of the store (indexes, figures), rebuilt when a build publishes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from publisher.store import Store

T = TypeVar("T")


class PerRelease(Generic[T]):
    """A value derived from the store's current release, computed on first use after each release."""

    def __init__(self, compute: Callable[[Store], T]) -> None:
        self._compute = compute
        self._lock = threading.Lock()
        self._held: dict[int, tuple[str, T]] = {}

    def get(self, store: Store) -> T:
        version = store.version
        held = self._held.get(id(store))
        if held is not None and held[0] == version:
            return held[1]
        with self._lock:
            held = self._held.get(id(store))
            if held is None or held[0] != version:
                held = (version, self._compute(store))
                self._held[id(store)] = held
            return held[1]
