"""Where the console finds a pool and the key to sign with.

- The local pool: `minerpool` writes `<data dir>/owner-key.json` (`{"key", "secret", "api"}`,
  mode 0600; `url` is accepted for `api`, and an optional `network` names the chain);
  the data dir is platformdirs' user data dir for "minerpool" (or `MINERPOOL_DATA_DIR`).
- Remote pools: named profiles in `<config dir>/profiles.json` (URL, key, network) with the
  secrets apart in `<config dir>/secrets.json`, created with mode 0600 and refused when others can
  read it (as ssh refuses a readable private key). Secrets are never printed.
- The environment: `MINERCONSOLE_KEY` and `MINERCONSOLE_SECRET` (with `--url`).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path

import platformdirs
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, ValidationError

OWNER_KEY_FILE = "owner-key.json"
"""The file the local pool writes its owner API key to, in its data dir."""

ENV_KEY = "MINERCONSOLE_KEY"
ENV_SECRET = "MINERCONSOLE_SECRET"  # noqa: S105 - the variable's name, not a secret
ENV_CONFIG_DIR = "MINERCONSOLE_CONFIG_DIR"
"""Overrides the config dir (tests, portable installs)."""
ENV_POOL_DATA_DIR = "MINERPOOL_DATA_DIR"
"""The pool's own setting for its data dir (backend/config.py), honoured here too."""


class ProfileError(ValueError):
    """A profile, key file or secrets file is missing or unusable; the message says what to do."""


def config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The console's config directory (profiles, secrets, preferences, user themes)."""
    override = environ.get(ENV_CONFIG_DIR)
    return (
        Path(override)
        if override
        else Path(platformdirs.user_config_dir("minerconsole", appauthor=False))
    )


def pool_data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The local pool's data directory, as `minerpool` computes it."""
    override = environ.get(ENV_POOL_DATA_DIR)
    return (
        Path(override)
        if override
        else Path(platformdirs.user_data_dir("minerpool", appauthor=False))
    )


class Credentials(BaseModel):
    """An API key pair and where to use it. The secret is a SecretStr: it prints as `**********`."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    url: str = Field(validation_alias=AliasChoices("url", "api"))
    """The API's base URL (the pool's key file calls it `api`)."""
    key: str = Field(min_length=1)
    secret: SecretStr
    network: str | None = None
    """Core chain name (main, test, signet, regtest) for address checks; None: ask the caller."""


def read_owner_key(data_dir: Path) -> Credentials | None:
    """The local pool's owner key, or None when no pool has written one in `data_dir`."""
    path = data_dir / OWNER_KEY_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProfileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        return Credentials.model_validate_json(raw)
    except ValidationError:
        raise ProfileError(f"{path} is not a key file the console understands") from None


def credentials_from_env(url: str, environ: Mapping[str, str] = os.environ) -> Credentials | None:
    """Key and secret from `MINERCONSOLE_KEY` / `MINERCONSOLE_SECRET`, when both are set."""
    key, secret = environ.get(ENV_KEY), environ.get(ENV_SECRET)
    if not key or not secret:
        return None
    return Credentials(url=url, key=key, secret=SecretStr(secret))


class Profile(BaseModel):
    """A remote pool the user attaches to by name (`minerconsole --profile NAME`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    """The pool's API address, e.g. `https://pool.example:8443`."""
    key: str
    """The public API key (X-TXC-APIKEY). The secret lives in the secrets file."""
    network: str = "main"
    """The pool's chain, for checking payout addresses as they are typed."""


class ProfileStore:
    """Profiles and their secrets under one config directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.profiles_path = directory / "profiles.json"
        self.secrets_path = directory / "secrets.json"

    def names(self) -> list[str]:
        """Every profile name, sorted."""
        return sorted(self._profiles())

    def get(self, name: str) -> Profile:
        """The named profile; ProfileError when there is none."""
        profiles = self._profiles()
        if name not in profiles:
            raise ProfileError(f"no profile named {name!r} (minerconsole profile add {name} ...)")
        return profiles[name]

    def credentials(self, name: str) -> Credentials:
        """The named profile with its secret."""
        profile = self.get(name)
        secret = self._secrets().get(name)
        if not secret:
            raise ProfileError(f"profile {name!r} has no secret in {self.secrets_path}")
        return Credentials(
            url=profile.url, key=profile.key, secret=SecretStr(secret), network=profile.network
        )

    def save(self, name: str, profile: Profile, secret: str) -> None:
        """Add or replace a profile and its secret."""
        profiles = {n: p.model_dump() for n, p in self._profiles().items()}
        profiles[name] = profile.model_dump()
        secrets = self._secrets()
        secrets[name] = secret
        self._write(self.profiles_path, {"profiles": profiles}, 0o644)
        self._write(self.secrets_path, secrets, 0o600)

    def remove(self, name: str) -> None:
        """Forget a profile and its secret."""
        profiles = {n: p.model_dump() for n, p in self._profiles().items() if n != name}
        secrets = {n: s for n, s in self._secrets().items() if n != name}
        self._write(self.profiles_path, {"profiles": profiles}, 0o644)
        self._write(self.secrets_path, secrets, 0o600)

    def _profiles(self) -> dict[str, Profile]:
        try:
            data = json.loads(self.profiles_path.read_text())
            return {n: Profile.model_validate(p) for n, p in data.get("profiles", {}).items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, AttributeError) as exc:
            raise ProfileError(f"{self.profiles_path} is unreadable: {exc}") from None

    def _secrets(self) -> dict[str, str]:
        path = self.secrets_path
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            return {}
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ProfileError(
                f"{path} can be read by other users (mode {stat.S_IMODE(mode):o}); "
                f"run: chmod 600 {path}"
            )
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ProfileError(f"{path} is unreadable: {exc}") from None
        if not isinstance(data, dict):
            raise ProfileError(f"{path} is not a JSON object")
        return {str(k): str(v) for k, v in data.items()}

    def _write(self, path: Path, data: object, mode: int) -> None:
        """Write atomically, the file created with `mode` from the start (never briefly 0644)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        try:
            os.fchmod(fd, mode)
            os.write(fd, json.dumps(data, indent=2, sort_keys=True).encode())
        finally:
            os.close(fd)
        os.replace(temporary, path)
