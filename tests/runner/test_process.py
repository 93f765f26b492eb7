from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest

from stellwerk.runner.output import CHUNK_BYTES, OutputCallback
from stellwerk.runner.process import ProcessKiller, ProcessLaunch, ProcessResult, run_process
from stellwerk.runner.spawner import Spawner

if TYPE_CHECKING:
    from conftest import OutputRecorder


def sh(
    script: str,
    env: dict[str, str],
    *,
    timeout: float | None = None,
    sigkill_delay: float = 15,
    output_grace: float = 1,
) -> ProcessLaunch:
    return ProcessLaunch(
        argv=["/bin/sh", "-c", script],
        env=env,
        timeout=timeout,
        sigkill_delay=sigkill_delay,
        output_grace=output_grace,
    )


# Every test runs twice: the process started by this process, and by the Agent's spawner process.
_through_spawner = False


@pytest.fixture(autouse=True, params=["here", "spawner"])
def started_by(request: pytest.FixtureRequest) -> None:
    global _through_spawner
    _through_spawner = request.param == "spawner"


async def process(
    launch: ProcessLaunch, on_output: OutputCallback, kill: ProcessKiller | None = None
) -> ProcessResult:
    spawner = Spawner() if _through_spawner else None
    try:
        return await run_process(launch, on_output, kill, spawner)
    finally:
        if spawner is not None:
            await spawner.close()


def run(launch: ProcessLaunch, output: OutputRecorder, kill: ProcessKiller | None = None) -> ProcessResult:
    return asyncio.run(process(launch, output, kill))


def is_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def reported_pids(output: OutputRecorder) -> dict[str, int]:
    return {name: int(pid) for name, pid in re.findall(r"(\w+) (\d+)", output.text("stdout"))}


def test_stdout_and_stderr_are_told_apart(env: dict[str, str], output: OutputRecorder) -> None:
    result = run(sh("echo out1; echo err1 >&2; echo out2; echo err2 >&2", env), output)
    assert result.return_code == 0 and result.signal is None
    assert output.text("stdout") == "out1\nout2\n"
    assert output.text("stderr") == "err1\nerr2\n"
    assert result.stderr_written and result.last_stderr_line == "err2"


def test_quiet_output_is_not_held_back(env: dict[str, str], output: OutputRecorder) -> None:
    run(sh("echo first; sleep 0.5; echo second", env), output)
    assert output.chunks == [("stdout", "first\n"), ("stdout", "second\n")]


def test_many_lines_are_coalesced(env: dict[str, str], output: OutputRecorder) -> None:
    run(sh("i=0; while [ $i -lt 500 ]; do echo line $i; i=$((i+1)); done", env), output)
    assert output.text("stdout").count("\n") == 500
    assert len(output.chunks) < 20


def test_large_output_comes_complete_in_chunks_of_at_most_8_kib(
    env: dict[str, str], output: OutputRecorder
) -> None:
    script = "import sys; sys.stdout.write('ä' * 50000 + 'x' * 100001)"
    result = run(ProcessLaunch(argv=[sys.executable, "-c", script], env=env), output)
    assert result.return_code == 0
    assert output.text("stdout") == "ä" * 50000 + "x" * 100001
    assert all(len(text.encode()) <= CHUNK_BYTES for _, text in output.chunks)
    assert len(output.chunks) >= 200_001 // CHUNK_BYTES


def test_invalid_utf8_is_replaced(env: dict[str, str], output: OutputRecorder) -> None:
    run(sh(r"printf 'a\377b\n'", env), output)
    assert output.text("stdout") == "a\ufffdb\n"


@pytest.mark.parametrize("code", [0, 1, 3, 255])
def test_exit_code(env: dict[str, str], output: OutputRecorder, code: int) -> None:
    assert run(sh(f"exit {code}", env), output).return_code == code


def test_death_by_sigterm_gives_143(env: dict[str, str], output: OutputRecorder) -> None:
    result = run(sh("kill -TERM $$; sleep 5", env), output)
    assert (result.return_code, result.signal) == (143, 15)
    assert not result.timed_out and not result.killed


def test_stdin_and_cwd_and_env(env: dict[str, str], output: OutputRecorder, tmp_path: Path) -> None:
    launch = ProcessLaunch(
        argv=["/bin/sh", "-c", 'cat; pwd; echo "$GREETING"'],
        env=env | {"GREETING": "hello"},
        cwd=tmp_path,
        stdin=b"from stdin\n",
    )
    run(launch, output)
    assert output.text("stdout") == f"from stdin\n{tmp_path}\nhello\n"


def test_timeout_kills_the_whole_group_and_escaped_children(
    env: dict[str, str], output: OutputRecorder
) -> None:
    script = "sleep 300 & echo background $!; setsid sleep 300 & echo escaped $!; sleep 300"
    started = time.monotonic()
    result = run(sh(script, env, timeout=0.5, sigkill_delay=2), output)
    assert time.monotonic() - started < 2
    assert result.timed_out and not result.killed
    assert (result.return_code, result.signal) == (143, 15)
    pids = reported_pids(output)
    assert set(pids) == {"background", "escaped"}
    assert [pid for pid in [result.pid, *pids.values()] if is_alive(pid)] == []


