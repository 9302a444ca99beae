"""The pool process: stratum listener, chain, ledger, store and API."""
