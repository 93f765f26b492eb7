"""The cycle branch id: JS7's format, omitted zero parts, and parsing back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stellwerk.calendar.cycle_branch import cycle_branch_id, parse_cycle_branch_id
from stellwerk.model.admission import CycleState
from stellwerk.model.problems import Problem

E10_FIRST = CycleState(end=1714600800000, scheme_index=0, period_index=0, index=1, next=1714546800000)


def test_e10_branch_id() -> None:
    assert cycle_branch_id(E10_FIRST) == "cycle+end=1714600800000,i=1,next=1714546800000"


def test_nonzero_scheme_and_period_are_written_and_immediate_next_is_omitted() -> None:
    state = CycleState(end=1714600800000, scheme_index=1, period_index=2, index=3, next=0)
    assert cycle_branch_id(state) == "cycle+end=1714600800000,scheme=1,period=2,i=3"


def test_parse() -> None:
    assert parse_cycle_branch_id("cycle+end=1714600800000,i=1,next=1714546800000") == E10_FIRST
    assert parse_cycle_branch_id("cycle") == CycleState(
        end=0, scheme_index=0, period_index=0, index=0, next=0
    )
    assert parse_cycle_branch_id("cycle+next=5,end=7") == CycleState(
        end=7, scheme_index=0, period_index=0, index=0, next=5
    )


@pytest.mark.parametrize(
    "text",
    ["then", "cycle+", "cycle+end=x", "cycle+end=1,foo=2", "cycle+end", "cycle+end=1,,i=2", "cycle+i=١"],
)
def test_parse_rejects_other_text(text: str) -> None:
    assert parse_cycle_branch_id(text) == Problem(f"Expected a Cycle BranchId but got: {text}")


@given(
    st.builds(
        CycleState,
        end=st.integers(0, 2**53),
        scheme_index=st.integers(0, 10),
        period_index=st.integers(0, 10),
        index=st.integers(0, 10_000),
        next=st.integers(0, 2**53),
    )
)
def test_round_trip(state: CycleState) -> None:
    assert parse_cycle_branch_id(cycle_branch_id(state)) == state
