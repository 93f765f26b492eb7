"""Problems are values: the core returns them instead of raising."""

from __future__ import annotations

import msgspec


class Problem(msgspec.Struct, frozen=True):
    """A failure that the caller can show: a message and, where known, where it happened."""

    message: str

    def __str__(self) -> str:
        return self.message

    def prefixed(self, where: str) -> Problem:
        return Problem(f"{where}: {self.message}")


def problem(message: str) -> Problem:
    return Problem(message)
