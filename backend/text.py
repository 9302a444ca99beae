"""Making untrusted text safe to write into log lines.

Worker names and user agents come from miners. Written raw they could forge log lines (a newline)
or drive the operator's terminal (ESC sequences; security-and-reliability.md §1.11), so every such
string goes through `loggable` first.
"""

from __future__ import annotations

import unicodedata

LOG_TEXT_LIMIT = 80
"""Characters of one untrusted string kept in a log line; the rest is cut with an ellipsis."""


def loggable(text: object, limit: int = LOG_TEXT_LIMIT) -> str:
    """`text` with every non-printable or format character escaped (`\\x1b`, `\\u202e`)."""
    raw = str(text)
    clipped = raw[:limit]
    out = []
    for char in clipped:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable() and unicodedata.category(char) not in {"Cf", "Co", "Cs"}:
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out) + ("…" if len(raw) > limit else "")
