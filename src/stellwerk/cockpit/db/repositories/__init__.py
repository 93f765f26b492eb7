"""The queries of the Cockpit, one module per area. Each repository works inside one `AsyncSession` (so a caller
puts several calls into one transaction: `async with database.session() as s: ...`) and takes and returns frozen
msgspec structs, never ORM objects. Instants are epoch milliseconds; the clock is always a parameter (`now`)."""

from __future__ import annotations
