"""Bitcoin Core's RPC argument and value conventions, for ``minerpool node`` to answer like Core.

How Core's ``RPCHelpMan`` maps named arguments, counts them and checks their JSON types before a
method runs (``rpc/request.cpp``, ``rpc/util.cpp``), how UniValue reads an integer, how
``ParseHashV`` reads a hash, and how a double and a difficulty come out on the wire. Each
function raises ``RpcError`` with Core's code and message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from backend.bitcoin.hashes import from_display


class RpcError(Exception):
    """A JSON-RPC error object as an exception: what a node answered ``BitcoindClient`` with,
    or what a ``minerpool node`` method fails with. ``backend.chain.bitcoind`` exports it."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{message} (code {code})")
        self.code = code
        """Core's RPC error code, e.g. -8 RPC_INVALID_PARAMETER, -22 RPC_DESERIALIZATION_ERROR."""
        self.message = message
        """Core's error text, verbatim."""


RPC_MISC_ERROR = -1
"""Any other failure; also a wrong argument count (Core throws the help text)."""
RPC_TYPE_ERROR = -3
"""A value of the wrong JSON type."""
RPC_INVALID_ADDRESS_OR_KEY = -5
"""An unknown block ("Block not found")."""
RPC_INVALID_PARAMETER = -8
"""A value of the right type that is wrong (range, length, hex, rule set)."""
RPC_CLIENT_NOT_CONNECTED = -9
"""The node cannot serve now; Core's longpoll answers "Shutting down" with it."""
RPC_DATABASE_ERROR = -20
"""The block store failed, or invalidateblock could not be carried out."""
RPC_DESERIALIZATION_ERROR = -22
"""Bytes that do not decode ("Block decode failed")."""
RPC_INVALID_REQUEST = -32600
"""A request object that is not a JSON-RPC request (HTTP 400 in 1.0)."""
RPC_METHOD_NOT_FOUND = -32601
"""An unknown method (HTTP 404 in 1.0)."""
RPC_PARSE_ERROR = -32700
"""A body that is not JSON."""

INT32_RANGE = (-(2**31), 2**31 - 1)
"""What UniValue's ``getInt<int>`` accepts; anything else is "JSON integer out of range"."""

HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
"""Characters Core's ``IsHex`` accepts."""

