"""Stratum V1 wire codec: newline framing, one strict JSON decoder, and the lines the pool sends.

Every inbound line goes through ``decode_message``; whatever is wrong with it (bad UTF-8, bad
JSON, NaN/Infinity, duplicate keys, lone surrogates, over-deep nesting, huge integers, a shape that
is not a request) comes out as one exception type, ``ProtocolError``, never as anything else
(security reference §1.10). ``loads_strict`` is the same decoder for any JSON document, so the
HTTP API can share it.

``mining.submit`` is nearly every line a miner sends, so ``decode_message`` first tries one
anchored, ASCII-only pattern for its plain shape (three members ``id``/``method``/``params`` in any
order, spaces allowed between tokens, an integer or escape-free string id, 5 or 6 escape-free
strings as params). That grammar is a strict subset of what the JSON decoder accepts, and for it
the decoder yields the same ``Message``; everything else, whatever it is, goes to the decoder.

Outbound lines are built here too: responses, errors (the array form ``[code, message, null]`` of
stratum reference §1.2) and notifications, each already terminated by ``\\n``. Output is ASCII
(``ensure_ascii``), so an id echoed back to a miner can never carry raw control bytes.
"""

from __future__ import annotations

import json
import math
import re
from itertools import permutations
from typing import Any, NamedTuple

MAX_DEPTH = 16
"""Deepest nesting of arrays/objects accepted. mining.configure, the deepest real message, is 3."""

MAX_INT_DIGITS = 20
"""Longest integer literal accepted (a signed 64-bit value has at most 19 digits plus a sign)."""

MAX_ID_LENGTH = 64
"""Longest string request id accepted; miners use small integers."""

MAX_METHOD_LENGTH = 64
"""Longest method name accepted; the longest real one, mining.extranonce.subscribe, has 27."""

_SURROGATE = re.compile("[\ud800-\udfff]")


