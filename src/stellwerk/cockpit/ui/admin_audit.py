"""The Administration view's audit log: newest first, a page at a time, filtered by account and by days (from,
to; both inclusive, UTC), through the API's `/audit_log` handler (its permission and folder limits)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from stellwerk.cockpit.api import audit_log
from stellwerk.cockpit.api.audit_log import AuditLogFilter
from stellwerk.cockpit.context import CockpitDep
from stellwerk.cockpit.ui.admin_nav import sections
from stellwerk.cockpit.ui.web import Refused, UiCaller, UiRoute, body_of, page

router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)

PAGE_SIZE = 50


def day_of(field: str, text: str | None) -> date | None:
    """A day of the filter form; a Refused naming the field when it is no date."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(400, f"{field}: {text!r} is no date (YYYY-MM-DD)") from None


def audit_filter(
    account: str, day_from: date | None, day_to: date | None, page_number: int
) -> dict[str, Any]:
    """The API's filter of one page: its entries and one more (whether a next page exists). Days are UTC; the
    upper bound is exclusive, so the day after `day_to`."""
    wanted: dict[str, Any] = {"limit": page_number * PAGE_SIZE + 1, "timeZone": "UTC"}
    if account:
        wanted["account"] = account
    if day_from is not None:
        wanted["dateFrom"] = f"{day_from.isoformat()}T00:00:00"
    if day_to is not None:
        wanted["dateTo"] = f"{(day_to + timedelta(days=1)).isoformat()}T00:00:00"
    return wanted


@router.get("/admin/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    caller: UiCaller,
    cockpit: CockpitDep,
    account: str = "",
    day_from: Annotated[str | None, Query(alias="from")] = None,
    day_to: Annotated[str | None, Query(alias="to")] = None,
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> Response:
    caller.require(audit_log.VIEW)
    first, last = day_of("from", day_from), day_of("to", day_to)
    if first and last and first > last:
        raise Refused(400, "from: the first day is after the last day (to)")
    wanted = body_of(AuditLogFilter, audit_filter(account.strip(), first, last, page_number))
    entries = (await audit_log.audit_log(cockpit, caller, wanted))["auditLog"]
    shown = entries[(page_number - 1) * PAGE_SIZE : page_number * PAGE_SIZE]
    return page(
        request, "admin_audit.html", sections=sections(caller), entries=shown, account=account.strip(),
        day_from=day_from or "", day_to=day_to or "", page_number=page_number,
        more=len(entries) > page_number * PAGE_SIZE,
    )  # fmt: skip
