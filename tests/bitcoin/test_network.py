"""Network parameters (stratum reference §3.8)."""

import dataclasses

import pytest

from backend.bitcoin.network import (
    MAINNET,
    NETWORKS,
    REGTEST,
    SIGNET,
    TESTNET,
    Network,
    network_by_name,
)


@pytest.mark.parametrize(
    ("network", "name", "hrp", "p2pkh", "p2sh", "label"),
    [
        (MAINNET, "main", "bc", 0x00, 0x05, "mainnet"),
        (TESTNET, "test", "tb", 0x6F, 0xC4, "testnet"),
        (SIGNET, "signet", "tb", 0x6F, 0xC4, "signet"),
        (REGTEST, "regtest", "bcrt", 0x6F, 0xC4, "regtest"),
    ],
)
def test_parameters(
    network: Network, name: str, hrp: str, p2pkh: int, p2sh: int, label: str
) -> None:
    assert (network.name, network.bech32_hrp) == (name, hrp)
    assert (network.p2pkh_version, network.p2sh_version) == (p2pkh, p2sh)
    assert network.label == label
    assert network_by_name(name) is network


def test_networks_lists_all_four() -> None:
    assert NETWORKS == (MAINNET, TESTNET, SIGNET, REGTEST)


@pytest.mark.parametrize("name", ["mainnet", "testnet", "Main", "", "testnet4 "])
def test_unknown_name(name: str) -> None:
    with pytest.raises(ValueError, match="unknown network"):
        network_by_name(name)


def test_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        MAINNET.name = "x"  # type: ignore[misc]
