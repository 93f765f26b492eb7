"""`/joc/api/joc/cluster/...`, `/joc/api/joc/is_active`, `/joc/api/joc/log(s)`: the Cockpit cluster as JOC
offers it — switching the services to another member, restarting a service of the active member, running one
now, forgetting a member that is gone — and the Cockpit's log files.

`run` of `dailyplan` plans and submits as the daily run does; `run` of `cleanup` purges now; `run` of `cluster`
runs the restart service (sending each Controller the deployed items it lacks). `restart` of `cluster` restarts every service. Both need
the active member (a standby answers JOC-420 naming it)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from pydantic import Field

from stellwerk.cockpit.api.models import Audited, JocModel
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.errors import BadRequest, JocError, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import CallerDep
from stellwerk.cockpit.services.audit import audit
from stellwerk.cockpit.services.cluster import lease
from stellwerk.cockpit.services.cluster.roles import CockpitRoles
from stellwerk.cockpit.services.cluster.service import ClusterService
from stellwerk.cockpit.services.restart import synchronize_controllers

MANAGE = "sos:products:joc:cluster:manage"
GET_LOG = "sos:products:joc:getLog"
# A member may be deleted only when its last heartbeat is older than this (JOC: 1 minute).
GONE_MS = 60_000
LOG_FILE = "joc.log"

router = APIRouter(prefix="/joc/api/joc", tags=["joc cluster"])

ServiceType = Literal["cluster", "history", "dailyplan", "cleanup", "monitor", "lognotification"]


class SwitchMember(Audited):
    member_id: str = Field(min_length=1, max_length=255)


class ServiceRequest(Audited):
    type: ServiceType


class LogFilename(JocModel):
    filename: str | None = Field(default=None, max_length=255)


def _cluster(request: Request) -> ClusterService:
    cluster: ClusterService = request.app.state.cluster
    return cluster


def _roles(request: Request) -> CockpitRoles:
    roles: CockpitRoles = request.app.state.roles
    return roles


async def _require_active(cockpit: Cockpit, cluster: ClusterService) -> None:
    if not cluster.active:
        holder = await lease.holder(cockpit.database)
        raise JocError(
            f"This Cockpit ({cluster.member_id}) is a standby; the active one is {holder or 'none'}"
        )


def _answer(service: str, state: str) -> dict[str, Any]:
    return {"deliveryDate": delivery_date(), "type": service, "state": state}


@router.post("/cluster/switch_member")
async def switch_member(
    body: SwitchMember, request: Request, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Asks the active member to hand the services to the member (it does at its next heartbeat)."""
    caller.require(MANAGE)
    now = cockpit.now()
    current = await lease.current(cockpit.database)
    if current is not None and current.holder == body.member_id:
        return _answer("cluster", "ALREADY_RUNNING")
    if not await lease.ask_switch(cockpit.database, body.member_id, now):
        raise UnknownObject(f"$.memberId: {body.member_id} is not a member of the Cockpit cluster")
    async with cockpit.database.session() as db:
        await audit(db, caller, "./joc/cluster/switch_member", AuditCategory.OTHERS, body, now)
    _cluster(request).wake()
    return _answer("cluster", "SWITCH_MEMBER")


