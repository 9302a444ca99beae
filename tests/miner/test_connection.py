"""Pool URLs and the shapes of stratum errors."""

import pytest

from backend.miner.connection import PoolAddress, error_text


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("stratum+tcp://127.0.0.1:3333", "127.0.0.1", 3333),
        ("stratum+tcp://pool.example:1", "pool.example", 1),
        ("stratum+tcp://[::1]:3333", "::1", 3333),
    ],
)
def test_good_urls(url: str, host: str, port: int) -> None:
    address = PoolAddress.parse(url)
    assert (address.host, address.port) == (host, port)
    assert str(address) == url


@pytest.mark.parametrize(
    "url",
    [
        "tcp://127.0.0.1:3333",
        "stratum+ssl://127.0.0.1:3333",
        "stratum+tcp://127.0.0.1",
        "stratum+tcp://:3333",
        "stratum+tcp://127.0.0.1:99999",
        "stratum+tcp://127.0.0.1:3333/path",
        "127.0.0.1:3333",
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(ValueError):
        PoolAddress.parse(url)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ([23, "Low difficulty share", None], ("Low difficulty share", 23)),
        ([21, "Stale", ""], ("Stale", 21)),
        ({"code": 22, "message": "Duplicate share", "data": None}, ("Duplicate share", 22)),
        ("Worker mismatch", ("Worker mismatch", None)),
        (None, ("fallback", None)),
        ([], ("fallback", None)),
        ([True, None], ("fallback", None)),
    ],
)
def test_error_shapes(error: object, expected: tuple[str, int | None]) -> None:
    assert error_text(error, "fallback") == expected
