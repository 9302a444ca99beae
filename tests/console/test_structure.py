"""The console's import rules (DESIGN.md): from backend only the wire contract and the address
and network code; widgets never reach the client; only client.py speaks HTTP; and every module
stays small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "minerconsole"
MODULES = sorted(PACKAGE.rglob("*.py"))
ALLOWED_BACKEND = {"backend.api.schemas", "backend.bitcoin.address", "backend.bitcoin.network"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_follows_the_import_rules(path):
    names = imports(path)
    for name in names:
        if name.split(".")[0] == "backend":
            assert name in ALLOWED_BACKEND, f"{path.name} imports {name}"
    if path.name != "client.py":
        assert not {n for n in names if n.split(".")[0] in {"httpx", "http", "urllib3"}}
    if path.parent.name == "widgets":
        assert not {"minerconsole.client", "minerconsole.api", "minerconsole.live"} & names
    if path.name == "app.py":
        assert not {"httpx", "subprocess", "minerconsole.client"} & names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_small_and_documented(path):
    source = path.read_text()
    assert len(source.splitlines()) <= 400
    assert ast.get_docstring(ast.parse(source)), f"{path.name} has no module docstring"
