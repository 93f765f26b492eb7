"""`GET /health/live` and `GET /health/ready` of a Cockpit member, for a load balancer or systemd (not part of the
JOC API, no login): live while the process answers; ready while its database answers within two seconds. The
answer says whether this member is the active one of the Cockpit cluster (which runs the services); every
member serves the API and the UI."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from stellwerk.cockpit.context import Cockpit, CockpitDep

router = APIRouter(tags=["health"])
DATABASE_TIMEOUT = 2.0


@router.get("/health/live", include_in_schema=False)
async def live() -> dict[str, Any]:
    return {"TYPE": "Alive"}


@router.get("/health/ready", include_in_schema=False)
async def ready(request: Request, cockpit: CockpitDep) -> JSONResponse:
    active = bool(getattr(getattr(request.app.state, "cluster", None), "active", False))
    try:
        await asyncio.wait_for(_database_answers(cockpit), DATABASE_TIMEOUT)
    except Exception as error:  # any failure of the database means: not ready
        problem = f"The database does not answer: {error!r}"
        return JSONResponse({"TYPE": "NotReady", "message": problem, "active": active}, status_code=503)
    return JSONResponse({"TYPE": "Ready", "active": active})


async def _database_answers(cockpit: Cockpit) -> None:
    async with cockpit.database.reading() as db:
        await db.execute(text("SELECT 1"))
