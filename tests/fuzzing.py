"""Shared by the fuzz tests: how hard they try, random JSON, and mutations of real documents.

A fuzz test names its default number of examples, small enough for `make test`; the number it runs is that
default times `STELLWERK_FUZZ_SCALE` (environment, default 1). `make fuzz` sets the scale, so the same tests
run many times harder.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

SCALE_VARIABLE = "STELLWERK_FUZZ_SCALE"


def fuzz_scale() -> int:
    text = os.environ.get(SCALE_VARIABLE, "1")
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{SCALE_VARIABLE} must be a positive whole number, not {text!r}")
    return int(text)


def fuzz_examples(default: int) -> int:
    return default * fuzz_scale()


def fuzzed(default: int) -> settings:
    """Hypothesis settings of a fuzz test that runs `default` examples at scale 1."""
    return settings(
        max_examples=fuzz_examples(default),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


KEYS: st.SearchStrategy[str] = st.text(max_size=6)
SCALARS: st.SearchStrategy[Any] = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
)


def json_values(
    scalars: st.SearchStrategy[Any] = SCALARS, keys: st.SearchStrategy[str] = KEYS
) -> st.SearchStrategy[Any]:
    """JSON-like trees (None, bool, int, float, str, lists, objects) built from these leaves and keys."""
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=40,
    )


def _locations(document: Any) -> list[tuple[Any, ...]]:
    """The path (keys and indexes) of every value in the tree, the root's `()` first."""
    found: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
    while pending:
        node, path = pending.pop()
        found.append(path)
        children = (
            node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        )
        pending.extend((value, (*path, key)) for key, value in children)
    return found


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(document)
    _at(changed, path[:-1])[path[-1]] = value
    return changed


def _removed(document: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return document
    changed = copy.deepcopy(document)
    del _at(changed, path[:-1])[path[-1]]
    return changed


def _inserted(document: Any, path: tuple[Any, ...], key: str, value: Any) -> Any:
    """`value` added to the container at `path` (under `key` in an object, first in an array)."""
    changed = copy.deepcopy(document)
    container = _at(changed, path)
    if isinstance(container, dict):
        container[key] = value
    elif isinstance(container, list):
        container.insert(0, value)
    return changed


def mutations(
    document: Any, values: st.SearchStrategy[Any], keys: st.SearchStrategy[str] = KEYS
) -> st.SearchStrategy[Any]:
    """The document with one change somewhere: a value replaced by a random one, removed, or one added."""
    paths = st.sampled_from(_locations(document))
    return st.one_of(
        st.builds(_replaced, st.just(document), paths, values),
        st.builds(_removed, st.just(document), paths),
        st.builds(_inserted, st.just(document), paths, keys, values),
    )


def mutated_text(text: str, pieces: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """The text with one span (possibly empty) replaced by a piece (possibly empty)."""
    positions = st.integers(min_value=0, max_value=len(text))
    return st.builds(
        lambda start, length, piece: text[:start] + piece + text[start + length :],
        positions,
        st.integers(min_value=0, max_value=4),
        pieces,
    )
