"""Fixtures for the runner's tests: real processes, their output recorded."""

from __future__ import annotations

import os

import pytest


class OutputRecorder:
    """An on_output callback that keeps every chunk."""

    def __init__(self) -> None:
        self.chunks: list[tuple[str, str]] = []

    def __call__(self, stream: str, text: str) -> None:
        self.chunks.append((stream, text))

    def text(self, stream: str) -> str:
        return "".join(text for s, text in self.chunks if s == stream)


@pytest.fixture
def output() -> OutputRecorder:
    return OutputRecorder()


@pytest.fixture
def env() -> dict[str, str]:
    return dict(os.environ)
