"""Pure data: the JS7 engine's items, orders, events and commands as frozen msgspec structs."""

from __future__ import annotations
