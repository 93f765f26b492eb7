"""The Python job of pythonJob.workflow.json (className "greeting:greet").

The job's worker imports this module from the job's work directory or $PYTHONPATH; `stellwerk run` puts the
folders it was given on PYTHONPATH, so run this folder (or the workflow file itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stellwerk.runner.pyjob import Step


def greet(step: Step) -> dict[str, str]:
    """Greets the step's 'name' argument; the greeting becomes the order variable 'greeting'."""
    name = step.arguments.get("name", "world")
    step.out.write(f"greeting {name}\n")
    return {"greeting": f"hello, {name}"}
