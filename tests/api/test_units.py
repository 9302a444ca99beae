"""The API's building blocks on their own: signing, strict decoding, sealing, limiters, nonces,
time windows and amounts."""

from __future__ import annotations

import asyncio
import base64

import pytest

from backend.api.amounts import btc, terahash_text, trimmed
from backend.api.limits import ApiLimits
from backend.api.nonces import OUT_OF_WINDOW, TOO_MANY, NonceGuard
from backend.api.ratelimit import Budget, FailureWindow, TokenBuckets, retry_after
from backend.api.secretbox import SealError, SecretBox, load_master_key
from backend.api.series import BadWindow, window
from backend.api.signing import decode_payload, parse_json_object, sign


def test_signature_matches_the_reference_vector():
    # whitebit-v4-mining-api.md §3.2, secret `test_secret`.
    body = b'{"request":"/api/v4/mining/accounts","nonce":1709340000000}'
    payload = base64.b64encode(body).decode()
    assert payload == (
        "eyJyZXF1ZXN0IjoiL2FwaS92NC9taW5pbmcvYWNjb3VudHMiLCJub25jZSI6MTcwOTM0MDAwMDAwMH0="
    )
    assert sign(b"test_secret", payload) == (
        "e5396890406dfb88e8486a129d5983f4aa17d1d6526a9a05c867f50f138eb4b391eea2d2f9bb1c595f485fa5"
        "6998efb754445bc0d0e2d3fdb5531441cc16b87c"
    )


@pytest.mark.parametrize(
    "payload",
    [
        "e30=\n",  # trailing newline: b64decode would skip it without validate=True
        "e3 0=",  # embedded space
        "e31=",  # non-canonical padding bits decode to the same bytes
        "e30",  # missing padding
        "e30=é",  # non-ASCII
        "!!!!",
    ],
)
def test_payload_decoding_is_strict_and_canonical(payload):
    assert decode_payload(payload) is None


def test_canonical_payload_decodes():
    assert decode_payload("e30=") == b"{}"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a":1,"a":2}',
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b"[1]",
        b"[" * 100_000 + b"]" * 100_000,
        b"\xff",
        b"",
    ],
)
def test_json_bodies_are_parsed_strictly(raw):
    assert parse_json_object(raw) is None


def test_secret_box_round_trips_and_refuses_tampering():
    box = SecretBox(b"k" * 32)
    sealed = box.seal(b"the secret", b"row-1")
    assert b"the secret" not in base64.b64decode(sealed)
    assert box.open(sealed, b"row-1") == b"the secret"
    with pytest.raises(SealError):
        box.open(sealed, b"row-2")  # moved onto another row
    with pytest.raises(SealError):
        SecretBox(b"j" * 32).open(sealed, b"row-1")  # another master key
    flipped = bytearray(base64.b64decode(sealed))
    flipped[20] ^= 1
    with pytest.raises(SealError):
        box.open(base64.b64encode(bytes(flipped)).decode(), b"row-1")


