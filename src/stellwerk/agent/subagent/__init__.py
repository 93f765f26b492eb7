"""A remote Subagent: runs the job processes a Director sends it (`stellwerk subagent`)."""