@router.post("/cluster/delete_member")
async def delete_member(
    body: SwitchMember, request: Request, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Forgets a member that is not active and has not heartbeated for a minute."""
    caller.require(MANAGE)
    now = cockpit.now()
    found, current = await lease.members(cockpit.database)
    member = next((m for m in found if m.member_id == body.member_id), None)
    if member is None:
        raise UnknownObject(f"$.memberId: {body.member_id} is not a member of the Cockpit cluster")
    if (current is not None and current.holder == member.member_id) or now - member.heartbeat < GONE_MS:
        raise JocError(f"{body.member_id} is active or heartbeated within the last minute")
    await lease.forget(cockpit.database, body.member_id)
    async with cockpit.database.session() as db:
        await audit(db, caller, "./joc/cluster/delete_member", AuditCategory.OTHERS, body, now)
    return {"deliveryDate": delivery_date(), "ok": True}


@router.post("/cluster/restart")
async def restart(
    body: ServiceRequest, request: Request, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Restarts a service of the active member (`cluster`: all of them)."""
    caller.require(MANAGE)
    if body.type not in ("cluster", "history", "dailyplan", "cleanup", "monitor"):
        raise BadRequest(f"$.type: the {body.type} service cannot be restarted alone")
    await _require_active(cockpit, _cluster(request))
    await _roles(request).restart(body.type)
    async with cockpit.database.session() as db:
        await audit(db, caller, "./joc/cluster/restart", AuditCategory.OTHERS, body, cockpit.now())
    return _answer(body.type, "RESTARTED")


@router.post("/cluster/run")
async def run(
    body: ServiceRequest, request: Request, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Runs the Daily Plan (`dailyplan`), Cleanup (`cleanup`) or the restart service (`cluster`) now, on the
    active member."""
    caller.require(MANAGE)
    if body.type not in ("cluster", "dailyplan", "cleanup"):
        raise BadRequest(f"$.type: the {body.type} service cannot be run on demand")
    await _require_active(cockpit, _cluster(request))
    roles = _roles(request)
    if body.type == "dailyplan":
        if roles.daily_plan is None:
            raise JocError("The Daily Plan service is not running")
        await roles.daily_plan.run_once()
    elif body.type == "cleanup":
        if roles.cleanup is None:
            raise JocError("The Cleanup service is not running")
        await roles.cleanup.run_now()
    else:
        await synchronize_controllers(cockpit)
    async with cockpit.database.session() as db:
        await audit(db, caller, "./joc/cluster/run", AuditCategory.OTHERS, body, cockpit.now())
    return _answer(body.type, "COMPLETED")


class CockpitUrl(Audited):
    """jocUri-schema: the URL a member of the Cockpit cluster is reached at (default: this member)."""

    instance_id: str | None = Field(default=None, max_length=255)
    url: str = Field(min_length=1, max_length=255, pattern=r"^https?://[^\s/]+(/\S*)?$")


@router.post("/url")
async def set_url(
    body: CockpitUrl, request: Request, cockpit: CockpitDep, caller: CallerDep
) -> dict[str, Any]:
    """Sets the URL a member is reached at; it keeps it from its next heartbeat on, also after a restart."""
    caller.require(MANAGE)
    cluster = _cluster(request)
    member = body.instance_id or cluster.member_id
    found, _ = await lease.members(cockpit.database)
    if member != cluster.member_id and all(m.member_id != member for m in found):
        raise UnknownObject(f"$.instanceId: {member} is not a member of the Cockpit cluster")
    now = cockpit.now()
    async with cockpit.database.session() as db:
        await lease.set_url(db, member, body.url, now)
        await audit(db, caller, "./joc/url", AuditCategory.OTHERS, body, now)
    cluster.wake()
    return {"deliveryDate": delivery_date(), "ok": True}


@router.post("/is_active")
async def is_active(request: Request, caller: CallerDep) -> dict[str, Any]:
    """Whether this Cockpit is the active member (runs the services)."""
    return {"deliveryDate": delivery_date(), "ok": _cluster(request).active}


def log_directory(cockpit: Cockpit) -> Path:
    return cockpit.config.data_directory / "logs"


_LOG_NAME = re.compile(r"^joc[\w.-]*\.log(\.\d+)?$")


@router.post("/logs")
async def logs(cockpit: CockpitDep, caller: CallerDep) -> dict[str, Any]:
    """The names of the Cockpit's log files (the current one and the rotated ones)."""
    caller.require(GET_LOG)
    folder = log_directory(cockpit)
    names = sorted(p.name for p in folder.iterdir() if _LOG_NAME.match(p.name)) if folder.is_dir() else []
    return {"deliveryDate": delivery_date(), "filenames": names}


@router.post("/log", response_class=PlainTextResponse)
async def log(cockpit: CockpitDep, caller: CallerDep, body: LogFilename | None = None) -> PlainTextResponse:
    """One of the Cockpit's log files (default the current one), as plain text for download."""
    caller.require(GET_LOG)
    name = (body.filename if body is not None else None) or LOG_FILE
    if not _LOG_NAME.match(name):
        raise BadRequest(f"$.filename: {name} is not a log file of the Cockpit")
    path = log_directory(cockpit) / name
    if not path.is_file():
        raise UnknownObject(f"$.filename: {name} does not exist")
    return PlainTextResponse(
        path.read_text(errors="replace"), headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
