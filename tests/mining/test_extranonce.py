"""Extranonce1 allocation: counter order, instance prefix, uniqueness under churn."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.mining.extranonce import ExtranonceAllocator


def test_values_come_from_a_counter() -> None:
    allocator = ExtranonceAllocator()
    assert [allocator.allocate().hex() for _ in range(3)] == ["00000000", "00000001", "00000002"]
    assert allocator.live == 3
    assert allocator.size == 4


def test_high_bits_carry_the_instance_id() -> None:
    allocator = ExtranonceAllocator(size=4, instance_id=0xAB, instance_bits=8)
    assert allocator.allocate().hex() == "ab000000"
    assert allocator.allocate().hex() == "ab000001"
    narrow = ExtranonceAllocator(size=2, instance_id=1, instance_bits=1)
    assert narrow.allocate().hex() == "8000"


def test_released_values_are_reused_only_after_the_counter_wraps() -> None:
    allocator = ExtranonceAllocator(size=1, instance_bits=6)  # 4 counter values
    first = allocator.allocate()
    allocator.release(first)
    assert [allocator.allocate().hex() for _ in range(3)] == ["01", "02", "03"]
    assert allocator.allocate() == first  # wrapped: 00 is free again


def test_wrap_skips_live_values_and_exhaustion_is_an_error() -> None:
    allocator = ExtranonceAllocator(size=1, instance_bits=6)
    values = [allocator.allocate() for _ in range(4)]
    with pytest.raises(RuntimeError, match="exhausted"):
        allocator.allocate()
    allocator.release(values[2])
    assert allocator.allocate() == values[2]


def test_release_is_idempotent_but_checks_origin() -> None:
    allocator = ExtranonceAllocator(size=4, instance_id=1)
    value = allocator.allocate()
    allocator.release(value)
    allocator.release(value)
    assert allocator.live == 0
    with pytest.raises(ValueError, match="instance"):
        allocator.release(bytes.fromhex("02000000"))
    with pytest.raises(ValueError, match="bytes"):
        allocator.release(b"\x01\x00")


@pytest.mark.parametrize(
    ("size", "instance_id", "instance_bits"),
    [(0, 0, 0), (1, 0, 8), (4, 256, 8), (4, -1, 8), (4, 0, -1)],
)
def test_bad_layouts_are_refused(size: int, instance_id: int, instance_bits: int) -> None:
    with pytest.raises(ValueError):
        ExtranonceAllocator(size=size, instance_id=instance_id, instance_bits=instance_bits)


def test_unique_under_heavy_churn() -> None:
    rng = random.Random(5)
    allocator = ExtranonceAllocator(size=2, instance_id=3, instance_bits=6)  # 1024 values
    live: set[bytes] = set()
    for _ in range(50_000):
        if live and (len(live) >= 1000 or rng.random() < 0.45):
            value = rng.choice(sorted(live))
            allocator.release(value)
            live.remove(value)
        else:
            value = allocator.allocate()
            assert value not in live
            assert value[0] >> 2 == 3
            live.add(value)
        assert allocator.live == len(live)


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=40)), max_size=200))
def test_never_hands_out_a_live_value(ops: list[int | None]) -> None:
    """None allocates; an int releases the live value at that index (modulo), if any."""
    allocator = ExtranonceAllocator(size=1, instance_bits=3)  # 32 values
    live: list[bytes] = []
    for op in ops:
        if op is None:
            if len(live) == 32:
                with pytest.raises(RuntimeError):
                    allocator.allocate()
                continue
            value = allocator.allocate()
            assert value not in live
            live.append(value)
        elif live:
            allocator.release(live.pop(op % len(live)))
        assert allocator.live == len(live)
