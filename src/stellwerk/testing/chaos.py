"""Faults against a running ClusterRig while orders flow, and the figures that show what they did.

Orders of the workflow `chaos` run a job on the Director's pool, then one on the standalone Agent; each job
appends `<order id> <job>` to a file, so a job that ran twice shows. The feeder adds orders at a steady rate to
whichever node is active; an order counts as accepted when AddOrders answered 200. A sampler asks both nodes
every 20 ms whether they are active. The faults (`FAULTS`) run one after the other in the order of a `Plan`,
each waiting for the cluster to couple first; afterwards the run waits for every accepted order to finish.

The figures (`Report`):
- lost: accepted orders the active node does not know at the end (must be 0);
- duplicates: job starts beyond one per job and order, less those the ProcessLost rule explains (a process lost
  with its Agent or Subagent is started again: one more start for each `Disrupted(ProcessLost)` of the order);
- two_actives: samples in which both nodes answered as active (must be 0);
- unfinished: accepted orders not finished when the run ends;
- process_lost: the `Disrupted(ProcessLost)` outcomes, for the record;
- failover_*: from the SIGKILL of the active node to the first answer of the other node as active;
- unavailable_max_s: the longest time in which no node answered as active;
- recovery_*: from a fault's end (network healed, node restarted) to the cluster coupled again.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stellwerk.cluster.states import NodeId
from stellwerk.testing.cluster_rig import (
    API,
    CONTROLLERS,
    DIRECTOR,
    DIRECTORS,
    POOL,
    STANDALONE_AGENT,
    SUBAGENTS,
    ClusterRig,
    other_node,
)
from stellwerk.testing.faulty_link import Direction
from stellwerk.transport.client import HttpError, TransportError

WORKFLOW = "chaos"
SAMPLE_PERIOD = 0.02
FEED_PERIOD = 0.1
COUPLING_WAIT = 60.0

FAULT_SECONDS = 3.0
FAULTS = (
    "kill_active", "cut_both_ways", "cut_one_way", "cut_agent", "kill_director", "kill_subagent", "slow_sync",
    "clock_jump", "full_disk",
)  # fmt: skip
# What a fault needs of the machine (see ClusterRig.unavailable).
_NEEDS = {"slow_sync": "syscalls", "clock_jump": "syscalls", "full_disk": "disk"}
SLOW_SYNC_S = 0.1
BURST_ORDERS = 200
CLOCK_JUMP_S = 1800.0


@dataclass
class Plan:
    """The faults in the order they happen, and how many orders the feeder adds per second."""

    faults: list[str]
    orders_per_s: float = 40.0
    max_orders: int = 3000

    @classmethod
    def every_fault_once(cls) -> Plan:
        return cls(list(FAULTS), orders_per_s=20.0, max_orders=1000)

    @classmethod
    def full(cls, kills: int, rng: random.Random, max_orders: int = 3000) -> Plan:
        """`kills` SIGKILLs of the active node, among each other fault twice, in a random order."""
        faults = ["kill_active"] * kills + [f for f in FAULTS if f != "kill_active"] * 2
        rng.shuffle(faults)
        return cls(faults, orders_per_s=60.0, max_orders=max_orders)


@dataclass
class Report:
    orders: int = 0
    lost: int = 0
    duplicates: int = 0
    two_actives: int = 0
    unfinished: int = 0
    process_lost: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    failovers: list[float] = field(default_factory=list)
    director_failovers: list[float] = field(default_factory=list)
    # Kills of an active Director that had just declared its passive lost: rightly no fail-over (§8.4).
    refused_failovers: int = 0
    recoveries: list[float] = field(default_factory=list)
    unavailable_max_s: float = 0.0
    skipped: dict[str, str] = field(default_factory=dict)  # fault: why this machine cannot make it

    @property
    def clean(self) -> bool:
        return self.lost == self.duplicates == self.two_actives == self.unfinished == 0

    def figures(self) -> dict[str, str]:
        def seconds(values: list[float], how: Callable[[list[float]], float]) -> str:
            return f"{how(values):.2f}" if values else "nan"

        return {
            "orders": str(self.orders),
            "lost": str(self.lost),
            "duplicates": str(self.duplicates),
            "two_actives": str(self.two_actives),
            "unfinished": str(self.unfinished),
            "process_lost": str(self.process_lost),
            "kills": str(self.faults["kill_active"]),
            "failover_median_s": seconds(self.failovers, statistics.median),
            "failover_max_s": seconds(self.failovers, max),
            "director_failover_max_s": seconds(self.director_failovers, max),
            "refused_failovers": str(self.refused_failovers),
            "unavailable_max_s": f"{self.unavailable_max_s:.2f}",
            "recovery_median_s": seconds(self.recoveries, statistics.median),
            "recovery_max_s": seconds(self.recoveries, max),
        }

    def line(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.figures().items())


class Chaos:
    """One run of a Plan against a rig; `runs` is the file the jobs append to."""

    def __init__(self, rig: ClusterRig, runs: Path, rng: random.Random, say: Callable[[str], None]) -> None:
        self.rig = rig
        self.runs = runs
        self.rng = rng
        self.say = say
        self.report = Report()
        self.accepted: list[str] = []
        self.actives: dict[NodeId, bool] = dict.fromkeys(CONTROLLERS, False)
        self._stopping = asyncio.Event()
        self._bursts = 0
        self._none_active_since: float | None = None

    async def run(self, plan: Plan, settle_seconds: float = 120.0) -> Report:
        loop = asyncio.get_running_loop()
        await until(self.rig.coupled, COUPLING_WAIT, "the cluster to couple")
        await self._deploy()
        sampler = asyncio.create_task(self._sample())
        feeder = asyncio.create_task(self._feed(plan))
        try:
            for fault in plan.faults:
                need = _NEEDS.get(fault, "")
                if need in self.rig.unavailable:
                    self.report.skipped[fault] = self.rig.unavailable[need]
                    continue
                await until(self.rig.coupled, COUPLING_WAIT, f"the cluster to couple before {fault}")
                await asyncio.sleep(self.rng.uniform(0.3, 2.0))
                started = loop.time()
                await getattr(self, fault)()
                self.report.faults[fault] += 1
                self.say(f"{fault}: done after {loop.time() - started:.2f} s")
            await until(self.rig.coupled, COUPLING_WAIT, "the cluster to couple at the end")
        finally:
            self._stopping.set()
            await asyncio.gather(feeder, sampler)
        await self._settle(settle_seconds)
        return self.report

    # The faults -----------------------------------------------------------------------------------------------

    async def kill_active(self) -> None:
        victim = await self._active()
        survivor = other_node(victim)
        loop = asyncio.get_running_loop()
        self.rig.kill(victim)
        killed_at = loop.time()
        await until(lambda: self.rig.is_active(survivor), 30, f"{survivor} to become active")
        self.report.failovers.append(loop.time() - killed_at)
        self.say(f"killed {victim}: {survivor} active after {self.report.failovers[-1]:.2f} s")
        await self._timed_recovery(lambda: self.rig.start(victim))

    async def cut_both_ways(self) -> None:
        await self._cut(Direction.BOTH, Direction.BOTH)

    async def cut_one_way(self) -> None:
        """The passive node cannot reach the active one; the active one still reaches the passive."""
        active = await self._active()
        await self._cut(Direction.BOTH, Direction.NONE, towards=active)

    async def cut_agent(self) -> None:
        """The link between the Controllers and the standalone Agent drops every byte for FAULT_SECONDS: the Agent
        goes on alone, and its events reach the Controller once the link heals."""
        link, loop = self.rig.agent_link, asyncio.get_running_loop()
        link.cut()
        await asyncio.sleep(FAULT_SECONDS)
        link.heal()
        healed_at = loop.time()
        await until(
            lambda: self.rig.agent_coupled(STANDALONE_AGENT), COUPLING_WAIT, "the Agent to couple again"
        )
        self.report.recoveries.append(loop.time() - healed_at)

    async def kill_director(self) -> None:
        """SIGKILL of the cluster Agent's active Director: the other one takes over with the Controller's consent
        (timed like a Controller's fail-over); the killed one is started again and comes back as passive."""
        loop = asyncio.get_running_loop()
        await until(self.rig.directors_coupled, COUPLING_WAIT, "the Directors to couple")
        victim: NodeId = "Primary" if await self.rig.director_is_active("Primary") else "Backup"
        survivor = other_node(victim)
        survivor_log = self.rig.processes[DIRECTORS[survivor]].log
        logged_before = survivor_log.stat().st_size if survivor_log.exists() else 0
        self.rig.kill(DIRECTORS[victim])
        killed_at = loop.time()
        try:
            await until(
                lambda: self.rig.director_is_active(survivor), 30, f"the {survivor} Director to become active"
            )
        except TimeoutError:
            if PASSIVE_LOST_REFUSAL not in _read_from(survivor_log, logged_before):
                raise
            # The active Director had declared the passive lost (between our look and the kill): the passive's
            # journal may lack events, so the watch rightly refuses its fail-over (js7-reference §8.4). As an
            # operator does, start the killed Director again: it is still the active one.
            self.report.refused_failovers += 1
            self.say(f"killed the {victim} Director, which had declared the {survivor} lost: no fail-over")
        else:
            self.report.director_failovers.append(loop.time() - killed_at)
            self.say(
                f"killed the {victim} Director: the {survivor} active after {self.report.director_failovers[-1]:.2f} s"
            )
        await self._timed_recovery(lambda: self.rig.start(DIRECTORS[victim]))
        await until(self.rig.directors_coupled, COUPLING_WAIT, "the Directors to couple again")

    async def kill_subagent(self) -> None:
        name = self.rng.choice(SUBAGENTS)
        self.rig.kill(name)
        await asyncio.sleep(0.5)
        await self._timed_recovery(lambda: self.rig.start(name))

    async def slow_sync(self) -> None:
        """Each fsync and fdatasync of the active node takes SLOW_SYNC_S longer, for FAULT_SECONDS."""
        faults = self.rig.syscall_faults[await self._active()]
        faults.slow_sync(SLOW_SYNC_S)
        await self._during_fault()

        async def heal() -> None:
            faults.clear()

        await self._timed_recovery(heal)

    async def clock_jump(self) -> None:
        """The active node's wall clock jumps CLOCK_JUMP_S ahead, and after FAULT_SECONDS back again."""
        faults = self.rig.syscall_faults[await self._active()]
        faults.shift_clock(CLOCK_JUMP_S)
        await self._during_fault()

        async def jump_back() -> None:
            faults.clear()

        await self._timed_recovery(jump_back)

    async def full_disk(self) -> None:
        """The active node's disk is full for FAULT_SECONDS. A node that stopped meanwhile is started again, as
        its service manager would."""
        node = await self._active()
        filler = fill_disk(self.rig.small_disks[node])
        await self._during_fault()

        async def free() -> None:
            filler.unlink()
            if not self.rig.processes[node].running:
                self.say(f"{node} had stopped on the full disk: started again")
                await self.rig.start(node)

        await self._timed_recovery(free)

    async def _during_fault(self) -> None:
        """FAULT_SECONDS with a burst of orders at the start, so that the node writes during the fault even when
        the feeder has added all its orders."""
        started = asyncio.get_running_loop().time()
        self._bursts += 1
        ids = [f"burst{self._bursts:02}-{n:03}" for n in range(BURST_ORDERS)]
        node = await self._active()
        orders = [{"id": order_id, "workflowPath": WORKFLOW} for order_id in ids]
        try:
            await self.rig.client(node).post(f"{API}/command", {"TYPE": "AddOrders", "orders": orders}, dict)
            self.accepted += ids
        except (TransportError, HttpError) as error:
            self.say(f"the burst of orders was refused: {error}")
        await asyncio.sleep(max(0.0, FAULT_SECONDS - (asyncio.get_running_loop().time() - started)))

    async def _cut(self, towards_cut: Direction, back_cut: Direction, towards: NodeId | None = None) -> None:
        """Cuts the link to `towards` (either node when None) by `towards_cut` and the other link by `back_cut`,
        for FAULT_SECONDS."""
        target = towards or "Primary"
        self.rig.links[target].cut(towards_cut)
        self.rig.links[other_node(target)].cut(back_cut)
        await asyncio.sleep(FAULT_SECONDS)

        async def heal() -> None:
            for link in self.rig.links.values():
                link.heal()

        await self._timed_recovery(heal)

    async def _timed_recovery(self, end_fault: Callable[[], Awaitable[None]]) -> None:
        loop = asyncio.get_running_loop()
        await end_fault()
        ended_at = loop.time()
        await until(self.rig.coupled, COUPLING_WAIT, "the cluster to couple after the fault")
        self.report.recoveries.append(loop.time() - ended_at)

    async def _active(self) -> NodeId:
        node: NodeId | None = None

        async def found() -> bool:
            nonlocal node
            node = await self.rig.active()
            return node is not None

        await until(found, 30, "an active node")
        assert node is not None
        return node

    # Orders and samples ---------------------------------------------------------------------------------------

    async def _deploy(self) -> None:
        def job(agent: str, name: str, **more: Any) -> dict[str, Any]:
            script = f"echo \"$JS7_ORDER_ID {name}\" >> '{self.runs}'\nsleep 0.1\n"
            executable = {"TYPE": "ShellScriptExecutable", "script": script}
            return {"agentPath": agent, "processLimit": 50, "executable": executable, **more}

        workflow = {
            "TYPE": "Workflow",
            "path": WORKFLOW,
            "instructions": [
                {"TYPE": "Execute.Named", "jobName": "pooled"},
                {"TYPE": "Execute.Named", "jobName": "standalone"},
            ],
            "jobs": {
                "pooled": job(DIRECTOR, "pooled", subagentBundleIdExpr=f"'{POOL}'"),
                "standalone": job(STANDALONE_AGENT, "standalone"),
            },
        }
        operations = [{"TYPE": "AddOrChange", "item": workflow}]
        client = self.rig.client(await self._active())
        await client.post(f"{API}/item", {"TYPE": "UpdateItems", "operations": operations}, dict)

    async def _feed(self, plan: Plan) -> None:
        """Adds orders in one AddOrders every FEED_PERIOD; an order whose AddOrders failed is not repeated under
        its id (it may have been added all the same) and does not count as accepted."""
        number = 0
        loop = asyncio.get_running_loop()
        started = loop.time()
        while not self._stopping.is_set() and len(self.accepted) < plan.max_orders:
            due = min(int((loop.time() - started) * plan.orders_per_s), plan.max_orders) - number
            ids = [f"o{n:06}" for n in range(number, number + max(0, due))]
            number += len(ids)
            active = [node for node in CONTROLLERS if self.actives[node]]
            if ids and active:
                orders = [{"id": order_id, "workflowPath": WORKFLOW} for order_id in ids]
                try:
                    await self.rig.client(active[0]).post(
                        f"{API}/command", {"TYPE": "AddOrders", "orders": orders}, dict
                    )
                    self.accepted += ids
                except (TransportError, HttpError):
                    pass
            await asyncio.sleep(FEED_PERIOD)

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            answers = await asyncio.gather(*(self.rig.is_active(node) for node in CONTROLLERS))
            self.actives = dict(zip(CONTROLLERS, answers, strict=True))
            if all(answers):
                self.report.two_actives += 1
            if any(answers):
                self._none_active_since = None
            elif self._none_active_since is None:
                self._none_active_since = loop.time()
            else:
                gap = loop.time() - self._none_active_since
                self.report.unavailable_max_s = max(self.report.unavailable_max_s, gap)
            await asyncio.sleep(SAMPLE_PERIOD)

    async def _settle(self, seconds: float) -> None:
        accepted = set(self.accepted)
        client = self.rig.client(await self._active())

        async def orders() -> dict[str, dict[str, Any]]:
            found = await client.get(f"{API}/order", list[dict[str, Any]])
            return {order["id"]: order for order in found}

        async def all_finished() -> bool:
            found = await orders()
            return all(order_id in found and _state(found[order_id]) == "Finished" for order_id in accepted)

        try:
            await until(all_finished, seconds, "every accepted order to finish")
        except TimeoutError as timeout:
            self.say(str(timeout))
        found = await orders()
        report = self.report
        report.orders = len(accepted)
        report.lost = len(accepted - set(found))
        report.unfinished = sum(1 for o in accepted if o in found and _state(found[o]) != "Finished")
        lost_processes = Counter(
            {order_id: _processes_lost(order) for order_id, order in found.items() if _processes_lost(order)}
        )
        report.process_lost = sum(lost_processes.values())
        report.duplicates = _duplicates(self.runs, lost_processes)


def fill_disk(folder: Path) -> Path:
    """A file taking every free byte of the disk `folder` is on."""
    filler = folder / "filler"
    status = os.statvfs(folder)
    with filler.open("wb") as file:
        os.posix_fallocate(file.fileno(), 0, status.f_bavail * status.f_frsize)
    return filler


def _state(order: dict[str, Any]) -> str:
    return str(order["state"]["TYPE"])


def _processes_lost(order: dict[str, Any]) -> int:
    """The order's steps whose process was lost (and so may have been started again)."""
    return sum(1 for historic in order.get("historicOutcomes", []) if _is_process_lost(historic["outcome"]))


def _is_process_lost(outcome: dict[str, Any]) -> bool:
    return outcome.get("TYPE") == "Disrupted" and outcome.get("reason", {}).get("TYPE") == "ProcessLost"


def _duplicates(runs: Path, lost_processes: Counter[str]) -> int:
    """Job starts beyond one per order and job that no lost process explains."""
    lines = runs.read_text().split("\n") if runs.exists() else []
    starts = Counter(line for line in lines if line)
    by_order: Counter[str] = Counter()
    for line, count in starts.items():
        by_order[line.split(" ", 1)[0]] += count - 1
    return sum(max(0, extra - lost_processes[order_id]) for order_id, extra in by_order.items())


async def until(condition: Callable[[], Awaitable[bool]], seconds: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await condition():
        if loop.time() > deadline:
            raise TimeoutError(f"waited {seconds} s for {what}")
        await asyncio.sleep(SAMPLE_PERIOD)


# What a passive node logs when the watch refuses its fail-over because the active node declared it lost.
PASSIVE_LOST_REFUSAL = "ClusterFailOverWhilePassiveLost"


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")
