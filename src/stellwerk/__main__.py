"""`python -m stellwerk` is the `stellwerk` command."""

from __future__ import annotations

from stellwerk.cli import main

main()
