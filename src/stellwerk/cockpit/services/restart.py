"""The restart service: it sends each registered Controller the deployed items (by the deployment history) that
the Controller does not hold — after a Controller was reset (it has no items then) or lost a deployment. It runs
when a Cockpit becomes the active member and on demand; a Controller that is away or refuses is logged and left
for the next run. The items are sent exactly as deployed (signed as they were), as `/inventory/deployment/
synchronize` does, and recorded in the deployment history as the account `Cockpit`."""

from __future__ import annotations

import logging

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.services.deploy import send_deployed

logger = logging.getLogger(__name__)
ACCOUNT = "Cockpit"


def _everything(_path: str) -> bool:
    return True


async def synchronize_controllers(cockpit: Cockpit) -> dict[str, int]:
    """Sends every registered Controller what it lacks; answers how many items each got (absent: it failed)."""
    sent: dict[str, int] = {}
    for controller_id in cockpit.proxies.ids():
        try:
            async with cockpit.database.session() as db:
                items = await send_deployed(
                    cockpit, db, controller_id, "/", recursive=True, missing_only=True, now=cockpit.now(),
                    sees=_everything, account=ACCOUNT,
                )  # fmt: skip
        except JocError as error:
            logger.warning("Restart service: %s not synchronised: %s", controller_id, error.message)
            continue
        sent[controller_id] = len(items)
        if items:
            logger.info("Restart service: sent %d missing items to %s", len(items), controller_id)
    return sent
