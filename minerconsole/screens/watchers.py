"""Watcher links of an account: list, create, revoke."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from backend.api.schemas import WatcherLinkCreated
from minerconsole.api import ApiError, ApiRejected
from minerconsole.formatting import safe_text
from minerconsole.screens.base import ConsoleScreen
from minerconsole.screens.confirm import ConfirmScreen
from minerconsole.screens.watcher_create import WatcherCreateScreen
from minerconsole.screens.watcher_link import WatcherLinkScreen
from minerconsole.widgets.links_table import LinksTable


class WatchersScreen(ConsoleScreen):
    """Owner only: links are created and revoked with the signed v4 API."""

    BINDINGS = [
        Binding("n", "create", "New link", tooltip="Create a read-only watcher link", id="create"),
        Binding("d", "revoke", "Revoke", tooltip="Revoke the selected link", id="revoke"),
        Binding("r", "reload", "Refresh", tooltip="Reload the list", id="refresh"),
    ]

    def __init__(self, account: str) -> None:
        super().__init__()
        self.account = account

    def compose_body(self) -> ComposeResult:
        yield Static("Watcher links", classes="screen-title")
        yield LinksTable(self.console.clock, id="links")
        yield Static(id="problem", classes="problem")

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = f"{self.account} · watcher links"
        self.query_one(LinksTable).focus()
        self._load()

    @work(exclusive=True, exit_on_error=False, group="links")
    async def _load(self) -> None:
        problem = self.query_one("#problem", Static)
        try:
            links = await self.console.api.watcher_links(self.account)
        except ApiError as exc:
            problem.update(safe_text(f"Could not load links: {exc}", 120))
            return
        problem.update("")
        self.query_one(LinksTable).show(links.data)

    def action_reload(self) -> None:
        self._load()

    def action_create(self) -> None:
        names = [summary.name for summary in self.console.accounts or ()] or [self.account]
        self.app.push_screen(WatcherCreateScreen(self.account, names), self._created)

    def _created(self, created: WatcherLinkCreated | None) -> None:
        if created is not None:
            self.app.push_screen(WatcherLinkScreen(created.data.link, created.data.live_until))
            self._load()

    def action_revoke(self) -> None:
        table = self.query_one(LinksTable)
        key = table.selected_key
        if key is None:
            return
        link = table.records[key]
        question = Text.assemble(
            "Revoke the watcher link ",
            safe_text(link.name, 40),
            "?\n",
            "Anyone holding it loses access at once. This cannot be undone.",
        )
        self.app.push_screen(
            ConfirmScreen("Revoke watcher link", question, "Revoke"),
            lambda yes: self._revoke(link.id) if yes else None,
        )

    @work(exclusive=True, exit_on_error=False, group="revoke")
    async def _revoke(self, link_id: str) -> None:
        try:
            await self.console.api.revoke_watcher_link(link_id)
        except ApiRejected as exc:
            self.notify(exc.describe(), title="Not revoked", severity="error", markup=False)
            return
        except ApiError as exc:
            self.notify(str(exc), title="Not revoked", severity="error", markup=False)
            return
        self.notify("Watcher link revoked", markup=False)
        self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revoke":
            return self.query_one(LinksTable).selected_key is not None or None
        return super().check_action(action, parameters)
