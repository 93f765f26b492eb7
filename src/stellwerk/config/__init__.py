"""Node configuration files: one TOML file per node (as `stellwerk init` writes it) with environment overrides,
read strictly into the services' config structs."""

from __future__ import annotations
