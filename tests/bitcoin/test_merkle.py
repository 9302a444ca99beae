"""Merkle roots and stratum branches (stratum reference §3.5, §8.2, §8.3, §8.4, §8.6)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.bitcoin.hashes import from_display, sha256d
from backend.bitcoin.merkle import fold_branch, merkle_root, stratum_branch

# Stratum reference §8.2: block 100,000.
BLOCK_100000_TXIDS = [
    from_display(txid)
    for txid in (
        "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",  # coinbase
        "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
        "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
        "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d",
    )
]
BLOCK_100000_ROOT = "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766"
BLOCK_100000_BRANCH = [
    "c40297f730dd7b5a99567eb8d27b78758f607507c52292d02d4031895b52f2ff",
    "49aef42d78e3e9999c9e6ec9e1dddd6cb880bf3b076a03be1318ca789089308e",
]


def test_block_100000_root() -> None:
    assert merkle_root(BLOCK_100000_TXIDS) == from_display(BLOCK_100000_ROOT)


def test_block_100000_stratum_branch() -> None:
    branch = stratum_branch(BLOCK_100000_TXIDS[1:])
    assert [node.hex() for node in branch] == BLOCK_100000_BRANCH


def test_block_100000_fold() -> None:
    branch = [bytes.fromhex(node) for node in BLOCK_100000_BRANCH]
    assert fold_branch(BLOCK_100000_TXIDS[0], branch) == from_display(BLOCK_100000_ROOT)


# Stratum reference §8.3 vector A: a real 13-step branch; the root is given in raw order.
VECTOR_A_COINBASE_TXID = "80d95f27e6da652c6070f3b341bbfa9cb5f96d3e363286562df7f4496dee0b7a"
VECTOR_A_BRANCH = [
    "2b77d9e413e8121cd7a17ff46029591051d0922bd90b2b2a38811af1cb57a2b2",
    "5c8874cef00f3a233939516950e160949ef327891c9090467cead995441d22c5",
    "2d91ff8e19ac5fa69a40081f26c5852d366d608b04d2efe0d5b65d111d0d8074",
    "0ae96f609ad2264112a0b2dfb65624bedbcea3b036a59c0173394bba3a74e887",
    "e62172e63973d69574a82828aeb5711fc5ff97946db10fc7ec32830b24df7bde",
    "adb49456453aab49549a9eb46bb26787fb538e0a5f656992275194c04651ec97",
    "a7bc56d04d2672a8683892d6c8d376c73d250a4871fdf6f57019bcc737d6d2c2",
    "d94eceb8182b4f418cd071e93ec2a8993a0898d4c93bc33d9302f60dbbd0ed10",
    "5ad7788b8c66f8f50d332b88a80077ce10e54281ca472b4ed9bbbbcb6cf99083",
    "9f9d784b33df1b3ed3edb4211afc0dc1909af9758c6f8267e469f5148ed04809",
    "48fd17affa76b23e6fb2257df30374da839d6cb264656a82e34b350722b05123",
    "c4f5ab01913fc186d550c1a28f3f3e9ffaca2016b961a6a751f8cca0089df924",
    "cff737e1d00176dd6bbfa73071adbb370f227cfb5fba186562e4060fcec877e1",
]
VECTOR_A_ROOT = "5bdc1968499c3393873edf8e07a1c3a50a97fc3a9d1a376bbf77087dd63778eb"

# Stratum reference §8.4: public-pool's recorded testnet job.
PUBLIC_POOL_COINBASE_TXID = "965f023fa72e099e58f4b1250c2295b52283828959cd368318cfdcbe57df4bec"
PUBLIC_POOL_BRANCH = [
    "175335649d5e8746982969ec88f52e85ac9917106fba5468e699c8879ab974a1",
    "d5644ab3e708c54cd68dc5aedc92b8d3037449687f92ec41ed6e37673d969d4a",
    "5c9ec187517edc0698556cca5ce27e54c96acb014770599ed9df4d4937fbf2b0",
]
PUBLIC_POOL_ROOT = "6b5d684a704b4abe62b2375c5326d1fc1dbb61168aff84e920ba28968bf1075f"


@pytest.mark.parametrize(
    ("coinbase_txid", "branch", "root"),
    [
        (VECTOR_A_COINBASE_TXID, VECTOR_A_BRANCH, VECTOR_A_ROOT),
        (PUBLIC_POOL_COINBASE_TXID, PUBLIC_POOL_BRANCH, PUBLIC_POOL_ROOT),
    ],
)
def test_real_stratum_jobs_fold_to_their_root(
    coinbase_txid: str, branch: list[str], root: str
) -> None:
    nodes = [bytes.fromhex(node) for node in branch]
    assert fold_branch(from_display(coinbase_txid), nodes).hex() == root


def test_empty_branch_root_is_the_coinbase_txid() -> None:
    # Stratum reference §8.6: a block with only the coinbase.
    txid = from_display("87a2106ced7cd27f8dac4a9c32459007df8b8e4f771e795346dc3aaed672f261")
    assert stratum_branch([]) == []
    assert fold_branch(txid, []) == txid
    assert merkle_root([txid]) == txid


def test_odd_level_pairs_the_last_node_with_itself() -> None:
    a, b, c = (sha256d(bytes([i])) for i in range(3))
    assert merkle_root([a, b, c]) == sha256d(sha256d(a + b) + sha256d(c + c))
    assert stratum_branch([b, c]) == [b, sha256d(c + c)]


def test_merkle_root_of_nothing() -> None:
    with pytest.raises(ValueError):
        merkle_root([])


@given(
    st.binary(min_size=32, max_size=32),
    st.lists(st.binary(min_size=32, max_size=32), max_size=40),
)
def test_branch_folds_to_the_full_root(coinbase: bytes, txids: list[bytes]) -> None:
    branch = stratum_branch(txids)
    assert fold_branch(coinbase, branch) == merkle_root([coinbase, *txids])
    # Branch length is ceil(log2(n + 1)) (stratum reference §3.5).
    assert len(branch) == len(txids).bit_length()
