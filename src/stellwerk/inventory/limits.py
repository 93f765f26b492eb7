"""Limits on untrusted inventory input, so that a hostile file cannot exhaust memory, stack or time."""

from __future__ import annotations

MAX_INPUT_BYTES = 10 * 1024 * 1024
# JSON/YAML nesting of objects and arrays; deep enough for MAX_INSTRUCTION_DEPTH nested blocks (4 levels each).
MAX_DOCUMENT_DEPTH = 512
# YAML aliases can make a small file expand to a huge tree; this bounds the nodes we look at.
MAX_DOCUMENT_NODES = 1_000_000
MAX_INSTRUCTION_DEPTH = 100
MAX_INSTRUCTIONS = 10_000
MAX_SCRIPT_LENGTH = 1024 * 1024
MAX_NAME_LENGTH = 255
