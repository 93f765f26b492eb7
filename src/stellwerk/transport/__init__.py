"""HTTP plumbing shared by the Controller and Agent: mutual TLS, the uvicorn server, the aiohttp client."""

from __future__ import annotations
