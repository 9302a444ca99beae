"""Determinism for the console tests: isolated config and data directories, no theme or colour
from the environment, no cursor blink."""

from __future__ import annotations

import pytest
from textual.widgets import Input


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """Nothing from the developer's machine leaks in: config, data dir, theme, colour."""
    monkeypatch.setenv("MINERCONSOLE_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("MINERPOOL_DATA_DIR", str(tmp_path / "pool"))
    monkeypatch.delenv("TEXTUAL_THEME", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(autouse=True)
def no_blink(monkeypatch):
    """Inputs never blink, so a screenshot never catches the cursor half-way."""
    mount = Input._on_mount

    def steady(self, event):
        self.cursor_blink = False
        mount(self, event)

    monkeypatch.setattr(Input, "_on_mount", steady)
