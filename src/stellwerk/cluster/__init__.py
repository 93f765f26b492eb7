"""The Controller cluster: two nodes, one active, the passive following its journal, and a Cluster Watch that
decides which of them may act alone (js7-reference §8)."""
