"""Test vectors from stratum reference §8 and helpers that turn them into jobs."""

from __future__ import annotations

from backend.bitcoin.hashes import from_display
from backend.mining.jobs import Job
from backend.mining.template import BlockTemplate

# §8.6 end-to-end regtest job → share → block.
REGTEST_GENESIS = from_display("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")
REGTEST_GENESIS_TIME = 1296688602
E2E_PAYOUT = bytes.fromhex("00146f58bac9506f9bfb821d62e69330410bb56f0085")
E2E_TAG = b"/test/"
EMPTY_COMMITMENT = bytes.fromhex(
    "6a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd836974e8cf9"
)
E2E_TIME = 1700000000
E2E_EXTRANONCE1 = bytes.fromhex("11223344")
E2E_PREVHASH_NOTIFY = "466e2206590b1a116012afcabf5beb433a4fc3281f2a335e3cb7b2c70f9188f1"
E2E_COINB1 = (
    "02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff115108"
)
E2E_COINB2 = (
    "062f746573742fffffffff0200f2052a010000001600146f58bac9506f9bfb821d62e69330410bb56f0085"
    "0000000000000000266a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c690689799962b48bebd8369"
    "74e8cf900000000"
)
E2E_TXID = "87a2106ced7cd27f8dac4a9c32459007df8b8e4f771e795346dc3aaed672f261"
E2E_WTXID = "db820c01cd7aa47c174cac05ac3ba443b15d826d903d2ede3f9b0ab8e4da8d4f"
E2E_HEADER = (
    "0000002006226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f61f272d6ae3adc46"
    "53791e774f8e8bdf079045329c4aac8d7fd27ced6c10a28700f15365ffff7f2000000000"
)
E2E_HASH = "24f81c5fe7889f8817fa96d7dd4b3a033cc90aa97449b9ffb6df920a5f295c7f"
E2E_SHARE_DIFFICULTY = 1.6122545997632697e-09
E2E_BLOCK = (
    E2E_HEADER + "01"
    "020000000001010000000000000000000000000000000000000000000000000000000000000000ffffffff11"
    "51081122334400000000062f746573742fffffffff0200f2052a010000001600146f58bac9506f9bfb821d62"
    "e69330410bb56f00850000000000000000266a24aa21a9ede2f61c3f71d1defd3fa999dfa36953755c69068"
    "9799962b48bebd836974e8cf901200000000000000000000000000000000000000000000000000000000000"
    "00000000000000"
)

# §8.3 vector A: a real Braiins mainnet job with a 13-entry branch (ESP-Miner unit tests).
A_NOTIFY = [
    "a",
    "0c859545a3498373a57452fac22eb7113df2a465000543520000000000000000",
    "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4b0389"
    "130cfabe6d6d5cbab26a2599e92916edec5657a94a0708ddb970f5c45b5d12905085617eff8e",
    "31650707758de07b010000000000001cfd7038212f736c7573682f000000000379ad0c2a000000001976a914"
    "7c154ed1dc59609e3d26abb2df2ea3d587cd8c4188ac00000000000000002c6a4c2952534b424c4f434b3ae7"
    "25d3994b811572c1f345deb98b56b465ef8e153ecbbd27fa37bf1b005161380000000000000000266a24aa21"
    "a9ed63b06a7946b190a3fda1d76165b25c9b883bcc6621b040773050ee2a1bb18f1800000000",
    [
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
    ],
    "20000004",
    "1705ae3a",
    "647025b5",
    False,
]
A_HEIGHT = 0x0C1389  # the BIP34 push at the start of coinb1's scriptSig
A_EXTRANONCE1 = bytes.fromhex("01000000")
A_SUBMIT = ["worker", "a", "00000000", "647025b5", "0a029ed1"]
A_HASH = "00000000005fe144efbc66241c0094b8fdc2702b7729226fdfed70ca8094c0b5"
A_SHARE_DIFFICULTY = 683.5109367312982

