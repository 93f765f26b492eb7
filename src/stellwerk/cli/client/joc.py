"""A small client of the Cockpit's JOC API over the standard library's urllib: POST with a JSON body and the
access token, as every JOC client does. A refused call raises `CliFailure` with the exit code its answer means."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from stellwerk.cli.client.exits import CliFailure, Exit, exit_of

API = "/joc/api"
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Answer:
    status: int
    data: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.data) if self.data else {}


class JocClient:
    """Calls to one Cockpit, `url` being its base (`https://host:port`), with the token of a login."""

    def __init__(self, url: str, *, token: str = "", ca: str = "", timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/").removesuffix(API)
        self.token = token
        self.timeout = timeout
        self._context = (
            ssl.create_default_context(cafile=ca or None) if self.url.startswith("https") else None
        )

    def login(self, account: str, password: str) -> dict[str, Any]:
        """Opens a session with HTTP Basic credentials and keeps its access token."""
        credentials = base64.b64encode(f"{account}:{password}".encode()).decode()
        answer = self._send("/authentication/login", b"", {"Authorization": f"Basic {credentials}"})
        body: dict[str, Any] = _checked(answer, "login").json()
        self.token = body["accessToken"]
        return body

    def call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON answer of `POST /joc/api{path}`; a refusal raises CliFailure."""
        answer = _checked(self.post(path, body), path)
        decoded: dict[str, Any] = answer.json()
        return decoded

    def download(self, path: str, body: dict[str, Any]) -> bytes:
        """The bytes of an answer that is a file (an export archive)."""
        return _checked(self.post(path, body), path).data

    def post(self, path: str, body: dict[str, Any] | None = None) -> Answer:
        """The answer whatever its status; only an unreachable Cockpit raises."""
        data = json.dumps(body if body is not None else {}).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["X-Access-Token"] = self.token
        return self._send(path, data, headers)

    def _send(self, path: str, data: bytes, headers: dict[str, str]) -> Answer:
        request = urllib.request.Request(
            f"{self.url}{API}{path}",
            data=data,
            headers={"Accept": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context) as response:
                return Answer(response.status, response.read(), response.headers.get_content_type())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), error.headers.get_content_type())
        except OSError as error:  # URLError, refused connections, TLS failures and timeouts
            reason = getattr(error, "reason", error)
            raise CliFailure(
                f"the Cockpit at {self.url} is unreachable: {reason}", Exit.UNREACHABLE
            ) from None


def _checked(answer: Answer, what: str) -> Answer:
    if answer.status == 200:
        return answer
    try:
        body = answer.json()
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    message = (error or {}).get("message") if isinstance(error, dict) else None
    if message is None and isinstance(body, dict):
        message = body.get("message")
    if answer.status in (401, 440) and what != "login":
        message = f"not logged in ({message or answer.status}); run `stellwerk login`"
    raise CliFailure(f"{what}: {message or f'HTTP {answer.status}'}", exit_of(answer.status, code))
