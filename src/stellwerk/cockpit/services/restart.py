"""The restart service: it delivers to each registered Controller the deployments that did not reach it because
it was unreachable, then sends it the deployed items (by the deployment history) that the Controller does not
hold — after a Controller was reset (it has no items then) or lost a deployment. It runs
when a Cockpit becomes the active member and on demand, and delivers pending deployments every
`pending_deployment_period_ms` while the member is active (so a Controller that comes back gets them); a Controller that is away or refuses is logged and left
for the next run. The items are sent exactly as deployed (signed as they were), as `/inventory/deployment/
synchronize` does, and recorded in the deployment history as the account `Cockpit`."""

from __future__ import annotations

import asyncio
import logging

from stellwerk.cockpit.context import Cockpit
from stellwerk.cockpit.errors import JocError
from stellwerk.cockpit.services.deploy import send_deployed, send_pending

logger = logging.getLogger(__name__)
ACCOUNT = "Cockpit"


def _everything(_path: str) -> bool:
    return True


async def synchronize_controllers(cockpit: Cockpit) -> dict[str, int]:
    """Delivers every registered Controller its pending deployments and sends it what it lacks; answers how many
    items each got (absent: it failed)."""
    sent: dict[str, int] = {}
    delivered_by_id = await deliver_pending(cockpit)
    for controller_id in cockpit.proxies.ids():
        delivered = delivered_by_id.get(controller_id, 0)
        try:
            async with cockpit.database.session() as db:
                items = await send_deployed(
                    cockpit, db, controller_id, "/", recursive=True, missing_only=True, now=cockpit.now(),
                    sees=_everything, account=ACCOUNT,
                )  # fmt: skip
        except JocError as error:
            logger.warning("Restart service: %s not synchronised: %s", controller_id, error.message)
            continue
        sent[controller_id] = delivered + len(items)
        if items:
            logger.info("Restart service: sent %d missing items to %s", len(items), controller_id)
    return sent


async def deliver_pending(cockpit: Cockpit) -> dict[str, int]:
    """Delivers the deployments that did not reach a Controller; answers how many each got (absent: none or it
    failed again)."""
    delivered: dict[str, int] = {}
    for controller_id in cockpit.proxies.ids():
        try:
            async with cockpit.database.session() as db:
                sent = await send_pending(cockpit, db, controller_id, now=cockpit.now(), account=ACCOUNT)
        except JocError as error:
            logger.debug("Restart service: pending deployments of %s wait: %s", controller_id, error.message)
            continue
        if sent:
            delivered[controller_id] = len(sent)
            logger.info("Restart service: delivered %d pending deployments to %s", len(sent), controller_id)
    return delivered


async def restart_service(cockpit: Cockpit) -> None:
    """What the active member runs: the synchronisation once, then pending deployments periodically."""
    await synchronize_controllers(cockpit)
    while True:
        await asyncio.sleep(cockpit.config.pending_deployment_period_ms / 1000)
        await deliver_pending(cockpit)