class ProtocolError(ValueError):
    """A line that is not an acceptable Stratum message. ``reason`` is a short, fixed sentence.

    The reason never quotes the offending input, so it is safe to send back and to log.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Message(NamedTuple):
    """One decoded inbound message.

    ``method`` is None for a response (a miner answering a pool request); ``id`` is None for a
    notification; ``params`` is always a list (absent or null params become ``[]``).
    """

    id: int | str | None
    method: str | None
    params: list[Any]


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Duplicate keys are a parser-differential hazard (security reference §1.6/§1.10): reject.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ProtocolError("duplicate key in JSON object")
    return obj


def _constant(name: str) -> float:
    raise ProtocolError("NaN and Infinity are not JSON")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ProtocolError("number out of range")
    return value


def _int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise ProtocolError("integer too large")
    return int(text)


_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_float, parse_int=_int
)


def _depth_ok(value: Any, limit: int) -> bool:
    """True when ``value`` nests no deeper than ``limit`` containers (iterative, never recurses)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > limit:
                return False
            stack.extend((child, depth + 1) for child in item)
    return True


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads_strict(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Decode one JSON document strictly; raise ``ProtocolError`` for anything unacceptable.

    Rejected: invalid UTF-8, syntax errors, NaN/Infinity (and numbers that overflow to infinity),
    duplicate object keys, lone UTF-16 surrogates, nesting deeper than ``max_depth``, integer
    literals longer than ``MAX_INT_DIGITS`` digits (security reference §1.10).
    """
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("invalid UTF-8") from None
    else:
        raw = None
        text = data
    try:
        value = _DECODER.decode(text)
    except ProtocolError:
        raise
    except RecursionError:
        raise ProtocolError("JSON nested too deeply") from None
    except (ValueError, TypeError, OverflowError):
        raise ProtocolError("invalid JSON") from None
    # Bracket counts bound the depth from above, so the walk only runs for unusual input.
    opens = (
        raw.count(b"[") + raw.count(b"{") if raw is not None else text.count("[") + text.count("{")
    )
    if opens > max_depth and not _depth_ok(value, max_depth):
        raise ProtocolError("JSON nested too deeply")
    # A surrogate can only appear through a \u escape: strict UTF-8 decoding refuses raw ones.
    has_escape = b"\\u" in raw if raw is not None else "\\u" in text
    if has_escape and _has_lone_surrogate(value):
        raise ProtocolError("lone surrogate in JSON string")
    return value


def decode_message(line: bytes) -> Message:
    """Decode one Stratum line (without its ``\\n``) into a ``Message``, or raise ``ProtocolError``.

    Same result as ``decode_message_strict`` for every input; a plain ``mining.submit`` line is
    recognised by ``submit_fast_path`` without running the JSON decoder.
    """
    if type(line) is bytes:
        msg = submit_fast_path(line)
        if msg is not None:
            return msg
    return decode_message_strict(line)


def decode_message_strict(line: bytes) -> Message:
    """Decode one Stratum line with the full JSON decoder (the reference ``decode_message``).

    Beyond ``loads_strict``: the document must be an object; ``id`` an integer, a string of at most
    ``MAX_ID_LENGTH`` characters, or null; ``method`` a string of at most ``MAX_METHOD_LENGTH``
    characters, or absent when the object is a response (has ``result`` or ``error``); ``params``
    a list, or absent/null. Extra keys (``jsonrpc``) are ignored.
    """
    obj = loads_strict(line)
    if type(obj) is not dict:
        raise ProtocolError("message is not a JSON object")
    msg_id = obj.get("id")
    if msg_id is not None:
        kind = type(msg_id)
        if kind is str:
            if len(msg_id) > MAX_ID_LENGTH:
                raise ProtocolError("id too long")
        elif kind is not int:
            raise ProtocolError("id must be an integer, a string or null")
    method = obj.get("method")
    if method is None:
        if "result" in obj or "error" in obj:
            return Message(msg_id, None, [])
        raise ProtocolError("message has no method")
    if type(method) is not str or len(method) > MAX_METHOD_LENGTH:
        raise ProtocolError("method must be a short string")
    params = obj.get("params")
    if params is None:
        params = []
    elif type(params) is not list:
        raise ProtocolError("params must be an array")
    return Message(msg_id, method, params)


# The plain mining.submit shape. A JSON string character here is printable ASCII other than '"'
# and '\\' (so no escapes, no control characters, nothing a surrogate check could object to); an
# integer id has no sign and at most 18 digits (well inside MAX_INT_DIGITS); a string id has at
# most MAX_ID_LENGTH characters. Only spaces count as whitespace. Each member appears exactly
# once, so no key can be duplicated, and there is no other member. The quantifiers are possessive
# (never give back) because what follows each one can never start with what it repeats; that
# saves the regex engine its backtracking bookkeeping and changes nothing it matches.
_CHAR = r"[ !#-\[\]-~]"
_WS = " *+"
_INT_ID = r"(?P<int_id>0|[1-9][0-9]{0,17})"
_STR_ID = rf'"(?P<str_id>{_CHAR}{{0,{MAX_ID_LENGTH}}})"'
_ID = rf'"id"{_WS}:{_WS}(?:{_INT_ID}|{_STR_ID})'
_METHOD = rf'"method"{_WS}:{_WS}"mining\.submit"'
_PARAM = rf'{_WS}"(?P<p%d>{_CHAR}*+)"{_WS}'
_PARAMS = rf'"params"{_WS}:{_WS}\[%s(?:,%s)?\]' % (
    ",".join(_PARAM % i for i in range(5)),
    _PARAM % 5,
)
# ESP-Miner, NerdMiner and cpuminer put id first; the cgminer/bmminer lineage puts params first.
_ORDERS = sorted(
    permutations((_ID, _METHOD, _PARAMS)),
    key=lambda order: (order[0] is not _ID, order[0] is not _PARAMS),
)
_SUBMIT_SHAPES = tuple(
    (
        re.compile(rf"\{{{_WS}{a}{_WS},{_WS}{b}{_WS},{_WS}{c}{_WS}\}}", re.ASCII),
        # The method has no group, so the groups are (id, id, p0..p5) or (p0..p5, id, id).
        (a, b, c).index(_ID) < (a, b, c).index(_PARAMS),
    )
    for a, b, c in _ORDERS
)
_FIRST_SHAPE, _ID_FIRST = _SUBMIT_SHAPES[0]
_SUBMIT_METHOD = b'"mining.submit"'
_new_message = tuple.__new__


def submit_fast_path(line: bytes) -> Message | None:
    """The ``Message`` of a plain ``mining.submit`` line (see the module docstring), else None.

    None says nothing about validity: the caller must hand such a line to the full decoder.
    """
    if not line.isascii():
        return None
    text = line.decode("ascii")
    match = _FIRST_SHAPE.fullmatch(text)
    if match is not None:
        id_first = _ID_FIRST
    elif _SUBMIT_METHOD in line:
        for shape, id_first in _SUBMIT_SHAPES[1:]:  # noqa: B007 (used after the break)
            match = shape.fullmatch(text)
            if match is not None:
                break
        else:
            return None
    else:
        return None
    if id_first:
        int_id, str_id, *params = match.groups()
    else:
        *params, int_id, str_id = match.groups()
    if params[5] is None:
        del params[5]
    msg_id = int(int_id) if int_id is not None else str_id
    return _new_message(Message, (msg_id, "mining.submit", params))


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _id_text(msg_id: int | str | None) -> str:
    if msg_id is None:
        return "null"
    if type(msg_id) is int:
        return str(msg_id)
    return _dumps(msg_id)


def encode_result(msg_id: int | str | None, result: Any) -> bytes:
    """The response line ``{"id":…,"result":…,"error":null}``."""
    if result is True:
        # The accepted-share reply: the hottest line the pool writes, so skip the serializer.
        if type(msg_id) is int:
            return b'{"id":%d,"result":true,"error":null}\n' % msg_id
        return b'{"id":%s,"result":true,"error":null}\n' % _id_text(msg_id).encode()
    return f'{{"id":{_id_text(msg_id)},"result":{_dumps(result)},"error":null}}\n'.encode()


def encode_error(
    msg_id: int | str | None,
    code: int,
    message: str,
    result: Any = None,
    reject_reason: str | None = None,
) -> bytes:
    """The error line ``{"id":…,"result":…,"error":[code,message,null]}``.

    ``reject_reason`` adds ckpool's top-level ``"reject-reason"`` key (stratum reference §1.2),
    which ESP-Miner shows to its user.
    """
    body: dict[str, Any] = {"id": msg_id, "result": result, "error": [code, message, None]}
    if reject_reason is not None:
        body["reject-reason"] = reject_reason
    return (_dumps(body) + "\n").encode()


def encode_notification(method: str, params: list[Any]) -> bytes:
    """The notification line ``{"id":null,"method":…,"params":[…]}``."""
    return f'{{"id":null,"method":{_dumps(method)},"params":{_dumps(params)}}}\n'.encode()
