"""The account registry: creating and listing accounts, and authorizing stratum usernames.

A stratum username is `account.worker` for account mining or `<btc address>.worker` for anonymous
mining. Anything else is refused, so a typo never mines into the void.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from backend.accounts.names import account_name_problem, split_username, worker_name_problem
from backend.bitcoin.address import AddressError, decode_address
from backend.bitcoin.network import Network
from backend.store.records import Account
from backend.store.repository import Store
from backend.stratum.ports import AuthorizationError, Identity


class InvalidAccountName(ValueError):
    """The requested account name breaks the naming rules; str() says which."""


class AccountRegistry:
    """Accounts on top of the store, with the pool's network for address checks.

    Implements the stratum `Authorizer` port. Known accounts are cached in memory: accounts are
    never deleted, so a positive answer stays true and the hot path skips the database.
    """

    def __init__(
        self, store: Store, network: Network, clock: Callable[[], float] = time.time
    ) -> None:
        self._store = store
        self._network = network
        self._clock = clock
        self._known: dict[str, Account] = {}

    def create(self, name: str, owner: str) -> Account:
        """Create account `name` for `owner`.

        Raises InvalidAccountName for a bad name, AccountExists when it is taken.
        """
        problem = account_name_problem(name)
        if problem is None and _is_address(name, self._network):
            problem = "The name is a BTC address, which is reserved for anonymous mining."
        if problem:
            raise InvalidAccountName(problem)
        account = self._store.create_account(name, owner, int(self._clock()))
        self._known[name] = account
        return account

    def list(self, owner: str | None = None) -> list[Account]:
        """Named accounts, newest first, optionally only `owner`'s."""
        return self._store.list_accounts(owner)

    def lookup(self, name: str) -> Account | None:
        """The account called `name` (named or anonymous), or None."""
        account = self._known.get(name)
        if account is None:
            account = self._store.get_account(name)
            if account is not None:
                self._known[name] = account
        return account

    async def authorize(self, username: str, password: str) -> Identity:
        """Resolve a stratum username to the identity its shares are credited to."""
        parts = split_username(username)
        problem = worker_name_problem(parts.worker)
        if problem:
            raise AuthorizationError(problem)
        account = self._known.get(parts.owner_part)
        if account is None:
            account = await asyncio.to_thread(self._resolve, parts.owner_part)
        return Identity(account=account.name, worker=parts.worker, anonymous=account.anonymous)

    def _resolve(self, owner_part: str) -> Account:
        account = self.lookup(owner_part)
        if account is not None:
            return account
        try:
            decode_address(owner_part, self._network)
        except AddressError as exc:
            if account_name_problem(owner_part) is None and not _looks_like_address(owner_part):
                raise AuthorizationError("unknown account") from None
            raise AuthorizationError(f"invalid payout address: {exc.reason}") from None
        account = self._store.ensure_anonymous_account(owner_part, int(self._clock()))
        self._known[owner_part] = account
        return account


def _is_address(text: str, network: Network) -> bool:
    try:
        decode_address(text, network)
    except AddressError:
        return False
    return True


def _looks_like_address(text: str) -> bool:
    """Whether the miner evidently meant an address, so the address error is the useful one."""
    lowered = text.lower()
    return lowered.startswith(("bc1", "tb1", "bcrt1")) or (len(text) >= 26 and text[0] in "123mn")
