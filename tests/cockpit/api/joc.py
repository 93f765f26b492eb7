"""A minimal JOC API client for tests: POST a JSON body (or none), with or without an access token, and get the
status and the decoded answer back — whatever the status, so tests can check error answers too."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def error(self) -> dict[str, Any]:
        """JOC's error object of a 420 answer."""
        error: dict[str, Any] = self.body["error"]
        return error


@dataclass
class Joc:
    """Calls to one Cockpit; `login` keeps the access token for the calls after it."""

    url: str
    token: str | None = None
    timeout: float = 30.0
    headers: dict[str, str] = field(default_factory=dict)

    def post(
        self, path: str, body: Any = None, *, raw: bytes | None = None, token: str | None = None
    ) -> Answer:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        headers = {"Accept": "application/json", **self.headers}
        if data is not None and raw is None:
            headers["Content-Type"] = "application/json"
        chosen = token if token is not None else self.token
        if chosen:
            headers["X-Access-Token"] = chosen
        request = urllib.request.Request(
            f"{self.url}{path}", data=data or b"", headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return Answer(response.status, _decoded(response.read()))
        except urllib.error.HTTPError as error:
            return Answer(error.code, _decoded(error.read()))

    def ok(self, path: str, body: Any = None) -> Any:
        """The answer of a call that must succeed."""
        answer = self.post(path, body)
        assert answer.status == 200, f"{path}: {answer.status} {answer.body}"
        return answer.body

    def login(self, account: str, password: str) -> Answer:
        credentials = base64.b64encode(f"{account}:{password}".encode()).decode()
        self.headers["Authorization"] = f"Basic {credentials}"
        try:
            answer = self.post("/joc/api/authentication/login", token="")
        finally:
            del self.headers["Authorization"]
        if answer.status == 200:
            self.token = answer.body["accessToken"]
        return answer


def _decoded(data: bytes) -> Any:
    if not data:
        return None
    try:
        return json.loads(data)
    except ValueError:
        return data.decode(errors="replace")
