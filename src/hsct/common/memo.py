"""Values computed once per object: per catalogue, per criterion.

The catalogue and its criteria are immutable and live as long as the process, so what is
derived from them alone (descriptions, cautions, the parts of the risk summary that do not
depend on a person) is computed once. Keys are the objects themselves, compared by identity
(the cache keeps each key alive, so an ``id`` is never reused for another object). Nothing
derived from a person's answers belongs here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
Owner = TypeVar("Owner")
V = TypeVar("V")


class ByIdentity(Generic[K, V]):
    """``make(key)`` computed once per key object.

    >>> squares = ByIdentity[tuple[int], int](lambda t: t[0] ** 2)
    >>> key = (3,)
    >>> squares(key), squares(key)
    (9, 9)
    """

    def __init__(self, make: Callable[[K], V]) -> None:
        self._make = make
        #: ``id(key) -> (key, value)``: read directly (``entries.get(id(key))``, then check
        #: the key is the same object) where even a call costs too much; written only here.
        self.entries: dict[int, tuple[K, V]] = {}

    def __call__(self, key: K) -> V:
        found = self.entries.get(id(key))
        if found is None or found[0] is not key:
            found = self.entries[id(key)] = (key, self._make(key))
        return found[1]


class ByIdentityPair(Generic[Owner, K, V]):
    """``make(owner, key)`` computed once per pair of objects (say a catalogue and one of
    its facilities), both compared by identity and both kept alive by the cache.

    >>> calls = []
    >>> joined = ByIdentityPair[tuple[str], tuple[str], str](
    ...     lambda a, b: calls.append(1) or a[0] + b[0]
    ... )
    >>> first, second = ("a",), ("b",)
    >>> joined(first, second), joined(first, second), len(calls)
    ('ab', 'ab', 1)
    """

    def __init__(self, make: Callable[[Owner, K], V]) -> None:
        self._make = make
        self._owners: ByIdentity[Owner, dict[int, tuple[K, V]]] = ByIdentity(lambda _owner: {})

    def __call__(self, owner: Owner, key: K) -> V:
        made = self._owners(owner)
        found = made.get(id(key))
        if found is None or found[0] is not key:
            found = made[id(key)] = (key, self._make(owner, key))
        return found[1]
