"""The API's routes, one module per family: v4 owner endpoints, v1 read endpoints, events."""
