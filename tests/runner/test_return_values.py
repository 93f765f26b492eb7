from __future__ import annotations

from decimal import Decimal

import pytest

from stellwerk.runner.return_values import format_return_values, parse_return_values


def test_parse_ignores_malformed_lines_and_keeps_equal_signs_in_values() -> None:
    text = "a=1\nmalformed\n=no name\nb=x=y\r\nempty=\na=2\n"
    assert parse_return_values(text) == {"a": "2", "b": "x=y", "empty": ""}


def test_format_writes_numbers_and_booleans_as_text() -> None:
    text = format_return_values({"s": "x=y", "n": 3, "d": Decimal("1.50"), "t": True, "l": [1, "a"]})
    assert text == 's=x=y\nn=3\nd=1.50\nt=true\nl=[1,"a"]\n'
    assert parse_return_values(text)["d"] == "1.50"


@pytest.mark.parametrize("values", [{"a": "two\nlines"}, {"a=b": "x"}, {"": "x"}])
def test_format_refuses_what_does_not_fit_one_line(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="one NAME=VALUE line"):
        format_return_values(values)
