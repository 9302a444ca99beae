"""Payout addresses: strict decoding into output scripts, and encoding back (stratum reference §6).

Only the five standard, spendable output kinds are accepted as a payout: P2PKH, P2SH, P2WPKH,
P2WSH and P2TR. Every rejection raises ``AddressError`` whose ``reason`` is a short sentence fit
to show a miner or an operator.
"""

from backend.bitcoin.base58 import ALPHABET, base58check_decode, base58check_encode
from backend.bitcoin.bech32 import bech32_decode, segwit_decode, segwit_encode
from backend.bitcoin.network import NETWORKS, Network

MAX_ADDRESS_LENGTH = 100
"""Longest input ``decode_address`` will look at; real addresses are at most 90 (bech32) or 35
(base58) characters, so anything longer is rejected before any decoding work."""

HASH160_LENGTH = 20
"""Bytes of the hash inside P2PKH, P2SH and P2WPKH outputs."""

TAPROOT_PROGRAM_LENGTH = 32
"""The only witness v1 program size with defined spending rules (BIP 341, P2TR)."""

_OP_0 = 0x00
_OP_1 = 0x51
_P2PKH_PREFIX = bytes((0x76, 0xA9, 0x14))  # OP_DUP OP_HASH160 push(20)
_P2PKH_SUFFIX = bytes((0x88, 0xAC))  # OP_EQUALVERIFY OP_CHECKSIG
_P2SH_PREFIX = bytes((0xA9, 0x14))  # OP_HASH160 push(20)
_P2SH_SUFFIX = bytes((0x87,))  # OP_EQUAL
_BASE58_SYMBOLS = frozenset(ALPHABET)


class AddressError(ValueError):
    """An address the pool cannot pay to; ``reason`` says why in a short human sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        """Why the address was rejected, e.g. "bad checksum"."""


def _p2pkh_script(pubkey_hash: bytes) -> bytes:
    return _P2PKH_PREFIX + pubkey_hash + _P2PKH_SUFFIX


def _p2sh_script(script_hash: bytes) -> bytes:
    return _P2SH_PREFIX + script_hash + _P2SH_SUFFIX


def _witness_script(version: int, program: bytes) -> bytes:
    opcode = _OP_0 if version == 0 else _OP_1 - 1 + version
    return bytes((opcode, len(program))) + program


def _join_labels(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _wrong_network(owners: list[Network], network: Network) -> AddressError:
    labels = _join_labels([owner.label for owner in owners])
    return AddressError(f"address is for {labels}, pool runs on {network.label}")


def _unknown_prefix(text: str) -> AddressError | None:
    # A well-formed bech32 string with a prefix no Bitcoin network uses (e.g. "tc1…", "ltc1…").
    try:
        hrp, _, _ = bech32_decode(text)
    except ValueError:
        return None
    return AddressError(f'unknown address prefix "{hrp}1"')


def _decode_segwit(text: str, network: Network) -> bytes:
    try:
        hrp, version, program = segwit_decode(text)
    except ValueError as exc:
        raise AddressError(str(exc)) from None
    if hrp != network.bech32_hrp:
        owners = [n for n in NETWORKS if n.bech32_hrp == hrp]
        if owners:
            raise _wrong_network(owners, network)
        raise AddressError(f'unknown address prefix "{hrp}1"')
    if version == 1 and len(program) != TAPROOT_PROGRAM_LENGTH:
        raise AddressError(f"witness v1 program must be {TAPROOT_PROGRAM_LENGTH} bytes (P2TR)")
    if version > 1:
        raise AddressError(
            f"witness v{version} addresses are not accepted: no spending rules exist yet"
        )
    return _witness_script(version, program)


def _decode_base58(text: str, network: Network) -> bytes:
    try:
        payload = base58check_decode(text)
    except ValueError as exc:
        raise _unknown_prefix(text) or AddressError(str(exc)) from None
    if len(payload) != 1 + HASH160_LENGTH:
        raise AddressError("base58 address has the wrong length")
    version, hash_ = payload[0], payload[1:]
    if version == network.p2pkh_version:
        return _p2pkh_script(hash_)
    if version == network.p2sh_version:
        return _p2sh_script(hash_)
    owners = [n for n in NETWORKS if version in (n.p2pkh_version, n.p2sh_version)]
    if owners:
        raise _wrong_network(owners, network)
    raise AddressError(f"unknown address version byte 0x{version:02x}")


def decode_address(text: str, network: Network) -> bytes:
    """Decode a payout address for ``network`` into its output script (scriptPubKey).

    Accepts P2PKH and P2SH (Base58Check with the network's version bytes), P2WPKH and P2WSH
    (Bech32, witness v0) and P2TR (Bech32m, witness v1, 32 bytes), checked exactly per BIP 173
    and BIP 350. testnet, signet and regtest share base58 versions, so an ``m``/``n``/``2``
    address is valid on all three, while bech32 prefixes (bc, tb, bcrt) keep them apart.
    Raises AddressError with a ``reason`` for anything else.
    """
    if not isinstance(text, str):
        raise AddressError("address must be text")
    if not text:
        raise AddressError("address is empty")
    if len(text) > MAX_ADDRESS_LENGTH:
        raise AddressError("address is too long")
    if any(not 33 <= ord(c) <= 126 for c in text):
        raise AddressError("address contains an invalid character")
    lower = text.lower()
    hrps = {n.bech32_hrp for n in NETWORKS} | {network.bech32_hrp}
    if any(lower.startswith(hrp + "1") for hrp in hrps):
        return _decode_segwit(text, network)
    if _BASE58_SYMBOLS.issuperset(text):
        return _decode_base58(text, network)
    raise _unknown_prefix(text) or AddressError("not a Bitcoin address")


def segwit_address(network: Network, version: int, program: bytes) -> str:
    """Encode a witness program as the network's segwit address (Bech32 v0, Bech32m v1+).

    Any program BIP 141/173/350 allow can be encoded, including ones ``decode_address`` refuses
    as payouts (v1 of other lengths, v2..v16). AddressError for a version outside 0..16 or a
    program length those BIPs forbid.
    """
    try:
        return segwit_encode(network.bech32_hrp, version, program)
    except ValueError as exc:
        raise AddressError(str(exc)) from None


def p2wpkh_address(pubkey_hash: bytes, network: Network) -> str:
    """Return the P2WPKH address of a 20-byte HASH160 of a public key on ``network``."""
    if len(pubkey_hash) != HASH160_LENGTH:
        raise AddressError(f"public key hash must be {HASH160_LENGTH} bytes")
    return segwit_address(network, 0, pubkey_hash)


def script_to_address(script: bytes, network: Network) -> str | None:
    """Return the address of an output script of the five accepted kinds, else None.

    The inverse of ``decode_address``: ``decode_address(script_to_address(s, n), n) == s``.
    """
    size = len(script)
    if size == 25 and script.startswith(_P2PKH_PREFIX) and script.endswith(_P2PKH_SUFFIX):
        return base58check_encode(bytes((network.p2pkh_version,)) + script[3:23])
    if size == 23 and script.startswith(_P2SH_PREFIX) and script.endswith(_P2SH_SUFFIX):
        return base58check_encode(bytes((network.p2sh_version,)) + script[2:22])
    if size in (22, 34) and script[0] == _OP_0 and script[1] == size - 2:
        return segwit_address(network, 0, script[2:])
    if size == 34 and script[0] == _OP_1 and script[1] == TAPROOT_PROGRAM_LENGTH:
        return segwit_address(network, 1, script[2:])
    return None
