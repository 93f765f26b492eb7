"""`/joc/api/joc`: the Cockpit's own facts (version)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stellwerk import __version__
from stellwerk.cockpit.security.guard import CallerDep

# The JOC API level whose requests and answers Stellwerk serves; the JOC client needs at least 2.6.5.
JOC_API_VERSION = "2.8.2"

router = APIRouter(prefix="/joc/api/joc", tags=["joc"])


@router.post("/version")
async def version(caller: CallerDep) -> dict[str, Any]:
    """The JOC API version served (with Stellwerk's own version as `gitHash`)."""
    return {"version": JOC_API_VERSION, "gitHash": f"stellwerk-{__version__}", "date": None}
