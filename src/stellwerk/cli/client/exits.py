"""Exit codes (documented in the package docstring and each command's `--help`) and the one exception that
carries them from a failed call to the command line."""

from __future__ import annotations

from enum import IntEnum

import click


class Exit(IntEnum):
    OK = 0
    FAILED = 1
    BAD_INPUT = 2
    NOT_LOGGED_IN = 3
    UNKNOWN_OBJECT = 4
    UNREACHABLE = 5
    NOT_PERMITTED = 6
    NOT_SUPPORTED = 7


EXIT_CODES_HELP = (
    "Exit codes: 0 done, 1 refused or failed, 2 bad input, 3 not logged in, 4 unknown object, "
    "5 Cockpit unreachable, 6 not permitted, 7 not supported by this Cockpit."
)

# JOC's error codes in the body of a 420 answer
_BY_JOC_CODE = {"JOC-400": Exit.BAD_INPUT, "JOC-404": Exit.UNKNOWN_OBJECT, "JOC-501": Exit.NOT_SUPPORTED}
_BY_STATUS = {
    401: Exit.NOT_LOGGED_IN,
    440: Exit.NOT_LOGGED_IN,
    403: Exit.NOT_PERMITTED,
    404: Exit.NOT_SUPPORTED,
}


class CliFailure(click.ClickException):
    """A failure shown as `Error: MESSAGE` on stderr, ending the command with its exit code."""

    def __init__(self, message: str, exit_code: Exit) -> None:
        super().__init__(message)
        setattr(self, "exit_code", int(exit_code))  # noqa: B010 (click declares it a class variable)


def exit_of(status: int, joc_code: str | None) -> Exit:
    """The exit code of an HTTP status and JOC's error code (of a 420 answer)."""
    if status == 420:
        return _BY_JOC_CODE.get(joc_code or "", Exit.FAILED)
    if status == 400:
        return Exit.BAD_INPUT
    return _BY_STATUS.get(status, Exit.FAILED)
