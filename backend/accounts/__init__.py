"""Mining accounts: naming rules and the stratum authorizer built on the store."""
