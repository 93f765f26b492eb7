"""A node's process ending on request of its API (JS7's ShutDown and EmergencyStop, JOC's terminate, restart,
abort and abort_and_restart): an orderly stop goes through the process's own SIGTERM handling (every service
closes its journal as on Ctrl-C); an abort ends the process at once, as a crash would (the journal holds every
accepted change: nothing is lost). A restart runs the same command line again in the same process (exec), so a
supervisor sees one process throughout."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import NoReturn

# The answer to the request goes out before the process stops.
ANSWER_DELAY = 0.2
# A requested abort is no failure: a supervisor that restarts failed processes leaves it stopped.
ABORT_EXIT = 0

_restart_after_stop = False


def stop_soon(*, restart: bool) -> None:
    """An orderly stop (and, with `restart`, a new start once the process has stopped: `restart_if_asked`)."""
    global _restart_after_stop
    _restart_after_stop = restart
    asyncio.get_running_loop().call_later(ANSWER_DELAY, os.kill, os.getpid(), signal.SIGTERM)


def abort_soon(*, restart: bool) -> None:
    """An immediate end (and, with `restart`, a new start) after the answer has gone out."""
    asyncio.get_running_loop().call_later(ANSWER_DELAY, abort, restart)


def abort(restart: bool) -> NoReturn:
    logging.getLogger(__name__).warning("Aborting%s on request", " to restart" if restart else "")
    if restart:
        exec_again()
    _flush()
    os._exit(ABORT_EXIT)


def restart_if_asked() -> None:
    """After an orderly stop: starts again if the stop was a restart."""
    if _restart_after_stop:
        exec_again()


def exec_again() -> NoReturn:
    logging.getLogger(__name__).info("Restarting: %s", " ".join(sys.orig_argv))
    _flush()
    os.execv(sys.executable, sys.orig_argv)


def _flush() -> None:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
