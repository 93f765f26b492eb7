"""The spawner process, through its client: what `test_process.py` does not show already (it runs every process
test through a spawner too)."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import psutil
import pytest

from stellwerk.runner.spawner import LOST_EXIT_CODE, Spawner

NO_FDS = (-1, -1, -1)
Test = Callable[[Spawner], Awaitable[None]]


def with_spawner(test: Test) -> None:
    async def run() -> None:
        spawner = Spawner()
        try:
            await asyncio.wait_for(test(spawner), 20)
        finally:
            await spawner.close()

    asyncio.run(run())


async def output_of(spawner: Spawner, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    read, write = os.pipe()
    try:
        _, exited = await spawner.spawn(argv, env, cwd, (-1, write, write))
    finally:
        os.close(write)
    assert await exited == 0
    with os.fdopen(read, "rb") as reader:
        return reader.read().decode()


def processes_with(marker: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or [])]


def test_a_name_without_a_slash_is_found_in_the_path_of_the_processs_env() -> None:
    async def test(spawner: Spawner) -> None:
        assert (
            await output_of(spawner, ["echo", "found"], {"PATH": "/nonexistent:/usr/bin:/bin"}) == "found\n"
        )
        with pytest.raises(FileNotFoundError, match="no-such-program"):
            await spawner.spawn(["no-such-program"], {"PATH": "/usr/bin:/bin"}, None, NO_FDS)

    with_spawner(test)


def test_the_process_runs_in_its_work_directory_or_else_in_the_callers(tmp_path: Path) -> None:
    async def test(spawner: Spawner) -> None:
        assert await output_of(spawner, ["/bin/pwd"], {}, tmp_path) == f"{tmp_path}\n"
        assert await output_of(spawner, ["/bin/pwd"], {}) == f"{os.getcwd()}\n"
        with pytest.raises(FileNotFoundError, match="missing"):
            await spawner.spawn(["/bin/pwd"], {}, tmp_path / "missing", NO_FDS)

    with_spawner(test)


def test_the_process_leads_its_own_session_and_reports_its_signal() -> None:
    async def test(spawner: Spawner) -> None:
        pid, exited = await spawner.spawn(["/bin/sleep", "30"], {}, None, NO_FDS)
        assert os.getsid(pid) == pid
        os.killpg(pid, signal.SIGTERM)
        assert await exited == -signal.SIGTERM

    with_spawner(test)


def test_a_killed_spawner_reports_its_processes_lost_and_the_next_process_gets_a_new_one() -> None:
    marker = f"lost-{uuid.uuid4().hex}"

    async def test(spawner: Spawner) -> None:
        pid, exited = await spawner.spawn(["/bin/sh", "-c", "sleep 30", marker], {}, None, NO_FDS)
        first = spawner.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert await exited == LOST_EXIT_CODE
        os.killpg(pid, signal.SIGKILL)
        assert await output_of(spawner, ["/bin/echo", "again"], {}) == "again\n"
        assert spawner.pid not in (None, first)

    with_spawner(test)


def test_a_process_whose_start_was_cancelled_is_killed() -> None:
    marker = f"cancelled-{uuid.uuid4().hex}"

    async def test(spawner: Spawner) -> None:
        starting = asyncio.ensure_future(
            spawner.spawn(["/bin/sh", "-c", "sleep 30", marker], {}, None, NO_FDS)
        )
        await asyncio.sleep(0)
        starting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starting
        # The spawner answers, the process is killed: it ends within a moment.
        for _ in range(100):
            if not [p for p in processes_with(marker) if p.status() != psutil.STATUS_ZOMBIE]:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the process runs on")

    with_spawner(test)


def test_more_requests_than_the_socket_holds_all_start() -> None:
    env = {f"VARIABLE_{index}": "x" * 200 for index in range(100)}  # about 20 KB a request

    async def test(spawner: Spawner) -> None:
        started = await asyncio.gather(*(spawner.spawn(["/bin/true"], env, None, NO_FDS) for _ in range(300)))
        assert len({pid for pid, _ in started}) == 300
        assert set(await asyncio.gather(*(exited for _, exited in started))) == {0}

    with_spawner(test)


def test_closing_ends_the_spawner() -> None:
    async def test(spawner: Spawner) -> None:
        await output_of(spawner, ["/bin/true"], {})
        pid = spawner.pid
        assert pid is not None and psutil.pid_exists(pid)
        await spawner.close()
        assert spawner.pid is None and not psutil.pid_exists(pid)

    with_spawner(test)
