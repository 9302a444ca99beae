"""The console's widgets, one per module. Widgets never import the client: data comes down as
attributes and method calls, intent goes up as messages."""
