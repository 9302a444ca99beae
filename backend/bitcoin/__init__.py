"""Bitcoin primitives: hashing, serialization, addresses, headers, targets, merkle trees.

Pure functions and frozen values only: nothing here does IO, reads the clock or keeps global
mutable state, so the share path, the embedded chain and the console can all import it freely.
Import from the module that holds the noun (``backend.bitcoin.target``,
``backend.bitcoin.address``); this package deliberately re-exports nothing.

Byte-order convention: hashes are ``bytes`` in internal order (as hashed and serialized);
"display hex" is the byte-reversed hex that RPC and block explorers print.
"""
