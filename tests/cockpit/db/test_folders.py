"""Inventory path helpers."""

from __future__ import annotations

from stellwerk.cockpit.db.repositories.folders import ancestors, folder_of, join, moved, name_of


def test_paths() -> None:
    assert (folder_of("/a/b/c"), folder_of("/c"), name_of("/a/b/c")) == ("/a/b", "/", "c")
    assert ancestors("/a/b/c") == ["/a", "/a/b"] and ancestors("/c") == []
    assert (join("/", "x"), join("/a", "x")) == ("/x", "/a/x")
    assert (moved("/a/b/c", "/a", "/z"), moved("/a", "/a", "/z"), moved("/ab", "/a", "/z")) == (
        "/z/b/c",
        "/z",
        "/zb",
    )
