"""The Cockpit: JOC-compatible REST API, inventory, history and the database behind them."""

from __future__ import annotations