def test_master_key_file_is_private(tmp_path):
    path = tmp_path / "keys" / "api-secret.key"
    key = load_master_key(path)
    assert len(key) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_master_key(path) == key
    path.chmod(0o644)
    with pytest.raises(PermissionError):
        load_master_key(path)


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_the_budget_then_says_how_long_to_wait():
    clock = Clock()
    buckets = TokenBuckets((Budget(3, 30.0),), 100, clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(10.0)
    assert buckets.take("b") == 0.0  # callers are independent
    clock.now += 10.0
    assert buckets.take("a") == 0.0
    assert retry_after(0.2) == "1" and retry_after(10.01) == "11"


def test_two_budgets_both_apply():
    clock = Clock()
    buckets = TokenBuckets((Budget(5, 60.0), Budget(6, 3600.0)), 100, clock)
    assert all(buckets.take("t") == 0.0 for _ in range(5))
    assert buckets.take("t") > 0  # the minute budget
    clock.now += 60.0
    assert buckets.take("t") == 0.0
    assert buckets.take("t") > 60.0  # now the hour budget is the one spent


def test_limiter_state_is_bounded():
    clock = Clock()
    buckets = TokenBuckets((Budget(1, 10.0),), 50, clock)
    failures = FailureWindow(1, 10.0, 50, clock)
    for caller in range(10_000):
        buckets.take(caller)
        failures.fail(caller)
    assert len(buckets) == 50 and len(failures) == 50


def test_failure_window_slides():
    clock = Clock()
    failures = FailureWindow(3, 10.0, 100, clock)
    for _ in range(3):
        assert failures.blocked("ip") == 0.0
        failures.fail("ip")
        clock.now += 1.0
    assert failures.blocked("ip") == pytest.approx(7.0)
    clock.now += 7.5
    assert failures.blocked("ip") == 0.0


class NonceStore:
    def __init__(self) -> None:
        self.written: list[list[tuple[str, int]]] = []

    def advance_nonces(self, nonces):
        self.written.append(list(nonces))


async def test_counter_nonces_increase_and_are_written_in_groups():
    store = NonceStore()
    guard = NonceGuard(store, ApiLimits(), lambda: 0)
    assert guard.check("k", 0, 5, False) is None
    assert guard.check("k", 0, 5, False) == TOO_MANY
    assert guard.check("k", 0, 4, False) == TOO_MANY
    assert guard.check("k", 10, 6, False) == TOO_MANY  # the store knows a higher one
    assert guard.check("k", 10, 11, False) is None
    await asyncio.gather(guard.durable(), guard.durable())
    assert store.written == [[("k", 11)]]


async def test_window_nonces_must_be_near_now_and_unique():
    clock = Clock(1_000_000.0)
    guard = NonceGuard(NonceStore(), ApiLimits(), lambda: int(clock() * 1000))
    now_ms = 1_000_000_000
    assert guard.check("k", 0, now_ms + 4000, True) is None
    assert guard.check("k", 0, now_ms + 4000, True) == TOO_MANY
    assert guard.check("other", 0, now_ms + 4000, True) is None
    assert guard.check("k", 0, now_ms - 5001, True) == OUT_OF_WINDOW
    clock.now += 20.0
    assert guard.remembered == 2
    assert guard.check("k", 0, now_ms + 20_000, True) is None
    assert guard.remembered == 1  # the old ones aged out of the cache


def test_window_cache_is_bounded():
    limits = ApiLimits().replace(nonce_cache_entries=3)
    guard = NonceGuard(NonceStore(), limits, lambda: 1_000_000)
    assert [guard.check("k", 0, 1_000_000 + i, True) for i in range(4)] == [
        None,
        None,
        None,
        TOO_MANY,
    ]


def test_series_window_rules():
    now = 1_733_011_234
    default = window(None, None, "1h", now)
    assert len(default.starts) == 14 and default.starts[-1] == now - now % 3600
    assert window(None, now + 100, "5m", now).until == now - now % 300 + 300  # skew tolerated
    with pytest.raises(BadWindow):
        window(None, now + 3600, "1h", now)
    with pytest.raises(BadWindow):
        window(now - 10, now - 20, "1h", now)
    with pytest.raises(BadWindow):
        window(now - 4 * 86400, now, "5m", now)
    assert len(window(now - 3 * 86400, now, "5m", now).starts) == 865


def test_amounts():
    assert btc(100_000) == "0.00100000"
    assert btc(-5) == "-0.00000005"
    assert btc(2_100_000_000_000_000) == "21000000.00000000"
    with pytest.raises(TypeError):
        btc(1.5)  # type: ignore[arg-type]
    assert terahash_text(110.4e12) == "110.4"
    assert terahash_text(60_000) == "0.00000006"
    assert trimmed(0.0, 4) == "0"
