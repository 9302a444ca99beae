"""The pure-Python RIPEMD-160 fallback against the algorithm's published and padding vectors."""

import pytest

from backend.bitcoin.ripemd160 import ripemd160

# The test vectors published with RIPEMD-160 (Dobbertin, Bosselaers, Preneel).
PUBLISHED = [
    (b"", "9c1185a5c5e9fc54612808977ee8f548b2258d31"),
    (b"a", "0bdc9d2d256b3ee9daae347be6f4dc835a467ffe"),
    (b"abc", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"),
    (b"message digest", "5d0689ef49d2fae572b881b123a85ffa21595f36"),
    (b"abcdefghijklmnopqrstuvwxyz", "f71c27109c692c1b56bbdceb5b9d2865b3708dbc"),
    (
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "12a053384a9c0c88e405a06c27dcf49ada62eb2b",
    ),
    (
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "b0e20b6e3116640286ed3a87a5713079b21f5189",
    ),
    (b"1234567890" * 8, "9b752e45573d4b39f4dbd3323cab82bf63326bfb"),
]

# Zero-filled messages around the 55/56/64-byte padding boundaries (values from OpenSSL).
PADDING_BOUNDARIES = [
    (55, "e323d78db60afc7404def79abb82b8fb73591037"),
    (56, "7724d7cdbbe24a75a58958d784e3a325ce0e9c7c"),
    (63, "898ce0102e6090a253edde87bd6e025b7a6dad70"),
    (64, "9b8ccc2f374ae313a914763cc9cdfb47bfe1c229"),
    (119, "acca99d26afd854a971929871b6632a28eceeb27"),
    (120, "0adadc9282e710827d41f349b3e688efbc6c6512"),
]


@pytest.mark.parametrize(("message", "digest"), PUBLISHED)
def test_published_vectors(message: bytes, digest: str) -> None:
    assert ripemd160(message).hex() == digest


@pytest.mark.parametrize(("length", "digest"), PADDING_BOUNDARIES)
def test_padding_boundaries(length: int, digest: str) -> None:
    assert ripemd160(bytes(length)).hex() == digest


def test_accepts_bytearray_and_memoryview() -> None:
    assert ripemd160(bytearray(b"abc")) == ripemd160(memoryview(b"abc")) == ripemd160(b"abc")
