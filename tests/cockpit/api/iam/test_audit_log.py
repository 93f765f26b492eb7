"""The audit log through `/audit_log`: JOC's filters, the answer valid against JOC's schema, and folder
permissions limiting which entries and objects an account sees."""

from __future__ import annotations

from collections.abc import Callable

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.enums import AuditCategory
from stellwerk.cockpit.db.repositories.audit import AuditEntry, AuditObject, AuditRepository
from tests.cockpit.api.conftest import RunningCockpit
from tests.cockpit.api.joc import Joc
from tests.cockpit.api.schema import assert_valid

VIEW = "sos:products:joc:auditLog:view"
DAY = 86_400_000


def _write(cockpit: RunningCockpit, entries: list[tuple[AuditEntry, int]]) -> list[int]:
    async def write(c: Cockpit) -> list[int]:
        async with c.database.session() as db:
            return [await AuditRepository(db).write(entry, created) for entry, created in entries]

    return cockpit.call(write)


def _entry(request: str, *paths: str, **fields: object) -> AuditEntry:
    objects = tuple(AuditObject(object_type="WORKFLOW", path=p) for p in paths)
    return AuditEntry(
        account="root", request=request, category=AuditCategory.INVENTORY, objects=objects, **fields
    )  # type: ignore[arg-type]


def test_filters_and_folder_permissions(
    cockpit: RunningCockpit, joc: Joc, account: Callable[..., Joc]
) -> None:
    now = cockpit.cockpit.now()
    ids = _write(
        cockpit,
        [
            (_entry("./inventory/store", "/team/a/w1", comment="fix", ticket_link="T-1"), now - 3 * DAY),
            (_entry("./inventory/store", "/other/w2", controller_id="prod"), now - 2000),
            (_entry("./orders/add", "/team/w3", "/other/w4"), now - 1000),
            (
                AuditEntry(account="anna", request="./settings/store", category=AuditCategory.SETTINGS),
                now - 500,
            ),
        ],
    )

    everything = joc.ok("/joc/api/audit_log", {})
    assert_valid("audit/auditLog-schema.json", everything)
    assert [e["id"] for e in everything["auditLog"]][:4] == ids[::-1]

    def requests(body: dict[str, object], client: Joc = joc) -> list[int]:
        return [e["id"] for e in client.ok("/joc/api/audit_log", body)["auditLog"] if e["id"] in ids]

    assert requests({"dateFrom": "-1d"}) == ids[1:][::-1]
    assert requests({"dateTo": "-1d"}) == [ids[0]]
    assert requests({"account": "anna"}) == [ids[3]]
    assert requests({"categories": ["INVENTORY"], "controllerId": "prod"}) == [ids[1]]
    assert requests({"ticketLink": "T-1", "comment": "fi"}) == [ids[0]]
    assert requests({"objectName": "^w[13]$"}) == [ids[2], ids[0]]
    assert requests({"folders": [{"folder": "/team", "recursive": False}]}) == [ids[2]]
    assert requests({"limit": 2}) == [ids[3], ids[2]]
    bad = joc.post("/joc/api/audit_log", {"dateFrom": "yesterday"})
    assert bad.status == 420 and bad.error["message"].startswith("$.dateFrom")

    team = account("teamlead", permissions=(VIEW,), folders=("/team",))
    assert requests({}, team) == [ids[3], ids[2], ids[0]]
    details = team.ok("/joc/api/audit_log/details", {"auditLogId": ids[2]})
    assert_valid("audit/auditLogDetails-schema.json", details)
    assert details["auditLogDetails"] == [{"path": "/team/w3", "type": "WORKFLOW"}]
    assert team.post("/joc/api/audit_log/details", {"auditLogId": ids[1]}).error["code"] == "JOC-404"
    assert (
        account("blind", permissions=("sos:products:joc:inventory:view",))
        .post("/joc/api/audit_log", {})
        .status
        == 403
    )
