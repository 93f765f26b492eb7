"""Subagents for the tests: real `stellwerk subagent` processes, or in-process services, on 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

from stellwerk.agent.config import TlsFiles
from stellwerk.agent.subagent.config import SubagentConfig
from tests.e2e.nodes import NodeProcess, spawn, until
from tests.transport.pki import TestPki, subject_of

_LISTENING = re.compile(r"listening on (\S+)")


def subagent_tls(pki: TestPki, name: str) -> TlsFiles:
    cert, key = pki.node_files(name)
    return TlsFiles(cert=cert, key=key, ca=pki.ca_path)


def subagent_config(folder: Path, pki: TestPki, subagent_id: str, **fields: object) -> SubagentConfig:
    settings: dict[str, object] = {
        "id": subagent_id,
        "data_directory": folder / subagent_id,
        "tls": subagent_tls(pki, subagent_id),
        "allowed_director_subjects": (subject_of("agent"),),
        "heartbeat": 0.2,
        "drain_grace": 0.3,
    }
    return SubagentConfig(**{**settings, **fields})  # type: ignore[arg-type]


class SubagentProcess(NodeProcess):
    """`stellwerk subagent` as a child process."""

    def __init__(self, folder: Path, pki: TestPki, subagent_id: str) -> None:
        super().__init__(
            f"subagent {subagent_id}", folder / f"{subagent_id}.toml", folder / f"{subagent_id}.log"
        )
        tls = subagent_tls(pki, subagent_id)
        self.arguments = [
            "-m", "stellwerk", "subagent", "--id", subagent_id, "--data", str(folder / subagent_id),
            "--cert", str(tls.cert), "--key", str(tls.key), "--ca", str(tls.ca),
            "--allow-director", subject_of("agent"), "--heartbeat", "0.2",
        ]  # fmt: skip

    async def start(self, seconds: float = 30.0) -> str:
        self.process = spawn(self.arguments, self.log)
        await until(lambda: self._listening() is not None, seconds, f"{self.role} to listen")
        self.url = self._listening() or ""
        return self.url
