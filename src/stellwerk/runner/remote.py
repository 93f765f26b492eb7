"""Running a job process on a remote Subagent: the wire format of the Subagent's process API, and the
Director's side of one process.

`POST /subagent/api/process` with a `ProcessRequest` answers with NDJSON lines, one per `ProcessLine`: `Started`
(the Subagent that took it), `Output` chunks, `Heartbeat` every few seconds while the process runs, and finally
`Ended` with the outcome. `POST /subagent/api/process/kill` with a `KillRequest` kills it (SIGTERM, or SIGKILL
when `immediately`). A stream that breaks or stays silent longer than the timeout before `Ended` means the
process is lost (the Subagent died or became unreachable): js7-reference §6.4 ProcessLost.
A Subagent that refuses to start the process (draining, shutting down) answers 503: the process never ran.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp
import msgspec

from stellwerk.model.jobs import WorkflowJob
from stellwerk.model.outcome import Disrupted, OtherReason, Outcome, ProcessLost
from stellwerk.runner.process import ProcessKiller

PROCESS_PATH = "/subagent/api/process"
KILL_PATH = "/subagent/api/process/kill"
LOST_SUBAGENT = "ProcessLostDueToSubagentLoss"
REFUSED = "SubagentRefusedProcess"


class ProcessRequest(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    order_id: str = msgspec.field(name="orderId")
    job: WorkflowJob
    env: dict[str, str | None] = {}
    # Values (js7 values): JSON numbers come back as int or Decimal (float_hook), as everywhere in the wire format.
    arguments: dict[str, Any] = {}
    job_arguments: dict[str, Any] = msgspec.field(default_factory=dict, name="jobArguments")


class KillRequest(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    order_id: str = msgspec.field(name="orderId")
    immediately: bool = False


class Started(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Started"):
    subagent_id: str = msgspec.field(name="subagentId")


class Output(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Output"):
    stream: str
    chunk: str


class Heartbeat(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Heartbeat"):
    pass


class Ended(msgspec.Struct, frozen=True, kw_only=True, tag_field="TYPE", tag="Ended"):
    outcome: Outcome


ProcessLine = Started | Output | Heartbeat | Ended

_line_decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(ProcessLine, float_hook=Decimal)
_request_decoder = msgspec.json.Decoder(ProcessRequest, float_hook=Decimal)
_encoder = msgspec.json.Encoder(decimal_format="number")


def encode_line(line: ProcessLine) -> bytes:
    return _encoder.encode(line) + b"\n"


def decode_request(body: bytes) -> ProcessRequest:
    return _request_decoder.decode(body)


def lost_outcome(job: WorkflowJob, problem: str, *, ran: bool = True) -> Disrupted:
    """ProcessLost, so the job runs again; a job with isNotRestartable whose process may have run fails."""
    if ran and job.is_not_restartable:
        return Disrupted(reason=OtherReason(problem=problem))
    return Disrupted(reason=ProcessLost(problem=problem))


OnOutput = Callable[[str, str], None]


class RemoteProcess:
    """One process on a Subagent, seen from the Director. `run` returns the outcome, ProcessLost included."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        silence_timeout: float,
        on_lost: Callable[[], None] = lambda: None,
    ) -> None:
        self._on_lost = on_lost
        self._session = session
        self._url = url.rstrip("/")
        self._silence_timeout = silence_timeout

    async def run(self, request: ProcessRequest, on_output: OnOutput, killer: ProcessKiller) -> Outcome:
        kills: set[asyncio.Task[None]] = set()

        def kill(immediately: bool) -> None:
            task = asyncio.create_task(
                self._kill(KillRequest(order_id=request.order_id, immediately=immediately))
            )
            kills.add(task)
            task.add_done_callback(kills.discard)

        try:
            return await self._stream(request, on_output, killer, kill)
        finally:
            killer.detach()

    async def _stream(
        self,
        request: ProcessRequest,
        on_output: OnOutput,
        killer: ProcessKiller,
        kill: Callable[[bool], None],
    ) -> Outcome:
        ran = False
        try:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=self._silence_timeout)
            async with self._session.post(
                self._url + PROCESS_PATH, data=_encoder.encode(request), timeout=timeout
            ) as response:
                if response.status == 503:
                    self._on_lost()
                    return lost_outcome(request.job, REFUSED, ran=False)
                response.raise_for_status()
                while True:
                    raw = await asyncio.wait_for(response.content.readline(), self._silence_timeout)
                    if not raw:
                        break
                    line = _line_decoder.decode(raw)
                    if isinstance(line, Started):
                        ran = True
                        killer.attach(kill)
                    elif isinstance(line, Output):
                        on_output(line.stream, line.chunk)
                    elif isinstance(line, Ended):
                        # Read to the end of the body, so that the connection is kept for the next process.
                        with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                            await asyncio.wait_for(response.read(), self._silence_timeout)
                        return line.outcome
        except (aiohttp.ClientError, TimeoutError, OSError, msgspec.DecodeError):
            pass
        self._on_lost()
        return lost_outcome(request.job, LOST_SUBAGENT, ran=ran)

    async def _kill(self, request: KillRequest) -> None:
        # A Subagent that does not answer has lost the process anyway: the stream tells. (RuntimeError: the
        # session is closed, the Director is stopping; the Subagent kills the process when the stream breaks.)
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError, RuntimeError):
            timeout = aiohttp.ClientTimeout(total=self._silence_timeout)
            async with self._session.post(
                self._url + KILL_PATH, data=_encoder.encode(request), timeout=timeout
            ) as response:
                await response.read()
