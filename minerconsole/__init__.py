"""minerconsole: a keyboard-driven terminal console for the minerpool mining pool."""
