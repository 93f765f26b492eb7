"""The Agent service (js7-reference §6): runs the orders a Controller attaches, watches directories for file
orders, keeps its own journal, and serves the Controller over mutual TLS.

`service.AgentService.start(config.AgentConfig)` starts it; `api` is the HTTP API; `commands`, `turn`, `restart`
and `file_orders` are the pure decisions; `loop` and `filewatch` the I/O around them."""

from __future__ import annotations
