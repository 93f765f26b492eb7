"""The durable event journal (the shell): segment files of JSON lines, group commit with fdatasync, recovery,
rollover with snapshots, and `JournaledState`, the only writer of the live engine state.

`format.py` is pure (bytes in, values out); everything else does file I/O and runs on asyncio.
"""

from __future__ import annotations
