"""Writes docs/compatibility.md: which endpoints of JOC Cockpit's REST API the Cockpit serves, by group, and the
Stellwerk endpoints JOC does not have. The JOC endpoints are listed in tests/spec/joc-endpoints.txt (from the
published RAML of JS7 2.9.0); the served ones are the routes of the Cockpit's API routers (path parameters
compared without their names).

    python scripts/joc_compatibility.py [--check]

--check: exit 1 when docs/compatibility.md is not what this script would write (a test runs it)."""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

from fastapi.routing import APIRoute

from stellwerk.cockpit.app import ROUTERS

ROOT = Path(__file__).parent.parent
ENDPOINTS = ROOT / "tests" / "spec" / "joc-endpoints.txt"
DOCUMENT = ROOT / "docs" / "compatibility.md"
PREFIX = "/joc/api"


def joc_endpoints() -> list[str]:
    lines = ENDPOINTS.read_text().splitlines()
    return [_unnamed_parameters(line) for line in lines if line.startswith(PREFIX)]


def served_endpoints() -> set[str]:
    return {
        _unnamed_parameters(route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path.startswith(PREFIX)
    }


def _unnamed_parameters(path: str) -> str:
    """`/inventory/{object_type}/validate` and JOC's `/inventory/{objectType}/validate` are one endpoint."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def group_of(path: str) -> str:
    return path.removeprefix(PREFIX).split("/")[1]


def document(joc: list[str], served: set[str]) -> str:
    by_group: dict[str, list[str]] = defaultdict(list)
    for path in joc:
        by_group[group_of(path)].append(path)
    served_joc = [path for path in joc if path in served]
    lines = [
        "# JOC API compatibility",
        "",
        "Which endpoints of JOC Cockpit's REST API (JS7 2.9.0, as its published RAML lists them) the Cockpit serves",
        f"under `{PREFIX}`. Written by `python scripts/joc_compatibility.py`; a test keeps it current.",
        "",
        f"**{len(served_joc)} of {len(joc)} endpoints are served.** A served endpoint takes JOC's request body",
        "(unknown fields are refused with the field's path) and answers in JOC's schema.",
        "",
        "| Group | Served | Of | Not served |",
        "|---|---:|---:|---|",
    ]
    for group, paths in sorted(by_group.items()):
        missing = [path.removeprefix(PREFIX) for path in paths if path not in served]
        count = len(paths) - len(missing)
        listed = ", ".join(f"`{path}`" for path in missing) if missing else "—"
        lines.append(f"| {group} | {count} | {len(paths)} | {listed} |")
    extensions = sorted(served - set(joc))
    lines += [
        "",
        "## Served, but not in the published RAML",
        "",
        "Endpoints that JOC Cockpit serves without listing them in its RAML (its web client's monitoring calls),",
        "and Stellwerk's own (`/agent/subagents`: an Agent's Subagents and pool members; `/events/sse`):",
        "",
    ]
    lines += [f"- `{path}`" for path in extensions]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true")
    arguments = parser.parse_args()
    text = document(joc_endpoints(), served_endpoints())
    if arguments.check:
        current = DOCUMENT.read_text() if DOCUMENT.exists() else ""
        if current != text:
            sys.stderr.write(
                f"{DOCUMENT.relative_to(ROOT)} is not current: run python scripts/joc_compatibility.py\n"
            )
            return 1
        return 0
    DOCUMENT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
