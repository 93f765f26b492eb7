"""Helpers of the IAM API tests: the internal service's settings and a look into the audit log."""

from __future__ import annotations

import json
from typing import Any

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.db.repositories.audit import AuditFilter, AuditRepository
from stellwerk.cockpit.db.repositories.identity import IdentityRepository
from stellwerk.cockpit.security.accounts import INTERNAL_SERVICE
from tests.cockpit.api.conftest import RunningCockpit


def set_settings(cockpit: RunningCockpit, settings: dict[str, Any], service: str = INTERNAL_SERVICE) -> None:
    """Stores the identity service's settings (JOC's identity-service properties)."""

    async def store(c: Cockpit) -> None:
        async with c.database.session() as db:
            identities = IdentityRepository(db)
            found = await identities.service(service)
            assert found is not None
            await identities.store_service(
                type(found)(
                    **{
                        **{f: getattr(found, f) for f in found.__struct_fields__},
                        "configuration": json.dumps(settings),
                    }
                )
            )

    cockpit.call(store)


def audit_requests(cockpit: RunningCockpit) -> list[str]:
    """The requests of the audit log, newest first."""

    async def search(c: Cockpit) -> list[str]:
        async with c.database.session() as db:
            return [r.request for r in await AuditRepository(db).search(AuditFilter(limit=None))]

    return cockpit.call(search)
