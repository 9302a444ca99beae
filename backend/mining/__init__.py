"""Pure mining domain: work from templates, and judgement of the shares miners return.

Nothing here does IO or reads a clock; every time is an argument. The pieces, in the order work
flows through them:

- ``template``: the block template a chain source hands over (Core's getblocktemplate, parsed).
- ``coinbase``: the coinbase transaction cut into coinb1/coinb2 around the extranonce slot.
- ``jobs``: a ``Job`` is one mining.notify; ``JobBuilder`` makes them, ``JobTable`` keeps the live
  ones, knows which are stale, and holds their duplicate filters.
- ``shares``: parsing mining.submit and validating a share in one fixed order (stratum reference
  §2.2), returning a ``ShareResult`` value rather than raising.
- ``blocks``: the full block for submitblock when a share meets the network target.
- ``vardiff``: per-connection difficulty that aims at one share every few seconds.
- ``extranonce``: unique extranonce1 values for live sessions.
"""
