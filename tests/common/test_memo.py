"""Values made once per object, or per pair of objects, compared by identity."""

from __future__ import annotations

from hsct.common.memo import ByIdentity, ByIdentityPair


def test_by_identity_makes_a_value_once_per_key_object_not_per_equal_key() -> None:
    made: list[list[int]] = []

    def length(key: list[int]) -> int:
        made.append(key)
        return len(key)

    lengths = ByIdentity[list[int], int](length)
    first, equal = [1, 2], [1, 2]
    assert first == equal
    assert first is not equal
    assert [lengths(first), lengths(first), lengths(equal)] == [2, 2, 2]
    assert made == [first, equal]


def test_by_identity_pair_makes_a_value_once_per_owner_and_key() -> None:
    made: list[tuple[str, str]] = []

    def join(owner: list[str], key: list[str]) -> str:
        made.append((owner[0], key[0]))
        return owner[0] + key[0]

    joined = ByIdentityPair[list[str], list[str], str](join)
    catalogue, other_catalogue = ["c"], ["c"]  # equal, not the same object
    facility, other_facility = ["f"], ["g"]
    assert joined(catalogue, facility) == "cf"
    assert joined(catalogue, facility) == "cf"
    assert joined(catalogue, other_facility) == "cg"
    assert joined(other_catalogue, facility) == "cf"
    assert made == [("c", "f"), ("c", "g"), ("c", "f")]  # the last for the other owner
