"""`/joc/api/audit_log` and `/audit_log/details`: the audit log with JOC's filters, newest first. An account
limited to folders sees the entries that touched an object in its folders (and the entries that touched no
object), and of an entry's objects only those in its folders."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter
from pydantic import Field

from stellwerk.cockpit.api.iam_models import DateFromTo, FolderBody, OptionalName
from stellwerk.cockpit.api.models import JocModel
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditObject, AuditRecord, AuditRepository
from stellwerk.cockpit.db.repositories.folders import FolderFilter, name_of
from stellwerk.cockpit.errors import BadRequest, UnknownObject, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep

# JOC clients may send their JSON bodies without a Content-Type header.
router = APIRouter(prefix="/joc/api/audit_log", tags=["audit log"], strict_content_type=False)

VIEW = "sos:products:joc:auditLog:view"
ObjectType = Annotated[
    str,
    Field(
        pattern="^(WORKFLOW|JOBCLASS|JOBRESOURCE|LOCK|NOTICEBOARD|FILEORDERSOURCE|WORKINGDAYSCALENDAR|"
        "NONWORKINGDAYSCALENDAR|SCHEDULE|INCLUDESCRIPT|JOBTEMPLATE|REPORT|DOCUMENTATION|ORDER)$"
    ),
]
ControllerIdText = Annotated[str, Field(max_length=100, pattern=r'^[^/\\<>?!&:;()"|*^]*$')]


class AuditLogFilter(JocModel):
    controller_id: ControllerIdText | None = None
    object_name: OptionalName | None = None
    object_types: list[ObjectType] = []
    categories: list[Annotated[AuditCategory, Field(strict=False)]] = []
    folders: list[FolderBody] = []
    account: OptionalName | None = None
    comment: OptionalName | None = None
    date_from: DateFromTo | None = None
    date_to: DateFromTo | None = None
    time_zone: str | None = None
    limit: int = 10000
    ticket_link: OptionalName | None = None


class AuditLogDetailFilter(JocModel):
    audit_log_id: int = Field(ge=0)


_RELATIVE = re.compile(r"([+-]?[0-9]+)([smhdwMy])")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def shifted(moment: datetime, amount: int, unit: str) -> datetime:
    """`moment` moved by `amount` units (s, m, h, d, w, M months, y years; the day of month kept if it exists)."""
    if unit in _SECONDS:
        return moment + timedelta(seconds=amount * _SECONDS[unit])
    months = moment.year * 12 + moment.month - 1 + (amount if unit == "M" else 12 * amount)
    year, month = divmod(months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def instant(text: str, now: datetime, zone: ZoneInfo, *, upper: bool) -> int:
    """JOC's dateFrom/dateTo in epoch milliseconds: an ISO timestamp (in `zone` without an offset), `0` (now),
    or a sum of offsets such as `-1d` or `-2h30m`. With days or longer the bound is a day's start in `zone`
    (the day after for an upper bound, which is exclusive)."""
    if text[0].isdigit() and len(text) > 4:
        moment = datetime.fromisoformat(text.replace(",", ".").replace(" ", "T").replace("Z", "+00:00"))
        return int((moment if moment.tzinfo else moment.replace(tzinfo=zone)).timestamp() * 1000)
    local = now.astimezone(zone)
    parts = _RELATIVE.findall(text)
    for amount, unit in parts:
        local = shifted(local, int(amount), unit)
    if any(unit in "dwMy" for _, unit in parts):
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if upper:
            local = local + timedelta(days=1)
    return int(local.timestamp() * 1000)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise BadRequest(f"$.timeZone: unknown time zone {name}") from None


def _timestamp(millis: int) -> str:
    return delivery_date(datetime.fromtimestamp(millis / 1000, UTC))


def visible_objects(caller: Caller, record: AuditRecord) -> tuple[AuditObject, ...]:
    return tuple(o for o in record.objects if caller.sees(o.path, record.controller_id))


def _visible(caller: Caller, record: AuditRecord) -> bool:
    return not record.objects or bool(visible_objects(caller, record))


def audit_item(record: AuditRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": record.id,
        "account": record.account,
        "request": record.request,
        "created": _timestamp(record.created),
        "category": record.category.value,
    }
    optional = {
        "controllerId": record.controller_id,
        "comment": record.comment,
        "parameters": record.parameters,
        "timeSpent": record.time_spent,
        "ticketLink": record.ticket_link,
        "commitId": record.commit_id,
    }
    item.update({key: value for key, value in optional.items() if value is not None})
    return item


def _filter(body: AuditLogFilter, now_ms: int, limit: int | None) -> AuditFilter:
    now, zone = datetime.fromtimestamp(now_ms / 1000, UTC), _zone(body.time_zone)
    return AuditFilter(
        controller_id=body.controller_id or None,
        accounts=(body.account,) if body.account else (),
        categories=tuple(body.categories),
        date_from=None if body.date_from is None else instant(body.date_from, now, zone, upper=False),
        date_to=None if body.date_to is None else instant(body.date_to, now, zone, upper=True),
        ticket_link=body.ticket_link or None,
        comment=body.comment or None,
        object_types=tuple(body.object_types),
        folders=tuple(FolderFilter(folder=f.folder, recursive=f.recursive) for f in body.folders),
        limit=limit,
    )


def _name_matcher(pattern: str | None) -> re.Pattern[str] | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as error:
        raise BadRequest(f"$.objectName: not a regular expression: {error}") from None


@router.post("")
async def audit_log(cockpit: CockpitDep, caller: CallerDep, body: AuditLogFilter) -> dict[str, Any]:
    """The entries matching the filter that the account may see, newest first, at most `limit` (-1: all)."""
    caller.require(VIEW, body.controller_id)
    matcher = _name_matcher(body.object_name)
    # Entries are dropped after the query only for an object name or folder limits; else SQL limits them.
    exact = matcher is None and not caller.grants_for(body.controller_id).folders and body.limit >= 0
    wanted = _filter(body, cockpit.now(), body.limit if exact else None)
    async with cockpit.database.session() as db:
        records = await AuditRepository(db).search(wanted)
    shown = [
        r
        for r in records
        if _visible(caller, r)
        and (matcher is None or any(matcher.search(name_of(o.path)) for o in visible_objects(caller, r)))
    ]
    if body.limit >= 0:
        shown = shown[: body.limit]
    return {"deliveryDate": delivery_date(), "auditLog": [audit_item(r) for r in shown]}


@router.post("/details")
async def audit_log_details(
    cockpit: CockpitDep, caller: CallerDep, body: AuditLogDetailFilter
) -> dict[str, Any]:
    """The objects an entry touched (those in the account's folders)."""
    caller.require(VIEW)
    async with cockpit.database.session() as db:
        record = await AuditRepository(db).entry(body.audit_log_id)
    if record is None or not _visible(caller, record):
        raise UnknownObject(f"There is no audit-log entry {body.audit_log_id}")
    return {
        "deliveryDate": delivery_date(),
        "auditLogDetails": [{"path": o.path, "type": o.object_type} for o in visible_objects(caller, record)],
    }
