"""`/joc/api/events`: JOC's event long-poll for the UI, and `/joc/api/events/sse`: the same snapshots as
Server-Sent Events for our own UI.

`POST /joc/api/events` with `{"controllerId", "eventId"}` answers at once with the snapshots after `eventId`
that the account may see, or waits for them up to a minute (`?timeout=` seconds shortens it) and then answers
without any. Without an `eventId`, or with one the Cockpit does not know (too old, from before its start, or
from another Cockpit), it answers at once with the current EventId and no snapshots: the UI reloads and polls
on from there.

`GET /joc/api/events/sse?controllerId=…` (the token as `X-Access-Token` or `?accessToken=`, since a browser's
EventSource cannot set headers) streams one message per snapshot: `event:` its eventType, `data:` the snapshot's
JSON, `id:` its EventId (on the last message of an EventId, so that `Last-Event-ID` resumes exactly). With an
unknown `Last-Event-ID` the stream begins with a `Reload` message carrying the current EventId. A comment line
is sent when nothing was sent for 15 seconds.

Any logged-in account may listen; snapshots of objects outside its folders are left out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field

from stellwerk.cockpit.api.controller import RequiredControllerId
from stellwerk.cockpit.api.models import JocModel
from stellwerk.cockpit.context import Cockpit, CockpitDep
from stellwerk.cockpit.errors import BadRequest, delivery_date
from stellwerk.cockpit.security.guard import Caller, CallerDep, _caller
from stellwerk.cockpit.services.events import EventSnapshots, Feed, Snapshot, paths_of, snapshot_object

LONG_POLL_SECONDS = 60.0
HEARTBEAT_SECONDS = 15.0

# JOC clients may send their JSON bodies without a Content-Type header.
router = APIRouter(prefix="/joc/api", tags=["events"], strict_content_type=False)

Visible = Callable[[list[Snapshot]], Awaitable[list[dict[str, Any]]]]


class EventsParams(JocModel):
    """JOC's event/controllerFilter."""

    controller_id: RequiredControllerId
    event_id: int | None = Field(default=None, ge=0)


def event_snapshots(request: Request) -> EventSnapshots:
    """The snapshots the app keeps (set up by `create_app`)."""
    snapshots: EventSnapshots = request.app.state.event_snapshots
    return snapshots


def visible_to(cockpit: Cockpit, caller: Caller, controller_id: str) -> Visible:
    """Turns snapshots into JOC's objects with their deployed paths, leaving out what the account may not see."""

    async def visible(found: list[Snapshot]) -> list[dict[str, Any]]:
        async with cockpit.database.session() as db:
            paths = await paths_of(db, controller_id, found)
        objects = []
        for snapshot in found:
            shown = snapshot_object(snapshot, paths)
            hidden_object = snapshot.folder_bound and not caller.sees(shown["path"], controller_id)
            hidden_workflow = "workflow" in shown and not caller.sees(
                shown["workflow"]["path"], controller_id
            )
            if not (hidden_object or hidden_workflow):
                objects.append(shown)
        return objects

    return visible


def deduplicated(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each distinct change once (its latest), in the order of their latest occurrence."""
    latest: dict[str, dict[str, Any]] = {}
    for shown in objects:
        key = json.dumps({k: v for k, v in shown.items() if k != "eventId"}, sort_keys=True)
        latest.pop(key, None)
        latest[key] = shown
    return list(latest.values())


async def long_poll(
    feed: Feed, visible: Visible, after: int, seconds: float
) -> tuple[int, list[dict[str, Any]]]:
    """(EventId to poll on from, the visible snapshots after `after`), waiting up to `seconds` for the first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        changed = feed.changed()
        last, found = feed.last, feed.after(after)
        shown = await visible(found) if found else []
        if shown:
            return last, deduplicated(shown)
        after = last
        remaining = deadline - loop.time()
        if remaining <= 0:
            return last, []
        try:
            await asyncio.wait_for(changed.wait(), remaining)
        except TimeoutError:
            pass


@router.post("/events")
async def events(
    body: EventsParams,
    cockpit: CockpitDep,
    caller: CallerDep,
    request: Request,
    wait: Annotated[float | None, Query(alias="timeout", gt=0, le=LONG_POLL_SECONDS)] = None,
) -> dict[str, Any]:
    """The snapshots after `eventId` as JOC's Event object (one long-poll)."""
    cockpit.proxies.get(body.controller_id)
    feed = event_snapshots(request).feed(body.controller_id)
    shown: list[dict[str, Any]] = []
    if body.event_id is None or not feed.knows(body.event_id):
        event_id = feed.last
    else:
        visible = visible_to(cockpit, caller, body.controller_id)
        event_id, shown = await long_poll(feed, visible, body.event_id, wait or LONG_POLL_SECONDS)
    now = delivery_date()
    return {
        "controllerId": body.controller_id,
        "eventId": event_id,
        "eventSnapshots": shown,
        "deliveryDate": now,
        "surveyDate": now,
    }


def sse_message(event_type: str, data: dict[str, Any], event_id: int | None) -> str:
    """One Server-Sent Events message."""
    lines = [f"id: {event_id}"] if event_id is not None else []
    lines += [f"event: {event_type}", f"data: {json.dumps(data, separators=(',', ':'))}"]
    return "\n".join(lines) + "\n\n"


def sse_messages_of(shown: list[dict[str, Any]]) -> list[str]:
    """The messages of snapshots; only the last one of each EventId carries it as its id."""
    return [
        sse_message(
            each["eventType"],
            each,
            each["eventId"]
            if index + 1 == len(shown) or shown[index + 1]["eventId"] != each["eventId"]
            else None,
        )
        for index, each in enumerate(shown)
    ]


async def sse_stream(
    controller_id: str, feed: Feed, visible: Visible, after: int | None, heartbeat: float = HEARTBEAT_SECONDS
) -> AsyncIterator[str]:
    """The snapshots after `after` (from now on when None) as SSE messages, until the client goes."""
    loop = asyncio.get_running_loop()
    if after is None or not feed.knows(after):
        if after is not None:
            yield sse_message("Reload", {"controllerId": controller_id, "eventId": feed.last}, feed.last)
        after = feed.last
    yield f": events of {controller_id} after {after}\n\n"
    sent = loop.time()
    while True:
        changed = feed.changed()
        last, found = feed.last, feed.after(after)
        for message in sse_messages_of(await visible(found) if found else []):
            yield message
            sent = loop.time()
        after = last
        try:
            await asyncio.wait_for(changed.wait(), max(0.0, sent + heartbeat - loop.time()))
        except TimeoutError:
            yield ": heartbeat\n\n"
            sent = loop.time()


def _last_event_id(header: str | None) -> int | None:
    if header is None or header == "":
        return None
    if not header.isdigit():
        raise BadRequest(f"Last-Event-ID: an EventId (a non-negative integer) was expected, not {header!r}")
    return int(header)


@router.get("/events/sse", include_in_schema=False)
async def events_sse(
    cockpit: CockpitDep,
    request: Request,
    controller_id: Annotated[RequiredControllerId, Query(alias="controllerId")],
    access_token: Annotated[str | None, Query(alias="accessToken")] = None,
    header_token: Annotated[str | None, Header(alias="X-Access-Token")] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """The snapshots of a Controller as Server-Sent Events."""
    caller = await _caller(cockpit, header_token or access_token)
    after = _last_event_id(last_event_id)
    cockpit.proxies.get(controller_id)
    feed = event_snapshots(request).feed(controller_id)
    stream = sse_stream(controller_id, feed, visible_to(cockpit, caller, controller_id), after)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