# §8.4: a version-rolled Bitaxe share on testnet (public-pool recording).
B_NOTIFY = [
    "1",
    "171592f223740e92d223f6e68bff25279af7ac4f2246451e0000000200000000",
    "02000000010000000000000000000000000000000000000000000000000000000000000000ffffffff1903c943"
    "255c7075626c69632d706f6f6c5c",
    "ffffffff037a90000000000000160014e6f22ca44dc800e9d049621a3b9a42c509f1c4bc3b0f25000000000016"
    "0014e6f22ca44dc800e9d049621a3b9a42c509f1c4bc0000000000000000266a24aa21a9edbd3d1d916aa0b573"
    "26a2d88ebe1b68a1d7c48585f26d8335fe6a94b62755f64c00000000",
    [
        "175335649d5e8746982969ec88f52e85ac9917106fba5468e699c8879ab974a1",
        "d5644ab3e708c54cd68dc5aedc92b8d3037449687f92ec41ed6e37673d969d4a",
        "5c9ec187517edc0698556cca5ce27e54c96acb014770599ed9df4d4937fbf2b0",
    ],
    "20000000",
    "192495f8",
    "64b3f3ec",
    False,
]
B_HEIGHT = 2442185
B_EXTRANONCE1 = bytes.fromhex("57a6f098")
B_SUBMIT = [
    "tb1qumezefzdeqqwn5zfvgdrhxjzc5ylr39uhuxcz4.bitaxe3",
    "1",
    "c7080000",
    "64b3f3ec",
    "ed460d91",
    "00002000",
]
B_COMMITMENT = bytes.fromhex(
    "6a24aa21a9edbd3d1d916aa0b57326a2d88ebe1b68a1d7c48585f26d8335fe6a94b62755f64c"
)
B_HASH = "000000000061d52983863e5c424c00d9e0981874fddf6a8493433e73928a3e4e"
B_SHARE_DIFFICULTY = 669.8682919563083


def unswap_prevhash(text: str) -> bytes:
    """Internal-order prev hash from its notify form (each 4-byte word reversed back)."""
    raw = bytes.fromhex(text)
    return b"".join(raw[i : i + 4][::-1] for i in range(0, 32, 4))


def e2e_template(**changes: object) -> BlockTemplate:
    """The §8.6 template: regtest height 1 on genesis, empty but for the coinbase."""
    fields: dict[str, object] = {
        "height": 1,
        "prev_hash": REGTEST_GENESIS,
        "version": 0x20000000,
        "bits": 0x207FFFFF,
        "curtime": E2E_TIME,
        "mintime": REGTEST_GENESIS_TIME + 1,
        "coinbase_value": 5_000_000_000,
        "witness_commitment": EMPTY_COMMITMENT,
    }
    fields.update(changes)
    return BlockTemplate(**fields)  # type: ignore[arg-type]


def job_from_notify(
    params: list[object],
    *,
    height: int,
    witness_commitment: bytes | None,
    created_at: float = 0.0,
) -> Job:
    """Rebuild a Job from recorded mining.notify params (the template holds what they imply)."""
    job_id, prevhash, coinb1, coinb2, branch, version, nbits, ntime, clean = params
    assert isinstance(branch, list)
    template = BlockTemplate(
        height=height,
        prev_hash=unswap_prevhash(str(prevhash)),
        version=int(str(version), 16),
        bits=int(str(nbits), 16),
        curtime=int(str(ntime), 16),
        mintime=int(str(ntime), 16) - 3600,
        coinbase_value=0,
        witness_commitment=witness_commitment,
    )
    return Job(
        job_id=str(job_id),
        template=template,
        coinb1=bytes.fromhex(str(coinb1)),
        coinb2=bytes.fromhex(str(coinb2)),
        branch=tuple(bytes.fromhex(b) for b in branch),
        version=int(str(version), 16),
        ntime=int(str(ntime), 16),
        clean=bool(clean),
        created_at=created_at,
    )
