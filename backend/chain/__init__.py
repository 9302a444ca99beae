"""Where work comes from and where found blocks go.

The pool sees one protocol, ``source.TemplateSource`` (templates in, submitblock results out,
``ChainInfo`` about the tip, ``ChainUnavailable`` when the chain cannot be reached), with two
implementations:

- ``embedded.EmbeddedChain`` / ``EmbeddedSource``: a private chain the pool runs itself, so the
  project works with no node. Real Bitcoin blocks on Core's regtest genesis, with regtest
  addresses (``bcrt1…``); ``params`` holds its consensus parameters, ``retarget`` the every-block
  difficulty adjustment toward a human block interval, ``mempool`` the synthetic and wallet
  transactions of its templates, ``validation`` Core's block checks and reject strings,
  ``blockindex`` the block tree and active chain, ``blockstore`` its SQLite file.
- ``bitcoind.BitcoindClient``: Bitcoin Core over JSON-RPC.

``node_server`` serves an ``EmbeddedChain`` over Core's JSON-RPC subset, so pool processes can
share one embedded chain as they would share a Core node.

Byte order as everywhere in the backend: hashes are ``bytes`` in internal order; display hex
(``to_display``) only at the edges.
"""
