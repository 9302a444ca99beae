"""Naming rules for mining accounts and workers, and the stratum username split.

Account names follow the WhiteBIT v4 contract (alphanumeric and underscore, at most 255
characters; reference whitebit-v4-mining-api.md §6.2). Worker names come from miners and are
untrusted, so they are held to a short allow-list (security-and-reliability.md §1.11): rejecting
rather than rewriting means two different names can never collapse into one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ACCOUNT_NAME_MAX = 255
"""Longest account name the v4 API accepts (§6.2 `name` max 255)."""

WORKER_NAME_MAX = 64
"""Longest worker name; public-pool caps worker and password at 64 (security §1.11)."""

DEFAULT_WORKER = "default"
"""Worker name used when the stratum username carries no `.worker` part."""

_ACCOUNT_RE = re.compile(r"[A-Za-z0-9_]{1,255}", re.ASCII)
_WORKER_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}", re.ASCII)


def account_name_problem(name: object) -> str | None:
    """Return why `name` is not a valid account name, or None when it is."""
    if not isinstance(name, str) or not name:
        return "The name field is required."
    if len(name) > ACCOUNT_NAME_MAX:
        return f"The name may not be greater than {ACCOUNT_NAME_MAX} characters."
    if not _ACCOUNT_RE.fullmatch(name):
        return "The name may only contain letters, digits and underscores."
    return None


def worker_name_problem(name: str) -> str | None:
    """Return why `name` is not an acceptable worker name, or None when it is."""
    if len(name) > WORKER_NAME_MAX:
        return f"worker name longer than {WORKER_NAME_MAX} characters"
    if not _WORKER_RE.fullmatch(name):
        return "worker name may only contain letters, digits, '.', '_' and '-'"
    return None


@dataclass(frozen=True, slots=True)
class Username:
    """A stratum username split into the part that names who is paid and the worker."""

    owner_part: str
    """The account name or BTC address before the first dot."""
    worker: str
    """The worker name after the first dot (or DEFAULT_WORKER)."""


def split_username(username: str) -> Username:
    """Split `account.worker` / `address.worker` at the first dot.

    Account names and addresses contain no dot, so the first dot is always the separator; the
    worker part may itself contain dots (`acct.rack1.slot4`), as ckpool and proxies allow.
    """
    head, dot, tail = username.partition(".")
    return Username(owner_part=head, worker=tail if dot else DEFAULT_WORKER)
