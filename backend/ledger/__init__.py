"""The ledger: what shares are worth, who is owed what, and the jobs that keep the books.

The pure domain — no IO, no asyncio, no database; every time is an argument:

- ``events``: ``ShareEvent``, one judged share as the recorder queues it.
- ``buckets``: share events summed per (account, worker, 5-minute bucket), rolled up to 1 h and
  24 h; hashrate, reject rates.
- ``batch``: a recorder batch — bucket deltas, accruals, PPLNS log lines, worker updates, blocks.
- ``status``: worker status online / low / offline. ``workers``: the stored worker rows.
- ``blocks``: found blocks, pending → confirmed or orphaned.
- ``rewards``: subsidy, FPPS per-share value, accrual per bucket, the daily close.
  ``terms``: the FPPS terms read off each template.
- ``pplns``: the PPLNS window and a block's split, with its journal postings.
- ``journal``: the append-only double-entry balance journal in integer satoshis.
  ``balances``: an account's balance view.
- ``payouts``: due payouts, the payout state machine, reconciliation after a crash.
  ``destination``: checking a payout address for the pool's network.
- ``settings``: the ``[ledger]`` tunables.

What runs, on the event loop or its worker threads, through the store:

- ``sink`` → ``recorder`` (with ``recovery``, its append-only file): shares off the hot path, into
  the store in batches.
- ``tracker`` (blocks), ``closing`` (the FPPS day), ``payout_runner`` with a ``wallet``
  (embedded chain) or ``core_wallet`` (Bitcoin Core): the background jobs ``jobs`` runs in
  exactly one process per database.
- ``feed``: live account events for the API.
"""
