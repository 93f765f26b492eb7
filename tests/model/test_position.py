from __future__ import annotations

from stellwerk.model import position as p


def test_string_form_round_trips() -> None:
    pos = (0, "try+0", 2, "then", 1)
    assert p.to_string(pos) == "0/try+0:2/then:1"
    assert p.from_string("0/try+0:2/then:1") == pos


def test_next_and_parent() -> None:
    assert p.next_position((2, "then", 1)) == (2, "then", 2)
    assert p.parent((2, "then", 1)) == (2,)
    assert p.parent((2,)) is None


def test_movable_between_forbids_fork_and_lock() -> None:
    assert p.movable_between((0, "then", 1), (0, "else", 0))
    assert p.movable_between((0, "try+0", 1), (3,))
    assert not p.movable_between((0, "fork+a", 1), (1,))
    assert not p.movable_between((0,), (0, "lock", 0))
