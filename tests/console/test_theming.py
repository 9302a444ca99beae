"""Themes as data, role variables, the stylesheet's colour rule, NO_COLOR."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minerconsole.preferences import PreferencesStore
from minerconsole.theming import (
    ROLES,
    THEMES_DIR,
    ThemeError,
    load_theme,
    load_themes,
    pick_theme,
    role_defaults,
)

from .harness import canned_pool, console, prime, screen_text

STYLESHEET = Path(__file__).resolve().parents[2] / "minerconsole" / "app.tcss"


def test_shipped_themes_load_with_every_role():
    themes, problems = load_themes([THEMES_DIR])
    names = {theme.name for theme in themes}
    assert problems == []
    assert {"minerconsole-dark", "minerconsole-light", "minerconsole-high-contrast"} <= names
    for theme in themes:
        assert set(ROLES) <= set(theme.variables)


def test_a_broken_theme_is_reported_not_fatal(tmp_path):
    (tmp_path / "bad.toml").write_text('name = "bad"\nprimary = "not-a-colour"\n')
    (tmp_path / "worse.json").write_text("{")
    (tmp_path / "ok.json").write_text('{"name": "mine", "primary": "#336699"}')
    themes, problems = load_themes([tmp_path])
    assert [t.name for t in themes] == ["mine"]
    assert len(problems) == 2 and "not a colour" in " ".join(problems)
    with pytest.raises(ThemeError):
        load_theme(tmp_path / "bad.toml")


def test_roles_fall_back_to_the_base_colours():
    theme = load_theme(THEMES_DIR / "dark.toml")
    defaults = role_defaults(theme)
    assert set(defaults) == set(ROLES)


def test_unknown_theme_name_falls_back_with_a_sentence():
    name, problem = pick_theme("neon", ["minerconsole-dark", "minerconsole-light"])
    assert name == "minerconsole-dark"
    assert "unknown theme 'neon'" in problem and "minerconsole-light" in problem


def test_stylesheet_has_no_colour_literals():
    text = STYLESHEET.read_text()
    assert not re.search(r"#[0-9a-fA-F]{3,8}\b", text)
    assert not re.search(r"\b(rgb|hsl)a?\(", text)
    for role in ROLES:
        assert f"${role}" in text


async def test_no_color_is_respected(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = console(canned_pool())
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await prime(pilot)
        assert "alice_farm" in screen_text(app)
        for strip in app.screen._compositor.render_strips():
            for segment in app._filters[-1].apply(list(strip), app.current_theme):
                style = segment.style
                for colour in (style.color, style.bgcolor) if style else ():
                    if colour is not None and colour.triplet is not None:
                        red, green, blue = colour.triplet
                        assert red == green == blue


async def test_theme_from_preferences_is_used(tmp_path):
    store = PreferencesStore(tmp_path / "preferences.json")
    store.set_theme("minerconsole-high-contrast")
    app = console(canned_pool(), theme=None, preferences=PreferencesStore(store.path))
    assert app.theme == "minerconsole-high-contrast"
