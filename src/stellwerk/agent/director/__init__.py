"""The Director's side of its Subagents: links to remote Subagents, their liveness, elastic pool membership."""
