"""The strict decoder and the line builders (security §1.10, stratum reference §1.1-1.2)."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.stratum.codec import (
    Message,
    ProtocolError,
    decode_message,
    encode_error,
    encode_notification,
    encode_result,
    loads_strict,
)


def test_a_submit_decodes_to_a_message() -> None:
    params = ["a.b", "1", "00000001", "6b01", "1"]
    line = b'{"id": 4, "method": "mining.submit", "params": ["a.b", "1", "00000001", "6b01", "1"]}'
    assert decode_message(line) == Message(4, "mining.submit", params)


def test_missing_or_null_params_become_an_empty_list() -> None:
    assert decode_message(b'{"id":1,"method":"mining.subscribe"}').params == []
    assert decode_message(b'{"id":1,"method":"mining.subscribe","params":null}').params == []


def test_a_response_from_the_miner_has_no_method() -> None:
    assert decode_message(b'{"id":42,"result":"pong","error":null}') == Message(42, None, [])


def test_extra_keys_such_as_jsonrpc_are_ignored() -> None:
    msg = decode_message(b'{"jsonrpc":"2.0","id":"a","method":"x","params":[]}')
    assert msg == Message("a", "x", [])


HOSTILE = {
    "not json": b"{nope",
    "trailing garbage": b'{"id":1,"method":"x"} {}',
    "NaN": b'{"id":1,"method":"mining.suggest_difficulty","params":[NaN]}',
    "Infinity": b'{"id":1,"method":"mining.suggest_difficulty","params":[Infinity]}',
    "-Infinity": b'{"id":1,"method":"mining.suggest_difficulty","params":[-Infinity]}',
    "overflowing float": b'{"id":1,"method":"mining.suggest_difficulty","params":[1e999]}',
    "duplicate key": b'{"id":1,"method":"mining.subscribe","method":"mining.authorize"}',
    "nested duplicate key": b'{"id":1,"method":"x","params":[{"a":1,"a":2}]}',
    "lone high surrogate": b'{"id":1,"method":"x","params":["\\ud800"]}',
    "lone low surrogate in a key": b'{"id":1,"method":"x","params":[{"\\udc00":1}]}',
    "too deep": b'{"id":1,"method":"x","params":' + b"[" * 20 + b"]" * 20 + b"}",
    "recursion bomb": b"[" * 100_000 + b"]" * 100_000,
    "huge integer": b'{"id":123456789012345678901234567890,"method":"x"}',
    "4301-digit integer": b'{"id":1,"method":"x","params":[' + b"9" * 4301 + b"]}",
    "invalid UTF-8": b'{"id":1,"method":"\xff\xfe"}',
    "UTF-8 encoded surrogate": b'{"id":1,"method":"\xed\xa0\x80"}',
    "not an object": b'[{"id":1,"method":"x"}]',
    "string document": b'"mining.subscribe"',
    "method not a string": b'{"id":1,"method":7}',
    "no method, no result": b'{"id":1,"params":[]}',
    "params an object": b'{"id":1,"method":"x","params":{"a":1}}',
    "id a float": b'{"id":1.5,"method":"x"}',
    "id a bool": b'{"id":true,"method":"x"}',
    "id a list": b'{"id":[1],"method":"x"}',
    "id too long": b'{"id":"' + b"a" * 65 + b'","method":"x"}',
    "method too long": b'{"id":1,"method":"' + b"m" * 65 + b'"}',
    "empty": b"",
}


@pytest.mark.parametrize("line", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_one_protocol_error(line: bytes) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_message(line)
    assert caught.value.reason
    assert "\\u" not in caught.value.reason  # the reason never quotes the input


def test_a_surrogate_pair_is_a_valid_character() -> None:
    msg = decode_message(b'{"id":1,"method":"mining.subscribe","params":["\\ud83d\\ude00"]}')
    assert msg.params == ["\U0001f600"]


def test_nesting_up_to_the_limit_is_accepted() -> None:
    deep = b"[" * 15 + b"]" * 15
    assert decode_message(b'{"id":1,"method":"x","params":' + deep + b"}").method == "x"


def test_brackets_inside_strings_do_not_count_as_depth() -> None:
    msg = decode_message(b'{"id":1,"method":"x","params":["' + b"[" * 40 + b'"]}')
    assert msg.params == ["[" * 40]


def test_loads_strict_accepts_text_and_rejects_the_same_hazards() -> None:
    assert loads_strict('{"a": [1, 2.5, "x"]}') == {"a": [1, 2.5, "x"]}
    with pytest.raises(ProtocolError):
        loads_strict('{"a": 1, "a": 2}')
    with pytest.raises(ProtocolError):
        loads_strict('["\\udfff"]')


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise_anything_else(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_message(data)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=5), children, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_arbitrary_json_values_never_raise_anything_else(value: object) -> None:
    text = json.dumps({"id": 1, "method": "m", "params": [value]})
    with contextlib.suppress(ProtocolError):
        decode_message(text.encode("utf-8", "surrogatepass"))


def test_result_lines() -> None:
    assert encode_result(7, True) == b'{"id":7,"result":true,"error":null}\n'
    assert json.loads(encode_result("x", True)) == {"id": "x", "result": True, "error": None}
    assert json.loads(encode_result(3, {"version-rolling": True})) == {
        "id": 3,
        "result": {"version-rolling": True},
        "error": None,
    }


def test_error_line_with_reject_reason() -> None:
    line = encode_error(5, 22, "Duplicate share", False, "Duplicate share")
    assert line.endswith(b"\n")
    assert json.loads(line) == {
        "id": 5,
        "result": False,
        "error": [22, "Duplicate share", None],
        "reject-reason": "Duplicate share",
    }


def test_an_echoed_string_id_is_ascii_with_control_characters_escaped() -> None:
    line = encode_result("\x1b]0;pwned\x07\u202e", True)
    assert line.isascii()
    assert b"\x1b" not in line and b"\x07" not in line
    assert json.loads(line)["id"] == "\x1b]0;pwned\x07\u202e"


def test_notification_line() -> None:
    line = encode_notification("mining.set_difficulty", [1e-06])
    assert json.loads(line) == {"id": None, "method": "mining.set_difficulty", "params": [1e-06]}
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
