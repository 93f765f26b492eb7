"""A cluster node's configuration: which node it is, where its peer listens, and the timing."""

from __future__ import annotations

import msgspec

from stellwerk.cluster.states import NodeId, Timing, peer_of


class ClusterSetting(msgspec.Struct, frozen=True, kw_only=True):
    """`node_id` Primary starts active in a new cluster, Backup starts passive. `peer_uri` is the other node's
    base URI (https://host:port); `peer_subjects` are the subject DNs allowed on the cluster endpoints besides the
    Controller's clients: the peer's certificate, and an Agent's that is the Cluster Watch. `chunk_bytes` bounds one answer of the journal
    endpoint."""

    node_id: NodeId
    peer_uri: str
    peer_subjects: tuple[str, ...] = ()
    timing: Timing = Timing()
    chunk_bytes: int = 4 << 20
    api: str = "/controller/api"  # the node's API prefix: the cluster endpoints are under `{api}/cluster`

    @property
    def cluster_path(self) -> str:
        return f"{self.api}/cluster"

    @property
    def peer_id(self) -> NodeId:
        return peer_of(self.node_id)
