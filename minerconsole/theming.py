"""Colour themes as data: a TOML or JSON file → `ThemeFile` (pydantic) → Textual `Theme`.

The repository's `themes/` directory ships dark, light and high-contrast themes; users may add
their own in `<config dir>/themes/`. The stylesheet names colours only by role (`$share-accepted`,
`$worker-offline`, ...): `role_defaults` derives every role from a theme's base colours, and a
theme file may set any role explicitly in its `[variables]` table.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from textual.color import Color, ColorParseError
from textual.theme import Theme

THEMES_DIR = Path(__file__).resolve().parent.parent / "themes"
"""The themes that come with the console (top-level `themes/` of the repository)."""

DEFAULT_THEME = "minerconsole-dark"
"""The theme used until the user picks another one."""

ROLES = (
    "share-accepted",
    "share-rejected",
    "share-stale",
    "block-found",
    "worker-offline",
    "worker-low",
)
"""Theme variables with a meaning in the console, usable in .tcss as `$<role>`."""

_ROLE_SOURCE = {
    "share-accepted": "success",
    "share-rejected": "error",
    "share-stale": "warning",
    "block-found": "accent",
    "worker-offline": "error",
    "worker-low": "warning",
}
"""Which base colour a role falls back to when a theme does not set it."""


class ThemeError(ValueError):
    """A theme file could not be read; the message names the file and the problem."""


class ThemeFile(BaseModel):
    """One theme file. Field names and meanings are those of `textual.theme.Theme`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    """Name shown in the command palette and stored in the preferences."""
    primary: str
    """The main accent (titles, cursor, focused borders)."""
    secondary: str | None = None
    accent: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    dark: bool = True
    """Whether the theme is dark (Textual derives text and shade colours from this)."""
    luminosity_spread: float = Field(default=0.15, ge=0, le=1)
    text_alpha: float = Field(default=0.95, ge=0, le=1)
    variables: dict[str, str] = Field(default_factory=dict)
    """Overrides of theme variables, including the console's roles (`ROLES`)."""

    @field_validator(
        "primary",
        "secondary",
        "accent",
        "warning",
        "error",
        "success",
        "foreground",
        "background",
        "surface",
        "panel",
        "boost",
    )
    @classmethod
    def _colour(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                Color.parse(value)
            except ColorParseError:
                raise ValueError(f"not a colour: {value!r}") from None
        return value

    def to_theme(self) -> Theme:
        """The Textual theme this file describes."""
        return Theme(**self.model_dump())


def load_theme(path: Path) -> Theme:
    """Read one `.toml` or `.json` theme file."""
    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode()) if path.suffix == ".toml" else json.loads(raw)
        return ThemeFile.model_validate(data).to_theme()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ThemeError(f"{path.name}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()
        )
        raise ThemeError(f"{path.name}: {problems}") from None


def load_themes(directories: Iterable[Path]) -> tuple[list[Theme], list[str]]:
    """Every theme file in `directories` (missing directories are skipped), with the problems of
    the files that could not be read: a broken user theme must not stop the console."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.suffix not in {".toml", ".json"}:
                continue
            try:
                theme = load_theme(path)
            except ThemeError as exc:
                problems.append(str(exc))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems


def role_defaults(theme: Theme) -> dict[str, str]:
    """Every role's colour for `theme`: its base colour per `_ROLE_SOURCE` unless the theme sets
    the role itself (Textual lets `theme.variables` win over these defaults)."""
    generated = theme.to_color_system().generate()
    return {role: generated[source] for role, source in _ROLE_SOURCE.items()}


def pick_theme(requested: str | None, available: Iterable[str]) -> tuple[str, str | None]:
    """The theme to start with and, when `requested` is unknown, a sentence saying so."""
    names = set(available)
    if requested is None or requested in names:
        return requested or DEFAULT_THEME, None
    choices = ", ".join(sorted(n for n in names if n.startswith("minerconsole-")))
    return DEFAULT_THEME, f"unknown theme {requested!r}; using {DEFAULT_THEME} (try: {choices})"
