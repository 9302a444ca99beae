"""The mining.submit fast path decodes exactly what the strict decoder decodes, or steps aside.

For every line, ``decode_message`` (fast path first) and ``decode_message_strict`` (the full JSON
decoder) must give the same ``Message``, with the same types, or both reject it. Lines come from
three generators: plain submit lines with exactly one odd part (the lines that tell a too-wide
pattern from a right one), submit-like lines where any part may be odd, and byte mutations of
both.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from backend.stratum.codec import (
    MAX_ID_LENGTH,
    Message,
    ProtocolError,
    decode_message,
    decode_message_strict,
    submit_fast_path,
)


def _typed(msg: Message) -> tuple[object, ...]:
    # NamedTuple equality would let 1 == True and 1 == 1.0 pass; compare the types as well.
    return (
        type(msg.id),
        msg.id,
        type(msg.method),
        msg.method,
        type(msg.params),
        [(type(p), p) for p in msg.params],
    )


def _outcome(decode: object, line: bytes) -> tuple[object, ...]:
    try:
        return ("message", *_typed(decode(line)))  # type: ignore[operator]
    except ProtocolError:
        return ("rejected",)


def _assert_same(line: bytes) -> None:
    fast = submit_fast_path(line)
    strict = _outcome(decode_message_strict, line)
    if fast is not None:
        assert ("message", *_typed(fast)) == strict
    assert _outcome(decode_message, line) == strict


# -- the parts of a line, plain and odd ------------------------------------------------------

_PLAIN_CHAR = st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters='"\\')
_PLAIN_TEXT = st.text(_PLAIN_CHAR, max_size=12)
# Characters that make a string not plain: the two that need escaping, control characters, DEL,
# non-ASCII, a lone surrogate, and anything else at all.
_ODD_CHAR = st.one_of(
    st.sampled_from(['"', "\\", "\x00", "\x1f", "\x7f", "\x80", "é", "\u2028", "😀", "\ud800"]),
    st.characters(codec="utf-8"),
)
_ODD_TEXT = st.builds(
    lambda a, odd, b: a + odd + b,
    st.text(_PLAIN_CHAR, max_size=4),
    st.text(_ODD_CHAR, min_size=1, max_size=2),
    st.text(_PLAIN_CHAR, max_size=4),
)
_PLAIN_GAP = st.sampled_from(["", " ", "  "])
# Real miners space a line one way throughout: compact, or a space after ':' and ','.
_GAP_STYLES = ("compact", "spaced", "mixed")
_ODD_GAP = st.sampled_from(["\t", "\r", "\n", " \t", "\u00a0", "\x0b", "\x0c"])


@st.composite
def _odd_string_token(draw: st.DrawFn) -> str:
    # A raw odd character (often invalid JSON), or a JSON escape of a plain or odd text.
    style = draw(st.sampled_from(["raw", "json", "ascii-json", "escaped-plain"]))
    if style == "raw":
        return '"' + draw(_ODD_TEXT) + '"'
    if style == "escaped-plain":
        text = draw(_PLAIN_TEXT.filter(bool))
        at = draw(st.integers(0, len(text) - 1))
        return (
            json.dumps(text[:at])[:-1] + f"\\u{ord(text[at]):04x}" + json.dumps(text[at + 1 :])[1:]
        )
    return json.dumps(draw(_ODD_TEXT), ensure_ascii=style == "ascii-json")


_PLAIN_ID = st.one_of(
    st.integers(min_value=0, max_value=10**18 - 1).map(str),
    _PLAIN_TEXT.map(lambda t: f'"{t}"'),
    st.text(_PLAIN_CHAR, min_size=MAX_ID_LENGTH - 2, max_size=MAX_ID_LENGTH).map(
        lambda t: f'"{t}"'
    ),
)
# Integer ids around the limits: the fast path takes up to 18 digits, the decoder up to 20
# characters with the sign.
_LONG_INT = st.builds(
    lambda sign, first, rest: sign + first + rest,
    st.sampled_from(["", "-"]),
    st.sampled_from("123456789"),
    st.integers(15, 22).flatmap(lambda n: st.text("0123456789", min_size=n, max_size=n)),
)
_ODD_ID = st.one_of(
    _LONG_INT,
    st.integers(min_value=-(10**6), max_value=-1).map(str),
    st.sampled_from(["-0", "00", "007", "1.0", "1e3", "1E3", "0x10", "+1", "١٢", "1 2", "--1"]),
    st.text(_PLAIN_CHAR, min_size=MAX_ID_LENGTH + 1, max_size=MAX_ID_LENGTH + 3).map(
        lambda t: f'"{t}"'
    ),
    st.sampled_from(["null", "true", "false", "[]", "{}", "[1]", "NaN", "Infinity", '"', "1,"]),
    _odd_string_token(),
)
_ODD_METHOD = st.sampled_from(
    [
        '"mining\\u002esubmit"',
        '"mining\\/submit"',
        '"mining.submiT"',
        '"mining.submit "',
        '" mining.submit"',
        '"mining_submit"',
        '"mining.subscribe"',
        '"mining.authorize"',
        '"mining.submit\\u0000"',
        "null",
        "7",
        '["mining.submit"]',
    ]
)
_ODD_PARAM = st.one_of(
    _odd_string_token(),
    st.sampled_from(["1", "-1", "null", "[]", "{}", '["a"]', "1.5", "true", "NaN", '"a" "b"', ""]),
)
_ODD_MEMBER = st.sampled_from(
    [
        '"jsonrpc":"2.0"',
        '"id":2',
        '"id":"2"',
        '"method":"mining.submit"',
        '"method":"mining.authorize"',
        '"params":[]',
        '"params":null',
        '"error":null',
        '"":1',
    ]
)

ODD_PARTS = (
    "id",
    "method",
    "param",
    "count",
    "gap",
    "extra member",
    "missing member",
    "params value",
    "outside",
    "key",
)


@st.composite
def _near_plain(draw: st.DrawFn, odd: str | None) -> bytes:
    """A plain submit line, or with ``odd`` set, the same with exactly that part made odd."""
    count = draw(st.sampled_from([0, 1, 2, 3, 4, 7, 8, 20])) if odd == "count" else None
    if count is None:
        count = draw(st.sampled_from([5, 6]))
    params = [f'"{draw(_PLAIN_TEXT)}"' for _ in range(count)]
    if odd == "param":
        params[draw(st.integers(0, count - 1))] = draw(_ODD_PARAM)
    members = {
        "id": draw(_ODD_ID if odd == "id" else _PLAIN_ID),
        "method": draw(_ODD_METHOD) if odd == "method" else '"mining.submit"',
        "params": None,  # filled once the gaps are known
    }
    order = draw(st.permutations(list(members)))
    keys = {key: json.dumps(key) for key in order}
    if odd == "key":
        key = draw(st.sampled_from(order))
        keys[key] = draw(
            st.sampled_from(
                [json.dumps(key).upper(), f'"{key} "', '"' + key[0] + "\\u00" + key[1:] + '"']
            )
            | st.just(json.dumps(key)).map(lambda k: k[0] + "\\" + k[1:])
        )
    if odd == "missing member":
        order = [key for key in order if key != draw(st.sampled_from(order))]
    # Every gap between two tokens is plain, except one when ``odd == "gap"``.
    gaps_needed = 4 + 4 * len(order) + 2 * len(params) + 2
    style = draw(st.sampled_from(_GAP_STYLES))
    if style == "mixed":
        gaps = [draw(_PLAIN_GAP) for _ in range(gaps_needed)]
    else:
        gaps = ["" if style == "compact" else " "] * gaps_needed
    if odd == "gap":
        gaps[draw(st.integers(0, gaps_needed - 1))] = draw(_ODD_GAP)
    gap = iter(gaps)
    params_text = "[" + ",".join(next(gap) + p + next(gap) for p in params) + "]"
    if not params:
        params_text = "[" + next(gap) + "]"
    members["params"] = (
        draw(st.sampled_from(["null", "{}", '"x"', "5"]))
        if (odd == "params value")
        else params_text
    )
    pieces = [
        next(gap) + keys[key] + next(gap) + ":" + next(gap) + members[key] + next(gap)
        for key in order
    ]
    if odd == "extra member":
        pieces.insert(draw(st.integers(0, len(pieces))), next(gap) + draw(_ODD_MEMBER) + next(gap))
    line = "{" + ",".join(pieces) + "}"
    if odd == "outside":
        before, after = draw(
            st.sampled_from([(" ", ""), ("", " "), ("\t", ""), ("", "x"), ("", "}"), ("[", "]")])
        )
        line = before + line + after
    return line.encode("utf-8", "surrogatepass")


_ONE_ODD_PART = st.sampled_from((None, *ODD_PARTS)).flatmap(_near_plain)


@st.composite
def _wild_line(draw: st.DrawFn) -> bytes:
    """A submit-like line where every part may be odd at once."""
    parts = draw(st.sets(st.sampled_from(ODD_PARTS), max_size=len(ODD_PARTS)))
    line = draw(_near_plain(None))
    for part in parts:
        # Stack edits: splice an odd part's line into this one at a random point.
        other = draw(_near_plain(part))
        cut = draw(st.integers(0, min(len(line), len(other))))
        line = line[:cut] + other[cut:]
    return line


@st.composite
def _mutated(draw: st.DrawFn, source: st.SearchStrategy[bytes]) -> bytes:
    line = bytearray(draw(source))
    significant = st.sampled_from([*b'"\\{}[],: \t0189aAzZ-.eEnu', 0, 0x1F, 0x7F, 0x80, 0xFF])
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        at = draw(st.integers(0, len(line)))
        if kind == "insert":
            line.insert(at, draw(significant))
        elif at < len(line):
            if kind == "delete":
                del line[at]
            elif kind == "replace":
                line[at] = draw(significant)
            else:
                end = draw(st.integers(at, min(len(line), at + 12)))
                line[at:at] = line[at:end]
    return bytes(line)


# -- the fast path is taken where it should be ----------------------------------------------

CGMINER = b'{"params": ["a.b", "1", "00000001", "6b01", "1"], "id": 7, "method": "mining.submit"}'
ESP_MINER = (
    b'{"id": 4, "method": "mining.submit", '
    b'"params": ["bc1q.bitaxe", "6f", "00000001", "6620f1e0", "0a0b0c0d", "00002000"]}'
)
BENCH = (
    b'{"id":1,"method":"mining.submit","params":["bench.w1","1a","00000000","66501234","00000001"]}'
)


@pytest.mark.parametrize("line", [CGMINER, ESP_MINER, BENCH], ids=["cgminer", "esp-miner", "bench"])
def test_real_miner_lines_take_the_fast_path(line: bytes) -> None:
    fast = submit_fast_path(line)
    assert fast is not None
    assert _typed(fast) == _typed(decode_message_strict(line))


@given(_near_plain(None))
def test_every_plain_submit_takes_the_fast_path(line: bytes) -> None:
    fast = submit_fast_path(line)
    assert fast is not None
    assert _typed(fast) == _typed(decode_message_strict(line))


def _submit(
    msg_id: bytes = b"1", params: bytes = b'"a","b","c","d","e"', extra: bytes = b""
) -> bytes:
    return b'{"id":' + msg_id + extra + b',"method":"mining.submit","params":[' + params + b"]}"


NEAR_MISSES = {
    "escaped method": b'{"id":1,"method":"mining\\u002esubmit","params":["a","b","c","d","e"]}',
    "escaped param": _submit(params=b'"a\\"","b","c","d","e"'),
    "lone surrogate": _submit(params=b'"\\ud800","b","c","d","e"'),
    "duplicate id": _submit(extra=b',"id":2'),
    "duplicate method": _submit(extra=b',"method":"mining.submit"'),
    "extra member": _submit(extra=b',"jsonrpc":"2.0"'),
    "tab": _submit(extra=b"\t"),
    "leading space": b" " + _submit(),
    "raw control character": _submit(params=b'"a\x01","b","c","d","e"'),
    "raw DEL": _submit(params=b'"a\x7f","b","c","d","e"'),
    "non-ASCII": _submit(params='"é","b","c","d","e"'.encode()),
    "four params": _submit(params=b'"a","b","c","d"'),
    "seven params": _submit(params=b'"a","b","c","d","e","f","g"'),
    "number param": _submit(params=b'"a","b","c","d",5'),
    "negative id": _submit(b"-1"),
    "leading zero id": _submit(b"01"),
    "19-digit id": _submit(b"1234567890123456789"),
    "21-digit id": _submit(b"123456789012345678901"),
    "float id": _submit(b"1.0"),
    "null id": _submit(b"null"),
    "long string id": _submit(b'"' + b"x" * (MAX_ID_LENGTH + 1) + b'"'),
    "trailing comma": _submit(params=b'"a","b","c","d","e",'),
    "trailing garbage": _submit() + b"x",
    "no closing brace": _submit()[:-1],
}


@pytest.mark.parametrize("sign", ["", "-"])
@pytest.mark.parametrize("digits", range(1, 24))
def test_integer_ids_of_every_length_around_the_limits_agree(sign: str, digits: int) -> None:
    _assert_same(_submit((sign + "9" * digits).encode()))
    _assert_same(_submit((sign + "1" + "0" * (digits - 1)).encode()))


@pytest.mark.parametrize("length", range(MAX_ID_LENGTH - 2, MAX_ID_LENGTH + 3))
def test_string_ids_around_the_length_limit_agree(length: int) -> None:
    _assert_same(_submit(b'"' + b"i" * length + b'"'))


@pytest.mark.parametrize("line", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_near_misses_go_to_the_strict_decoder_and_agree(line: bytes) -> None:
    assert submit_fast_path(line) is None
    _assert_same(line)


# -- and everywhere else it agrees with the strict decoder -----------------------------------


@settings(max_examples=2000)
@given(_ONE_ODD_PART)
@example(BENCH)
@example(CGMINER)
def test_lines_with_one_odd_part_decode_identically(line: bytes) -> None:
    _assert_same(line)


@settings(max_examples=1000)
@given(_wild_line())
def test_lines_with_many_odd_parts_decode_identically(line: bytes) -> None:
    _assert_same(line)


@settings(max_examples=1500)
@given(_mutated(_ONE_ODD_PART | _wild_line()))
def test_mutated_lines_decode_identically(line: bytes) -> None:
    _assert_same(line)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_identically(line: bytes) -> None:
    _assert_same(line)
