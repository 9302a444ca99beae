"""Untrusted text in log lines."""

from backend.text import loggable


def test_control_bidi_and_escape_characters_are_escaped():
    text = loggable("rig\x1b[2J\r\n\u202eevil\x00\x9b")
    assert text == "rig\\x1b[2J\\x0d\\x0a\\u202eevil\\x00\\x9b"
    assert all(ch.isprintable() for ch in text)


def test_backslash_is_escaped_so_escapes_cannot_be_forged():
    assert loggable("a\\x1b") == "a\\\\x1b"


def test_long_text_is_cut_with_an_ellipsis():
    assert loggable("w" * 500, limit=10) == "w" * 10 + "…"


def test_non_strings_are_shown_as_text():
    assert loggable(["x"]) == "['x']"
