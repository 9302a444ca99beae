"""Payout addresses per network, rejection reasons, encoding back (stratum reference §6, §8.7)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin.address import (
    MAX_ADDRESS_LENGTH,
    AddressError,
    base58check_encode,
    decode_address,
    p2wpkh_address,
    script_to_address,
    segwit_address,
)
from backend.bitcoin.base58 import ALPHABET
from backend.bitcoin.bech32 import Bech32Variant, bech32_encode
from backend.bitcoin.network import MAINNET, NETWORKS, REGTEST, SIGNET, TESTNET, Network

TEST_NETWORKS = (TESTNET, SIGNET, REGTEST)

# Stratum reference §8.7: Core's key_io_valid.json and BIP 350's valid list, with every network
# on which the address must be accepted.
VALID = [
    (
        "1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo",
        "76a914a31c06bd463e3923bc1aadbde48b16976c08071788ac",
        (MAINNET,),
    ),
    (
        "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm",
        "a914373b819a068f32b7a6b38b6b38729647cfde01c287",
        (MAINNET,),
    ),
    (
        "n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ",
        "76a914fdeca3b08e38af53d7c4c60e3ad208ce5066441088ac",
        TEST_NETWORKS,
    ),
    (
        "2MxFajLApXpYk4VodBSZSt7rw8y4ryABkfA",
        "a91436e9f191e0b75036a77f65e2eaa4752443233fbe87",
        TEST_NETWORKS,
    ),
    (
        "bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv",
        "00146100fc6343edc8c874496cb2f5bbfec88ea9b77c",
        (MAINNET,),
    ),
    (
        "bc1p83n3au0rjylefxq2nc2xh2y4jzz4pm6zxj4mw5pagdjjr2a9f36s6jjnnu",
        "51203c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75",
        (MAINNET,),
    ),
    (
        "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9",
        "00146f58bac9506f9bfb821d62e69330410bb56f0085",
        (REGTEST,),
    ),
    (
        "bcrt1qan8gntac7z7me2ejt4hpru42ad2f759fmy0m3ejvs98656znv7eqga4uhv",
        "0020ecce89afb8f0bdbcab325d6e11f2aaeb549f50a9d91fb8e64c814faa685367b2",
        (REGTEST,),
    ),
    (
        "bcrt1pfwxjqvtt4tcxrtdluukfmy2dv7xd2qzdfy6kajv5nwn4yam3wxkq3553uh",
        "51204b8d20316baaf061adbfe72c9d914d678cd5004d49356ec9949ba752777171ac",
        (REGTEST,),
    ),
    (
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac",
        (MAINNET,),
    ),
    (
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "0014751e76e8199196d454941c45d1b3a323f1433bd6",
        (MAINNET,),
    ),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
        "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
        (TESTNET, SIGNET),
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
        (MAINNET,),
    ),
    (
        "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
        "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
        (TESTNET, SIGNET),
    ),
    (
        "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
        "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433",
        (TESTNET, SIGNET),
    ),
]


def _cases_on(kind: str) -> list[tuple[str, str, Network]]:
    cases = []
    for address, script, accepted in VALID:
        for network in NETWORKS:
            if (network in accepted) == (kind == "accepted"):
                cases.append((address, script, network))
    return cases


def _reason(text: object, network: Network) -> str:
    with pytest.raises(AddressError) as info:
        decode_address(text, network)  # type: ignore[arg-type]
    assert str(info.value) == info.value.reason
    return info.value.reason


@pytest.mark.parametrize(("address", "script", "network"), _cases_on("accepted"))
def test_valid_addresses_decode_to_their_script(
    address: str, script: str, network: Network
) -> None:
    assert decode_address(address, network).hex() == script


@pytest.mark.parametrize(("address", "script", "network"), _cases_on("rejected"))
def test_valid_addresses_are_rejected_on_other_networks(
    address: str, script: str, network: Network
) -> None:
    assert _reason(address, network).startswith("address is for ")


@pytest.mark.parametrize(("address", "script", "network"), _cases_on("accepted"))
def test_script_to_address_inverts_decode(address: str, script: str, network: Network) -> None:
    # Encoders write bech32 in lower case; base58 is case-sensitive and comes back verbatim.
    is_bech32 = address.lower().startswith(("bc1", "tb1", "bcrt1"))
    expected = address.lower() if is_bech32 else address
    assert script_to_address(bytes.fromhex(script), network) == expected


def test_network_mismatch_reasons() -> None:
    tb1 = "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"
    assert _reason(tb1, REGTEST) == "address is for testnet or signet, pool runs on regtest"
    assert _reason(tb1, MAINNET) == "address is for testnet or signet, pool runs on mainnet"
    bcrt1 = "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9"
    assert _reason(bcrt1, TESTNET) == "address is for regtest, pool runs on testnet"
    assert _reason(bcrt1, SIGNET) == "address is for regtest, pool runs on signet"
    bc1 = "bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv"
    assert _reason(bc1, REGTEST) == "address is for mainnet, pool runs on regtest"
    assert _reason("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", REGTEST) == (
        "address is for mainnet, pool runs on regtest"
    )
    assert _reason("n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ", MAINNET) == (
        "address is for testnet, signet or regtest, pool runs on mainnet"
    )


# Stratum reference §8.7 and BIP 350: format-valid segwit addresses that are not a payout.
@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (
            "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
            "witness v1 program must be 32 bytes (P2TR)",
        ),
        ("BC1SW50QGDZ25J", "witness v16 addresses are not accepted: no spending rules exist yet"),
        (
            "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
            "witness v2 addresses are not accepted: no spending rules exist yet",
        ),
    ],
)
def test_unsupported_witness_programs(address: str, reason: str) -> None:
    assert _reason(address, MAINNET) == reason


# BIP 350's invalid list (stratum reference §8.7) and BIP 173's, each tried on the network its
# prefix belongs to, so the rejection is about the format and not the network.
INVALID = [
    (
        "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut",
        TESTNET,
        'unknown address prefix "tc1"',
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
        MAINNET,
        "witness v1 address must use a Bech32m checksum, not Bech32",
    ),
    (
        "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf",
        TESTNET,
        "witness v2 address must use a Bech32m checksum, not Bech32",
    ),
    (
        "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",
        MAINNET,
        "witness v16 address must use a Bech32m checksum, not Bech32",
    ),
    (
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
        MAINNET,
        "witness v0 address must use a Bech32 checksum, not Bech32m",
    ),
    (
        "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47",
        TESTNET,
        "witness v0 address must use a Bech32 checksum, not Bech32m",
    ),
    (
        "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4",
        MAINNET,
        "invalid bech32 character 'o'",
    ),
    (
        "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R",
        MAINNET,
        "witness version must be 0 to 16",
    ),
    ("bc1pw5dgrnzv", MAINNET, "witness program must be 2 to 40 bytes"),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
        MAINNET,
        "witness program must be 2 to 40 bytes",
    ),
    ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", MAINNET, "witness v0 program must be 20 or 32 bytes"),
    (
        "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
        TESTNET,
        "address mixes upper and lower case",
    ),
    (
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf",
        MAINNET,
        "more than 4 padding bits",
    ),
    (
        "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j",
        TESTNET,
        "non-zero padding bits",
    ),
    ("bc1gmk9yu", MAINNET, "empty data section"),
    ("tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", TESTNET, 'unknown address prefix "tc1"'),
    ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", MAINNET, "bad checksum"),
    ("BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", MAINNET, "witness version must be 0 to 16"),
    ("bc1rw5uspcuh", MAINNET, "witness v3 address must use a Bech32m checksum, not Bech32"),
    (
        "bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
        MAINNET,
        "witness v15 address must use a Bech32m checksum, not Bech32",
    ),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7",
        TESTNET,
        "address mixes upper and lower case",
    ),
    (
        "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",
        MAINNET,
        "witness v2 address must use a Bech32m checksum, not Bech32",
    ),
    (
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv",
        TESTNET,
        "non-zero padding bits",
    ),
]


@pytest.mark.parametrize(("address", "network", "reason"), INVALID)
def test_invalid_addresses(address: str, network: Network, reason: str) -> None:
    assert _reason(address, network) == reason


@pytest.mark.parametrize(
    ("text", "network", "reason"),
    [
        ("", MAINNET, "address is empty"),
        ("1" * (MAX_ADDRESS_LENGTH + 1), MAINNET, "address is too long"),
        ("bc1q" + "q" * 87, MAINNET, "bech32 address is longer than 90 characters"),
        (" 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", MAINNET, "address contains an invalid character"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa\n", MAINNET, "address contains an invalid character"),
        (
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN\u00e4",
            MAINNET,
            "address contains an invalid character",
        ),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", MAINNET, "bad checksum"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa1", MAINNET, "bad checksum"),
        ("0x1234", MAINNET, "not a Bitcoin address"),
        ("alice.worker1", REGTEST, "not a Bitcoin address"),
        (b"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", MAINNET, "address must be text"),
        (None, MAINNET, "address must be text"),
    ],
)
def test_malformed_input_reasons(text: object, network: Network, reason: str) -> None:
    assert _reason(text, network) == reason


def test_base58_payload_of_the_wrong_length() -> None:
    # A valid Base58Check string whose payload is 21 + 1 bytes.
    text = base58check_encode(bytes(1 + 21))
    assert _reason(text, MAINNET) == "base58 address has the wrong length"
    assert _reason(base58check_encode(b"\x00" + bytes(19)), MAINNET) == (
        "base58 address has the wrong length"
    )


def test_unknown_base58_version() -> None:
    # Version 0x80 is a WIF private key prefix, never an address.
    text = base58check_encode(b"\x80" + bytes(20))
    assert _reason(text, MAINNET) == "unknown address version byte 0x80"


def test_foreign_bech32_made_only_of_base58_symbols() -> None:
    # A well-formed bech32 string under a foreign prefix that uses no 0 or l takes the base58
    # route; the reason must still name the prefix rather than say "bad checksum".
    for filler in range(1, 32):
        candidate = bech32_encode("xyz", [0, *[filler] * 32], Bech32Variant.BECH32)
        if set(candidate) <= set(ALPHABET):
            break
    else:
        pytest.fail("no all-base58 candidate found")
    assert _reason(candidate, MAINNET) == 'unknown address prefix "xyz1"'


def test_p2wpkh_address() -> None:
    pubkey_hash = bytes.fromhex("6f58bac9506f9bfb821d62e69330410bb56f0085")
    assert p2wpkh_address(pubkey_hash, REGTEST) == "bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9"
    with pytest.raises(AddressError, match="20 bytes"):
        p2wpkh_address(pubkey_hash + b"\x00", REGTEST)


def test_segwit_address_encodes_any_bip_valid_program() -> None:
    program = bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6") * 2
    assert segwit_address(MAINNET, 1, program) == (
        "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y"
    )
    with pytest.raises(AddressError, match="20 or 32"):
        segwit_address(MAINNET, 0, bytes(21))


@pytest.mark.parametrize(
    "script",
    [
        "",
        "6a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9",  # OP_RETURN
        "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6",
        "6002751e",  # v16
        "0015" + "00" * 21,  # v0 with a 21-byte program
        "0020" + "00" * 31,  # push length does not match
        "5220" + "00" * 32,  # v2, 32 bytes
        "76a914" + "00" * 20 + "88ad",
        "a914" + "00" * 20 + "88",
        "4104" + "00" * 64 + "ac",  # P2PK
    ],
)
def test_script_to_address_refuses_other_scripts(script: str) -> None:
    assert script_to_address(bytes.fromhex(script), MAINNET) is None


KINDS = {
    "p2pkh": lambda payload: bytes.fromhex("76a914") + payload[:20] + bytes.fromhex("88ac"),
    "p2sh": lambda payload: bytes.fromhex("a914") + payload[:20] + b"\x87",
    "p2wpkh": lambda payload: b"\x00\x14" + payload[:20],
    "p2wsh": lambda payload: b"\x00\x20" + payload,
    "p2tr": lambda payload: b"\x51\x20" + payload,
}


@given(
    st.sampled_from(NETWORKS),
    st.sampled_from(sorted(KINDS)),
    st.binary(min_size=32, max_size=32),
    st.booleans(),
)
def test_encode_decode_round_trip(network: Network, kind: str, payload: bytes, upper: bool) -> None:
    script = KINDS[kind](payload)
    address = script_to_address(script, network)
    assert address is not None
    if upper and kind in ("p2wpkh", "p2wsh", "p2tr"):
        address = address.upper()
    assert decode_address(address, network) == script
