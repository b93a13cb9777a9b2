"""The footer of every screen: Textual's compact Footer, composed again only when the keys it shows change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # Footer's own keys: Textual exports no other name for them

# A key as the footer shows it: key, key display, description, action, enabled, tooltip.
ShownKey = tuple[str, str, str, str, bool, str]


class KeysFooter(Footer):
    """Textual's footer recomposes each time the screen says its bindings may have changed: every focus
    change, every time the screen is shown again, several times per step change. Each recompose mounts every
    key anew and restyles it twice (mounted, then given its compact class), which was a good part of what a
    step change cost. This one composes only when the keys differ from those shown, and its keys are born
    with their compact class. The wizard's bindings have no groups and no palette key on the right, so one
    key per action is all there is to show (as Textual shows it: the action's first binding)."""

    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
        self.ready = False  # the screen said its bindings are known (as Footer waits for, before composing)
        self.shown: tuple[ShownKey, ...] | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        self.ready = True
        super().bindings_changed(screen)

    def keys(self) -> tuple[ShownKey, ...]:
        by_action: dict[str, ShownKey] = {}
        # A screen may name its keys by what they do there (a question's answers by their outcome).
        named = getattr(self.screen, "key_descriptions", {})
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in by_action:
                display = self.app.get_key_display(binding)
                by_action[binding.action] = (
                    binding.key,
                    display,
                    named.get(binding.action, binding.description),
                    binding.action,
                    enabled,
                    tooltip,
                )
        return tuple(by_action.values())

    async def recompose(self) -> None:
        if self.shown is not None and self.is_attached and self.keys() == self.shown:
            return  # the same keys: nothing to draw again
        await super().recompose()

    def compose(self) -> ComposeResult:
        if not self.ready:
            return
        self.shown = self.keys()
        for key, display, description, action, enabled, tooltip in self.shown:
            yield FooterKey(
                key, display, description, action, disabled=not enabled, tooltip=tooltip, classes="-compact"
            )
