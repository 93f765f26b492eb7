"""The worker process of an InternalExecutable: `python -m stellwerk.runner.pyjob`.

It reads one JSON request from stdin::

    {"className": "module:name", "arguments": {...}, "jobArguments": {...}, "orderId": "..."}

imports `module` and calls `name`. Numbers arrive as int or Decimal.

The job, in the named module:

- a function ``def job(step) -> dict | int | None``, or
- a class, instantiated without arguments, whose instances have ``def process(self, step) -> dict | int | None``.

``step`` has ``.arguments`` (the step's arguments), ``.job_arguments``, ``.order_id`` (or None), and ``.out`` and
``.err`` (stdout and stderr; plain ``print`` works as well).

What the job returns:

- None: return code 0.
- an int: the return code (0…255, as with any process).
- a dict: named values, written as NAME=VALUE lines to the file named by $JS7_RETURN_VALUES (or
  $SCHEDULER_RETURN_VALUES); strings as they are, numbers as decimal text, booleans as true/false, lists and objects
  as JSON; return code 0. A name or value that does not fit on one line fails the job.
- an uncaught exception: its traceback on stderr, return code 1. A className that cannot be imported also gives
  return code 1 with a message on stderr.

The module is searched on Python's path: the current working directory (the job's work directory) first, then
the entries of $PYTHONPATH (so a caller puts the workflow's directory there), then the installed packages.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import traceback
from decimal import Decimal
from typing import Any, TextIO

import msgspec

from stellwerk.runner.return_values import (
    RETURN_VALUES_VARIABLE,
    V1_RETURN_VALUES_VARIABLE,
    format_return_values,
)


class Step(msgspec.Struct, frozen=True, kw_only=True):
    """What a Python job gets to see of its step."""

    arguments: dict[str, Any]
    job_arguments: dict[str, Any]
    order_id: str | None
    out: TextIO
    err: TextIO


class JobError(Exception):
    """The job cannot be run or its result cannot be used; the message goes to stderr."""


def main() -> int:
    try:
        request = json.loads(sys.stdin.buffer.read(), parse_float=Decimal)
        target = load_target(str(request["className"]))
    except (JobError, ValueError, KeyError, TypeError) as error:
        sys.stderr.write(f"stellwerk.runner.pyjob: {error}\n")
        return 1
    step = Step(
        arguments=dict(request.get("arguments") or {}),
        job_arguments=dict(request.get("jobArguments") or {}),
        order_id=request.get("orderId"),
        out=sys.stdout,
        err=sys.stderr,
    )
    try:
        result = call_job(target, step)
        return finish(result)
    except JobError as error:
        sys.stderr.write(f"stellwerk.runner.pyjob: {error}\n")
        return 1
    except Exception:
        traceback.print_exc()
        return 1


def load_target(class_name: str) -> object:
    module_name, separator, attribute = class_name.partition(":")
    if not separator or not module_name or not attribute:
        raise JobError(f"className must be 'module:name', not {class_name!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise JobError(f"Cannot import {module_name!r}: {error}") from error
    try:
        return getattr(module, attribute)
    except AttributeError as error:
        raise JobError(f"Module {module_name!r} has no {attribute!r}") from error


def call_job(target: object, step: Step) -> object:
    if inspect.isclass(target):
        process = getattr(target(), "process", None)
        if not callable(process):
            raise JobError(f"{target.__qualname__} has no method process(step)")
        return process(step)
    if not callable(target):
        raise JobError(f"{target!r} is neither a function nor a class")
    return target(step)


def finish(result: object) -> int:
    match result:
        case None:
            return 0
        case bool():
            raise JobError(f"A job returns None, an int or a dict, not {result!r}")
        case int():
            return result
        case dict():
            write_return_values(result)
            return 0
    raise JobError(f"A job returns None, an int or a dict, not {type(result).__name__}")


def write_return_values(values: dict[Any, Any]) -> None:
    try:
        text = format_return_values({str(name): value for name, value in values.items()})
    except ValueError as error:
        raise JobError(str(error)) from error
    path = os.environ.get(RETURN_VALUES_VARIABLE) or os.environ.get(V1_RETURN_VALUES_VARIABLE)
    if not path:
        raise JobError(f"${RETURN_VALUES_VARIABLE} is not set, so the return values cannot be written")
    with open(path, "a", encoding="utf-8") as file:
        file.write(text)


if __name__ == "__main__":
    sys.exit(main())
