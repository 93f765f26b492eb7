"""Elastic pool membership: Subagents that are not configured one by one.

A member is a `stellwerk subagent` started anywhere with the pool's name, its enrolment token and a certificate
from the CA. Connections go one way, from the Director: every `pool_discovery` seconds the Director asks the
pool's addresses (`POST /subagent/api/enrol`, a new connection each time, so a load balancer in front of the pool
spreads them over the members); a member that knows the pool's token answers with its id and its own address, and
the Director reaches it there from then on (heartbeats, processes, kills). A member leaves on scale-in by draining
(SIGTERM: it refuses new processes, finishes its running ones, waits its drain grace, then stops; the Director
drops it when it has no process left) or by dying (silent for the timeout: its processes are lost, ProcessLost).

Set-up behind a load balancer:

    # the Agent's node.toml
    [agent.pools.workers]
    token = "…"                                   # the members are started with the same token
    addresses = ["https://workers.example:4443"]  # the balancer: TCP pass-through (layer 4), not TLS-terminating
    balance = "round-robin"                       # or "least-loaded"

    # each member, started by the autoscaler; its certificate from the installation's CA
    stellwerk subagent --id "$HOSTNAME" --data /var/lib/stellwerk-subagent --host 0.0.0.0 --port 4443 \
        --uri "https://$POD_IP:4443" --cert node.pem --key node-key.pem --ca ca.pem \
        --allow-director "CN=agentA,O=…" --pool workers --token "$STELLWERK_ENROLMENT_TOKEN"

Jobs name the pool like a Subagent cluster: `subagentBundleIdExpr: "'workers'"`. The balancer must pass TLS
through (the Director and the member authenticate each other by certificate), must open a new backend connection
per client connection (any layer-4 balancer does), and must list a member only while it is up. The members'
`--uri` must be reachable from the Director: the balancer address serves discovery only. Member ids must be unique
in the pool (the host name is a good choice); the Agent lists the members at `GET /agent/api/subagents`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from stellwerk.engine.subagent_selection import SubagentLive


@dataclass(slots=True)
class Member:
    subagent_id: str
    pool: str
    uri: str
    joined: float
    last_seen: float
    draining: bool = False
    process_count: int = 0

    def row(self) -> dict[str, object]:
        return {
            "subagentId": self.subagent_id,
            "pool": self.pool,
            "uri": self.uri,
            "state": "draining" if self.draining else "active",
            "processCount": self.process_count,
        }


@dataclass(slots=True)
class PoolMembership:
    """The live members of every pool, by SubagentId. Times are monotonic seconds."""

    members: dict[str, Member] = field(default_factory=dict)
    joined_total: int = 0
    left_total: int = 0

    def enrolled(self, pool: str, overview: dict[str, Any], now: float) -> Member | None:
        """An enrolment answer; a new member (returned) joins, a known one counts as seen."""
        subagent_id, uri = str(overview.get("subagentId", "")), str(overview.get("uri", ""))
        if not subagent_id or not uri:
            return None
        member = self.members.get(subagent_id)
        if member is not None:
            self.seen(subagent_id, overview, now)
            return None
        member = Member(subagent_id=subagent_id, pool=pool, uri=uri, joined=now, last_seen=now)
        self.members[subagent_id] = member
        self.joined_total += 1
        self.seen(subagent_id, overview, now)
        return member

    def seen(self, subagent_id: str, overview: dict[str, Any], now: float) -> None:
        member = self.members.get(subagent_id)
        if member is not None:
            member.last_seen = now
            member.draining = bool(overview.get("draining", False))
            member.process_count = int(overview.get("processCount", 0))

    def leaving(self, now: float, timeout: float, busy: set[str]) -> list[Member]:
        """Members that have left, removed: silent for `timeout`, or drained with no process of ours left."""
        gone = [
            member
            for member in self.members.values()
            if now - member.last_seen > timeout
            or (member.draining and member.process_count == 0 and member.subagent_id not in busy)
        ]
        for member in gone:
            del self.members[member.subagent_id]
        self.left_total += len(gone)
        return gone

    def of_pool(self, pool: str) -> tuple[str, ...]:
        return tuple(sorted(m.subagent_id for m in self.members.values() if m.pool == pool))

    def count(self, pool: str) -> int:
        return sum(1 for m in self.members.values() if m.pool == pool)


def live_of(overview: dict[str, Any]) -> SubagentLive:
    """What a Subagent's overview says for selection: available unless draining, CPU and memory."""

    def number(name: str) -> int | None:
        value = overview.get(name)
        return int(value) if isinstance(value, int | float) else None

    cpu = overview.get("cpuLoad")
    return SubagentLive(
        available=not overview.get("draining", False),
        cpu_load=Decimal(str(cpu)) if isinstance(cpu, int | float) else None,
        free_memory=number("freeMemorySize"),
        total_memory=number("totalMemorySize"),
        committed_virtual_memory=number("committedVirtualMemorySize"),
    )
