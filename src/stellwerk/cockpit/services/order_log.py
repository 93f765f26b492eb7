"""The order log as JOC serves it: the History service stores one JSON object per line (JOC's `OrderLogEntry`);
readers get the entries whose `logEvent` JOC's clients know. The published client parses the log with a closed
list of event names and cannot read a log with any other name in it, so newer names become the older name of the
same thing where one exists, and entries without one are left out. Pure."""

from __future__ import annotations

import json
from typing import Any

# The `EventType` names the published JOC client (js7-client-python) accepts.
CLIENT_EVENTS = frozenset(
    {
        "VersionAdded", "FileBasedChanged", "ControllerReady", "AgentReady", "OrderAdded", "OrderAttachable",
        "OrderStarted", "OrderTransferredToAgent", "OrderProcessingStarted", "OrderStdoutWritten",
        "OrderStderrWritten", "OrderProcessed", "OrderResumed", "OrderResumeMarked", "OrderForked", "OrderJoined",
        "OrderOffered", "OrderRetrying", "OrderAwaiting", "OrderMoved", "OrderDetachable", "OrderDetached",
        "OrderFailed", "OrderCatched", "OrderAwoke", "OrderFailedinFork", "OrderSuspended", "OrderSuspendMarked",
        "OrderBroken", "OrderCancelled", "OrderFinished", "OrderLockAcquired", "OrderLockQueued",
        "OrderLockReleased", "OrderCaught",
    }
)  # fmt: skip
_OLDER_NAMES = {
    "OrderLocksAcquired": "OrderLockAcquired",
    "OrderLocksQueued": "OrderLockQueued",
    "OrderLocksReleased": "OrderLockReleased",
    "OrderSuspensionMarked": "OrderSuspendMarked",
    "OrderResumptionMarked": "OrderResumeMarked",
}


def readable_entry(entry: Any) -> dict[str, Any] | None:
    """The entry as clients can read it, None when they cannot."""
    if not isinstance(entry, dict):
        return None
    name = entry.get("logEvent")
    name = _OLDER_NAMES.get(name, name) if isinstance(name, str) else name
    if name not in CLIENT_EVENTS:
        return None
    return {**entry, "logEvent": name}


def log_entries(text: str) -> list[dict[str, Any]]:
    """The readable entries of a stored order log (lines that are not JSON objects are skipped)."""
    entries = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        entry = readable_entry(parsed)
        if entry is not None:
            entries.append(entry)
    return entries
