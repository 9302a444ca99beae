"""Command palette provider: every key binding of the current screen is also a palette command.

Added to the app as `COMMANDS = App.COMMANDS | {BindingCommands}` so Textual's own commands
(theme, quit, keys, screenshot) stay (STYLE rule 11). Because the commands are read from the
active bindings, the help screen and the palette can never disagree. The footer shows only the
keys that fit 80 columns: the others are bindings with `show=False` and an `id`, which `listed`
still counts as the user's.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from textual.binding import ActiveBinding, Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider


def listed(binding: Binding) -> bool:
    """Whether the help screen and the palette list `binding`: a key with a description that is
    in the footer, or kept out of it for room but given an `id` as every user-facing key is.
    Textual's own hidden keys (tab, ctrl+c) and widgets' cursor keys have no id."""
    return bool(binding.description) and (binding.show or binding.id is not None)


class BindingCommands(Provider):
    """One command per listed, enabled binding of the screen the palette was opened from."""

    def _commands(self) -> Iterator[tuple[str, str, ActiveBinding]]:
        seen: set[str] = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not listed(binding) or not active.enabled:
                continue
            if binding.action in seen or binding.action.startswith("app.command_palette"):
                continue
            seen.add(binding.action)
            shown = binding.key_display or self.app.get_key_display(binding)
            help_text = (
                f"{active.tooltip or binding.tooltip or binding.description} ({shown or key})"
            )
            yield binding.description, help_text, active

    async def _run(self, active: ActiveBinding) -> None:
        await self.app.run_action(active.binding.action, active.node)

    async def discover(self) -> Hits:
        for title, help_text, active in self._commands():
            yield DiscoveryHit(title, partial(self._run, active), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, active in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(title), partial(self._run, active), help=help_text
                )
