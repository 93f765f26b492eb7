"""The node's side of the watch protocol: a request is answered by the polling watch; a second watch is not
served while the first polls, and is served once the first has been silent for heartbeat_timeout."""

from __future__ import annotations

import asyncio

from stellwerk.cluster.decide import CheckState, Confirmed
from stellwerk.cluster.states import Coupled, Timing
from stellwerk.cluster.watch_channel import AnsweredRequest, WatchChannel, WatchPoll

TIMING = Timing(heartbeat=0.05, heartbeat_timeout=0.2, consent_timeout=0.1)
HEARTBEAT = CheckState(node="Primary", state=Coupled(active="Primary", generation=3))


async def test_one_watch_at_a_time_is_served() -> None:
    channel = WatchChannel(TIMING)
    asking = asyncio.create_task(channel.ask(HEARTBEAT, 1.0))
    first_answer = await channel.poll(WatchPoll(watch_id="first", timeout=0.5))
    assert not first_answer.fresh  # the first watch since the node started
    [pending] = first_answer.requests
    assert pending.request == HEARTBEAT and pending.timing == TIMING

    second = asyncio.create_task(channel.ask(HEARTBEAT, 1.0))
    assert not (await channel.poll(WatchPoll(watch_id="second", timeout=0.01))).served  # the first is
    answered = (AnsweredRequest(id=pending.id, answer=Confirmed()),)
    again = await channel.poll(WatchPoll(watch_id="first", answers=answered, timeout=0.5))
    assert not again.fresh
    [pending_second] = again.requests
    assert await asyncio.wait_for(asking, 1) == Confirmed()

    await asyncio.sleep(TIMING.heartbeat_timeout)  # the first watch is silent
    taken_over = await channel.poll(WatchPoll(watch_id="second", timeout=0.01))
    assert taken_over.served and taken_over.fresh and not taken_over.requests  # nothing new to ask
    answered = (AnsweredRequest(id=pending_second.id, answer=Confirmed()),)
    await channel.poll(WatchPoll(watch_id="second", answers=answered, timeout=0.01))
    assert await asyncio.wait_for(second, 1) == Confirmed()
