"""The fuzz tests' scale: their default number of examples times STELLWERK_FUZZ_SCALE."""

from __future__ import annotations

import pytest

from tests.fuzzing import SCALE_VARIABLE, fuzz_examples, fuzzed


def test_without_the_variable_a_fuzz_test_runs_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SCALE_VARIABLE, raising=False)
    assert fuzz_examples(300) == 300


def test_the_scale_multiplies_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCALE_VARIABLE, "20")
    assert fuzz_examples(300) == 6000
    assert fuzzed(300).max_examples == 6000


@pytest.mark.parametrize("scale", ["0", "-1", "many", ""])
def test_a_scale_that_is_not_a_positive_whole_number_is_refused(
    monkeypatch: pytest.MonkeyPatch, scale: str
) -> None:
    monkeypatch.setenv(SCALE_VARIABLE, scale)
    with pytest.raises(ValueError, match=SCALE_VARIABLE):
        fuzz_examples(300)
