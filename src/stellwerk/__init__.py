"""Stellwerk: workload automation on JS7's architecture."""

from __future__ import annotations

__version__ = "0.1.0"
