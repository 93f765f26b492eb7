"""Tests of stellwerk.inventory."""

from __future__ import annotations
