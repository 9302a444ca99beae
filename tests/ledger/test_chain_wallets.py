"""What the ledger asks of the chain and the wallets: ``block_hash_at`` from the embedded chain and
over Core's RPC (served by ``minerpool node``), and Core's wallet answering for payouts."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx

from backend.chain.bitcoind import BitcoindClient
from backend.chain.embedded import EmbeddedChain, EmbeddedSource
from backend.chain.node_server import serve_node
from backend.ledger.core_wallet import CoreWallet, btc_amount
from backend.ledger.payout_runner import PayoutRunner
from backend.ledger.payouts import Payout, WalletAnswer

from .chain_blocks import Clock, mine

ADDRESS = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"


async def test_block_hash_at_agrees_between_the_embedded_chain_and_core_rpc(tmp_path):
    clock = Clock()
    chain = EmbeddedChain(tmp_path / "chain", clock=clock)
    blocks = [mine(chain, clock) for _ in range(3)]
    listening: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(
        serve_node(
            chain,
            "127.0.0.1",
            0,
            tmp_path / ".cookie",
            on_listening=lambda host, port: listening.set_result(port),
        )
    )
    port = await asyncio.wait_for(listening, 10)
    core = BitcoindClient(f"http://127.0.0.1:{port}", cookie_file=tmp_path / ".cookie")
    embedded = EmbeddedSource(chain)
    try:
        for height, block in enumerate(blocks, 1):
            assert await embedded.block_hash_at(height) == block.header.hash()
            assert await core.block_hash_at(height) == block.header.hash()
        assert await embedded.block_hash_at(4) is None
        assert await core.block_hash_at(4) is None
    finally:
        await core.close()
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server
        chain.close()


class CoreWalletDouble:
    """Bitcoin Core's wallet RPC as documented, for the calls CoreWallet makes: sendmany keeps
    the comment with the transaction, listtransactions shows it, gettransaction counts
    confirmations (negative when conflicted), -5 for an unknown txid, -18 without a wallet."""

    def __init__(self) -> None:
        self.loaded = True
        self.sent: list[dict] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        call = json.loads(request.content)
        method, params = call["method"], call["params"]
        result, error = None, None
        if not self.loaded:
            error = {"code": -18, "message": "No wallet is loaded."}
        elif method == "getwalletinfo":
            result = {"walletname": "pool"}
        elif method == "sendmany":
            txid = f"{len(self.sent) + 1:064x}"
            self.sent.append(
                {"txid": txid, "amounts": params[1], "comment": params[3], "confirmations": 0}
            )
            result = txid
        elif method == "listtransactions":
            result = [
                {
                    "txid": t["txid"],
                    "category": "send",
                    "comment": t["comment"],
                    "confirmations": t["confirmations"],
                }
                for t in self.sent
            ]
        elif method == "gettransaction":
            found = [t for t in self.sent if t["txid"] == params[0]]
            if found:
                result = {"txid": params[0], "confirmations": found[0]["confirmations"]}
            else:
                error = {"code": -5, "message": "Invalid or non-wallet transaction id"}
        status = 200 if error is None else 500
        return httpx.Response(status, json={"result": result, "error": error, "id": call["id"]})


def core_wallet(double: CoreWalletDouble) -> tuple[CoreWallet, BitcoindClient]:
    client = BitcoindClient("http://127.0.0.1:8332", user="u", password="p")
    client._http = httpx.AsyncClient(transport=httpx.MockTransport(double.handle))
    return CoreWallet(client), client


async def test_core_wallet_sends_with_the_payout_id_and_finds_it_again():
    double = CoreWalletDouble()
    wallet, client = core_wallet(double)
    payout = Payout("payout/alice/7", "alice", ADDRESS, 123_456_789, 7)
    try:
        assert await wallet.available()
        assert (await wallet.view(payout)).answer is WalletAnswer.ABSENT
        txid = await wallet.send(payout)
        assert double.sent[0]["amounts"] == {ADDRESS: "1.23456789"}
        assert double.sent[0]["comment"] == payout.id
        # After a crash before the txid was recorded: found by the payout id.
        view = await wallet.view(payout)
        assert (view.answer, view.txid, view.confirmations) == (WalletAnswer.FOUND, txid, 0)
        sent = payout.sent(txid, 8)
        double.sent[0]["confirmations"] = 2
        assert (await wallet.view(sent)).confirmations == 2
        # A conflicted send is never reported as absent-so-send-again while reserved...
        double.sent[0]["confirmations"] = -3
        assert (await wallet.view(payout)).answer is WalletAnswer.FOUND
        # ...and once sent it is escalated (ABSENT for a sent payout), never released.
        assert (await wallet.view(sent)).answer is WalletAnswer.ABSENT
        double.loaded = False
        assert not await wallet.available()
        assert (await wallet.view(sent)).answer is WalletAnswer.UNREACHABLE
    finally:
        await client.close()


async def test_no_wallet_means_no_payout_cycle():
    double = CoreWalletDouble()
    double.loaded = False
    wallet, client = core_wallet(double)

    class NoStore:
        def open_payouts(self):
            raise AssertionError("a cycle without a wallet must not touch payouts")

    try:
        assert await PayoutRunner(NoStore(), wallet).cycle() == []
    finally:
        await client.close()


def test_btc_amounts_are_exact_decimal_text():
    assert btc_amount(1) == "0.00000001"
    assert btc_amount(2_100_000_000_000_000) == "21000000.00000000"
