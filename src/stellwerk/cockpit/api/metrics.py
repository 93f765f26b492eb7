"""`GET /metrics`: the Cockpit's Prometheus metrics, the start lateness of planned orders by Controller and
workflow (`stellwerk_order_start_lateness_seconds`) and its request latency by route
(`stellwerk_cockpit_request_seconds`). Like the Controller's and the Agent's `/metrics` it needs no
login, so that a Prometheus server can scrape it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from stellwerk.cockpit.context import CockpitDep

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)  # not part of the JOC API
async def metrics(cockpit: CockpitDep) -> Response:
    body = cockpit.start_lateness.render() + cockpit.request_latency.render()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
