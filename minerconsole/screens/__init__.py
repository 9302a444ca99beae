"""The console's screens and modals, one per module. Screens compose widgets and route messages;
data loading goes through the app's `PoolApi` in workers."""
