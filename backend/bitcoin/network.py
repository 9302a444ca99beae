"""The address parameters of each Bitcoin network the pool can run on (stratum reference §3.8)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Network:
    """Address parameters of one chain.

    ``name`` follows the ``chain`` field of Core's ``getblockchaininfo``: main, test, signet,
    regtest. testnet, signet and regtest share base58 versions; only the bech32 HRP tells
    regtest apart.
    """

    name: str
    bech32_hrp: str
    p2pkh_version: int
    p2sh_version: int

    @property
    def label(self) -> str:
        """The name people use in sentences: "mainnet", "testnet", "signet", "regtest"."""
        return _LABELS.get(self.name, self.name)


_LABELS = {"main": "mainnet", "test": "testnet"}

MAINNET = Network("main", "bc", 0x00, 0x05)
"""Bitcoin mainnet: ``bc1…``, ``1…``, ``3…``."""

TESTNET = Network("test", "tb", 0x6F, 0xC4)
"""testnet3/testnet4: ``tb1…``, ``m…``/``n…``, ``2…``."""

SIGNET = Network("signet", "tb", 0x6F, 0xC4)
"""Default signet: same address parameters as testnet."""

REGTEST = Network("regtest", "bcrt", 0x6F, 0xC4)
"""Local regression-test chain (and the embedded chain): ``bcrt1…``, ``m…``/``n…``, ``2…``."""

NETWORKS: tuple[Network, ...] = (MAINNET, TESTNET, SIGNET, REGTEST)
"""Every known network, in the order of the table in stratum reference §3.8."""


def network_by_name(name: str) -> Network:
    """Return the network for a Core chain name (main, test, signet, regtest).

    ValueError for any other name (e.g. "mainnet": the names are Core's, not the labels).
    """
    for network in NETWORKS:
        if network.name == name:
            return network
    known = ", ".join(n.name for n in NETWORKS)
    raise ValueError(f"unknown network {name!r} (expected one of: {known})")
