from __future__ import annotations

from stellwerk.runner.output import CHUNK_BYTES, StderrWatch, chunk_cut


def test_chunk_cut_keeps_short_data_whole() -> None:
    assert chunk_cut(b"abc") == 3
    assert chunk_cut(b"x" * CHUNK_BYTES) == CHUNK_BYTES


def test_chunk_cut_prefers_a_newline_in_the_second_half() -> None:
    data = b"x" * 6000 + b"\n" + b"y" * 6000
    assert chunk_cut(data) == 6001


def test_chunk_cut_never_splits_a_character() -> None:
    data = ("ä" * 5000).encode()  # two bytes each, no newline
    cut = chunk_cut(data)
    assert cut <= CHUNK_BYTES
    assert data[:cut].decode() == "ä" * (cut // 2)


def test_stderr_watch_keeps_the_last_non_blank_line_across_pieces() -> None:
    watch = StderrWatch()
    assert not watch.written and watch.last_line is None
    watch.feed("first\nsec")
    watch.feed("ond\r\n\n  \n")
    assert watch.written
    assert watch.last_line == "second"
    watch.feed("unterminated")
    assert watch.last_line == "unterminated"