_TYPE_NAMES = {
    type(None): "null",
    bool: "bool",
    int: "number",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


def json_type(value: object) -> str:
    """UniValue's name for a decoded JSON value's type (``uvTypeName``)."""
    return _TYPE_NAMES[type(value)]


def type_error(value: object, expected: str) -> RpcError:
    """UniValue's type error, which Core's RPC server turns into RPC_TYPE_ERROR."""
    return RpcError(
        RPC_TYPE_ERROR, f"JSON value of type {json_type(value)} is not of expected type {expected}"
    )


@dataclass(frozen=True)
class ArgSpec:
    """One declared argument of a method, as ``RPCArg`` declares it."""

    names: str
    """Core's ``m_names``: the name, with aliases after ``|`` ("verbosity|verbose")."""
    kind: str
    """The JSON type the value must have: number, string, bool, object or array."""
    required: bool = False
    """``RPCArg::Optional::NO``."""
    checked: bool = True
    """False for ``skip_type_check`` arguments, which the method reads itself."""


def _from_named(args: tuple[ArgSpec, ...], params: dict[str, object]) -> list[object]:
    # Core's JSONRPCParameters::ProcessParameters: names (or aliases) to positions, "args" for
    # leading positional values, trailing unspecified positions trimmed.
    named = dict(params)
    positional = named.pop("args", [])
    positional = positional if isinstance(positional, list) else []
    values: list[object] = []
    for position, arg in enumerate(args):
        key = next((name for name in arg.names.split("|") if name in named), None)
        value = named.pop(key) if key is not None else None
        if position < len(positional):
            if key is not None:
                raise RpcError(
                    RPC_INVALID_PARAMETER,
                    f"Parameter {key} specified twice both as positional and named argument",
                )
            value = positional[position]
        values.append(value)
    if named:
        raise RpcError(RPC_INVALID_PARAMETER, f"Unknown named parameter {next(iter(named))}")
    values += positional[len(args) :]
    while values and values[-1] is None:
        values.pop()
    return values


def bind_params(
    args: tuple[ArgSpec, ...], params: list[object] | dict[str, object], usage: str
) -> list[object]:
    """Check ``params`` against ``args`` as ``RPCHelpMan::HandleRequest`` does; return one value
    per declared argument (None where not given).

    A wrong count is RPC_MISC_ERROR carrying ``usage`` (Core carries its whole help text); wrong
    JSON types are one RPC_TYPE_ERROR listing every mismatched position ("Wrong type passed").
    """
    values = _from_named(args, params) if isinstance(params, dict) else list(params)
    required = max((i + 1 for i, arg in enumerate(args) if arg.required), default=0)
    if not required <= len(values) <= len(args):
        raise RpcError(RPC_MISC_ERROR, usage + "\n")
    mismatches = [
        (position, arg, value)
        for position, (arg, value) in enumerate(zip(args, values, strict=False), start=1)
        if arg.checked and json_type(value) != arg.kind and (value is not None or arg.required)
    ]
    if mismatches:
        # UniValue::write(4): one key per line, four spaces in, no newline after the brace.
        lines = ",\n".join(
            f"    {json.dumps(f'Position {position} ({arg.names})')}: "
            f'"JSON value of type {json_type(value)} is not of expected type {arg.kind}"'
            for position, arg, value in mismatches
        )
        raise RpcError(RPC_TYPE_ERROR, f"Wrong type passed:\n{{\n{lines}\n}}")
    return values + [None] * (len(args) - len(values))


def get_int(value: object) -> int:
    """UniValue's ``getInt<int>``: a type error for a non-number, RPC_MISC_ERROR "JSON integer
    out of range" for a fraction, an exponent or anything outside int32."""
    if json_type(value) != "number":
        raise type_error(value, "number")
    if not isinstance(value, int) or not INT32_RANGE[0] <= value <= INT32_RANGE[1]:
        raise RpcError(RPC_MISC_ERROR, "JSON integer out of range")
    return value


def parse_verbosity(value: object, default: int) -> int:
    """Core's ``ParseVerbosity`` with ``allow_bool``: null is ``default``, true/false are 1/0."""
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    return get_int(value)


def parse_hash(value: object, name: str) -> bytes:
    """Core's ``ParseHashV``: 64 hex digits of display hex; RPC_INVALID_PARAMETER naming the
    argument otherwise. Returns the hash in internal order."""
    if not isinstance(value, str):
        raise type_error(value, "string")
    if len(value) != 64:
        raise RpcError(
            RPC_INVALID_PARAMETER, f"{name} must be of length 64 (not {len(value)}, for '{value}')"
        )
    if not HEX_DIGITS.issuperset(value):
        raise RpcError(RPC_INVALID_PARAMETER, f"{name} must be hexadecimal string (not '{value}')")
    return from_display(value)


def core_double(value: float) -> float | int:
    """A double as UniValue writes it: 16 significant digits, and no ".0" on a whole number."""
    rounded = float(f"{value:.16g}")
    return int(rounded) if rounded.is_integer() and abs(rounded) < 1e16 else rounded


def core_difficulty(bits: int) -> float | int:
    """Core's ``GetDifficulty`` step for step (so the double is bit-identical), as written."""
    shift = (bits >> 24) & 0xFF
    difficulty = 0x0000FFFF / (bits & 0x00FFFFFF)
    while shift < 29:
        difficulty *= 256.0
        shift += 1
    while shift > 29:
        difficulty /= 256.0
        shift -= 1
    return core_double(difficulty)


def signed_version(version: int) -> int:
    """A u32 block version as Core prints ``nVersion`` (a signed int32)."""
    return version - (1 << 32) if version >= 1 << 31 else version
