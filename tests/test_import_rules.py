"""The import rules of DESIGN.md, checked on the source text of every module."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_FORBIDDEN = {
    "asyncio",
    "socket",
    "sqlite3",
    "psycopg",
    "httpx",
    "starlette",
    "fastapi",
    "uvicorn",
    "selectors",
    "subprocess",
    "urllib",
    "http",
    "ssl",
    "uvloop",
    "multiprocessing",
    "threading",
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("backend"), ids=lambda p: str(p.relative_to(ROOT)))
def test_backend_never_imports_textual_or_console(path):
    for name in imported_roots(path):
        assert name.split(".")[0] not in {"textual", "minerconsole"}, name


@pytest.mark.parametrize(
    "path",
    modules("backend/bitcoin") + modules("backend/mining"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_pure_rooms_do_no_io(path):
    for name in imported_roots(path):
        assert name.split(".")[0] not in PURE_FORBIDDEN, f"{path.name} imports {name}"
        assert not name.startswith(
            ("backend.chain", "backend.stratum", "backend.store", "backend.api")
        ), f"{path.name} imports {name}"