def test_sigkill_follows_after_sigkill_delay_when_term_is_ignored(
    env: dict[str, str], output: OutputRecorder
) -> None:
    script = "trap '' TERM; sleep 300 & echo background $!; echo ready; wait"
    started = time.monotonic()
    result = run(sh(script, env, timeout=0.3, sigkill_delay=0.5), output)
    assert time.monotonic() - started >= 0.8
    assert result.timed_out and (result.return_code, result.signal) == (137, 9)
    assert not is_alive(reported_pids(output)["background"])


def test_sigkill_delay_zero_kills_at_once(env: dict[str, str], output: OutputRecorder) -> None:
    result = run(sh("trap '' TERM; sleep 300", env, timeout=0.2, sigkill_delay=0), output)
    assert result.timed_out and result.signal == 9


def kill_when(
    text: str, killer: ProcessKiller, immediately: bool, output: OutputRecorder
) -> Callable[[str, str], None]:
    def on_output(stream: str, chunk: str) -> None:
        output(stream, chunk)
        if text in chunk:
            killer.kill(immediately)

    return on_output


def test_kill_sends_term_and_the_job_may_clean_up(env: dict[str, str], output: OutputRecorder) -> None:
    killer = ProcessKiller()
    script = "trap 'echo cleaning up; exit 7' TERM; echo ready; sleep 300 & wait"
    result = asyncio.run(process(sh(script, env), kill_when("ready", killer, False, output), killer))
    assert result.killed and not result.timed_out
    assert result.return_code == 7
    assert "cleaning up" in output.text("stdout")


def test_kill_immediately_sends_sigkill(env: dict[str, str], output: OutputRecorder) -> None:
    killer = ProcessKiller()
    script = "trap '' TERM; sleep 300 & echo background $!; echo ready; wait"
    started = time.monotonic()
    result = asyncio.run(process(sh(script, env), kill_when("ready", killer, True, output), killer))
    assert time.monotonic() - started < 2
    assert result.killed and (result.return_code, result.signal) == (137, 9)
    assert not is_alive(reported_pids(output)["background"])


def test_kill_before_start_takes_effect_at_start(env: dict[str, str], output: OutputRecorder) -> None:
    killer = ProcessKiller()
    killer.kill(immediately=True)
    result = run(sh("sleep 300", env), output, killer)
    assert result.killed and result.signal == 9


def test_cancelling_kills_the_process_group(env: dict[str, str], output: OutputRecorder) -> None:
    async def cancel_when_ready() -> ProcessResult:
        ready = asyncio.Event()

        def on_output(stream: str, text: str) -> None:
            output(stream, text)
            ready.set()

        task = asyncio.create_task(process(sh("sleep 300 & echo background $!; wait", env), on_output))
        await ready.wait()
        task.cancel()
        return await task

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancel_when_ready())
    assert not is_alive(reported_pids(output)["background"])


def test_a_background_child_holding_stdout_does_not_hang_a_finished_job(
    env: dict[str, str], output: OutputRecorder
) -> None:
    started = time.monotonic()
    result = run(sh("sleep 300 & echo background $!; echo done", env, output_grace=0.2), output)
    try:
        assert time.monotonic() - started < 1.5
        assert result.return_code == 0 and not result.output_complete
        assert output.text("stdout").endswith("done\n")
        # As in JS7, a job that ended normally leaves its background processes alone.
        assert is_alive(reported_pids(output)["background"])
    finally:
        os.kill(reported_pids(output)["background"], 9)


def test_a_failing_output_callback_is_raised_after_the_process_ended(env: dict[str, str]) -> None:
    def broken(stream: str, text: str) -> None:
        raise RuntimeError("cannot write")

    with pytest.raises(RuntimeError, match="cannot write"):
        asyncio.run(process(sh("head -c 300000 /dev/zero; echo end", env), broken))


def test_start_failure_raises(env: dict[str, str], output: OutputRecorder) -> None:
    with pytest.raises(FileNotFoundError):
        run(ProcessLaunch(argv=["/nonexistent/program"], env=env), output)


def test_stdin_larger_than_the_pipe_buffer_arrives_whole(env: dict[str, str], output: OutputRecorder) -> None:
    data = b"x" * 300_000 + b"\n"
    result = run(ProcessLaunch(argv=["/bin/sh", "-c", "wc -c"], env=env, stdin=data), output)
    assert result.return_code == 0
    assert output.text("stdout").strip() == str(len(data))


def test_stdin_the_process_does_not_read_is_dropped(env: dict[str, str], output: OutputRecorder) -> None:
    result = run(ProcessLaunch(argv=["/bin/sh", "-c", "echo done"], env=env, stdin=b"y" * 300_000), output)
    assert result.return_code == 0 and output.text("stdout") == "done\n"


def test_the_process_does_not_ignore_sigint_sigpipe_or_sigxfsz(
    env: dict[str, str], output: OutputRecorder
) -> None:
    # (Python ignores SIGPIPE and SIGXFSZ, the spawner SIGINT: a job must not inherit that.)
    result = run(ProcessLaunch(argv=["/bin/grep", "SigIgn", "/proc/self/status"], env=env), output)
    assert result.return_code == 0
    ignored = int(output.text("stdout").split()[1], 16)
    for number in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ):
        assert not ignored & (1 << (number - 1)), number
