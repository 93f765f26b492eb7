"""A node's cluster state in its data directory (`cluster-state.json`), written whole and durably: after a
restart the node knows whether it was active, and in which state."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from stellwerk.cluster.states import ClusterState, Empty
from stellwerk.journal.segments import fsync_directory

FILE_NAME = "cluster-state.json"
_decoder = msgspec.json.Decoder(ClusterState)


def load_cluster_state(directory: Path) -> ClusterState:
    path = directory / FILE_NAME
    if not path.exists():
        return Empty()
    state: ClusterState = _decoder.decode(path.read_bytes())
    return state


def save_cluster_state(directory: Path, state: ClusterState) -> None:
    path = directory / FILE_NAME
    temp = directory / f".{FILE_NAME}.tmp"
    with temp.open("wb") as file:
        file.write(msgspec.json.encode(state))
        file.flush()
        os.fsync(file.fileno())
    os.replace(temp, path)
    fsync_directory(directory)
