"""Live pages over server-sent events: a stream asks a page's fragments anew every step and sends only those
whose HTML changed since it last sent them (htmx's sse extension swaps each by its event name), so a page is
patched where something changed and nowhere else. Appending fragments (a log's new lines) are sent as they come."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi.responses import StreamingResponse

from stellwerk.cockpit.errors import JocError

# What one step yields: (event name, HTML, whether it is appended rather than replacing the last one sent).
Fragment = tuple[str, str, bool]
Fragments = Callable[[], Awaitable[list[Fragment]]]

STEP_SECONDS = 1.0
LIFETIME_STEPS = 600  # the browser reconnects after this; a long-lived stream never holds a stopping server


def event(name: str, html: str) -> bytes:
    """One server-sent event: its name and the HTML as data lines."""
    data = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {name}\n{data}\n".encode()


async def changes(fragments: Fragments, step: float, steps: int) -> AsyncIterator[bytes]:
    """The events of the fragments that changed, step after step; the first step sends every fragment once
    (something may have changed between rendering the page and connecting)."""
    sent: dict[str, str] = {}
    yield b": live\n\n"
    for _ in range(steps):
        try:
            found = await fragments()
        except (
            JocError
        ):  # a Controller does not answer now: the page keeps what it shows, the next step retries
            found = []
        for name, html, appended in found:
            if appended:
                if html:
                    yield event(name, html)
            elif sent.get(name) != html:
                yield event(name, html)
                sent[name] = html
        await asyncio.sleep(step)


def stream(
    fragments: Fragments, step: float = STEP_SECONDS, steps: int = LIFETIME_STEPS
) -> StreamingResponse:
    """The event stream of a live page."""
    return StreamingResponse(
        changes(fragments, step, steps),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
