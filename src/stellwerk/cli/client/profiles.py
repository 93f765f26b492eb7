"""Profiles: which Cockpit to talk to and the access token of the last login, per profile name, in
`$XDG_CONFIG_HOME/stellwerk/profiles.toml` (`~/.config/...` without it). The file holds tokens, so it is
written with mode 0600 in a folder of mode 0700."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass, replace
from pathlib import Path

DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class Profile:
    url: str
    account: str = ""
    token: str = ""
    ca: str = ""  # a CA certificate (PEM) to verify the Cockpit's HTTPS certificate with
    controller: str = ""  # the Controller id; the Cockpit's selected one when empty

    def with_token(self, token: str) -> Profile:
        return replace(self, token=token)


def profiles_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "stellwerk" / "profiles.toml"


def read_profiles(path: Path | None = None) -> dict[str, Profile]:
    file = path or profiles_file()
    if not file.exists():
        return {}
    tables = tomllib.loads(file.read_text()).get("profiles", {})
    known = set(Profile.__dataclass_fields__)
    return {
        name: Profile(**{key: str(value) for key, value in table.items() if key in known})
        for name, table in tables.items()
    }


def write_profiles(profiles: dict[str, Profile], path: Path | None = None) -> Path:
    """Writes every profile (strings only, so JSON's string quoting is valid TOML) with mode 0600."""
    file = path or profiles_file()
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = []
    for name, profile in sorted(profiles.items()):
        lines.append(f"[profiles.{json.dumps(name)}]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in asdict(profile).items() if value)
        lines.append("")
    descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an existing file keeps its mode otherwise
    with os.fdopen(descriptor, "w") as output:
        output.write("\n".join(lines))
    return file


def save_profile(name: str, profile: Profile, path: Path | None = None) -> Path:
    profiles = read_profiles(path)
    profiles[name] = profile
    return write_profiles(profiles, path)
