"""The settings as the evaluation path reads them: one compiled record per `RuleSettings`.

`RuleSettings` is a pydantic model, and compiled code reads a model field through CPython's
generic look-up plus the model's `__getattr__` hook (about 0.2 us each on this machine). The
evaluation reads four of them per subscription, and calls `playbook_for`, an interpreted
method. `view(settings)` reads them once per settings object and keeps the result, keyed by
the object's identity (and holding the object, so the identity cannot be reused while kept).
The dictionaries are shared, not copied: a view always says what its settings say.
"""

from __future__ import annotations

from typing import Final

from contract_rules.milestones import pick_playbook
from contract_rules.playbooks import Playbook
from contract_rules.settings import PricingMethod, RuleSettings, UpgradeLines


class SettingsView:
    """What the evaluation path reads of a `RuleSettings`, as plain fields."""

    __slots__ = (
        "auto_close_automatic_renewals",
        "default_segment",
        "full_set_upgrades",
        "playbooks",
        "pricing",
        "settings",
    )

    def __init__(self, settings: RuleSettings) -> None:
        self.settings: Final = settings
        self.full_set_upgrades: Final = settings.upgrade_lines is UpgradeLines.FULL_SET
        self.pricing: Final[PricingMethod] = settings.pricing
        self.auto_close_automatic_renewals: Final = settings.auto_close_automatic_renewals
        self.playbooks: Final[dict[str, Playbook]] = settings.playbooks
        self.default_segment: Final = settings.default_segment

    def playbook_for(self, segment: str | None) -> Playbook:
        """`RuleSettings.playbook_for`, compiled."""
        return pick_playbook(self.playbooks, self.default_segment, segment)


def view(settings: RuleSettings) -> SettingsView:
    """The view of `settings`, made on first use."""
    last = _LAST[0]
    if last is not None and last.settings is settings:  # the usual case: no id(), no dict
        return last
    found = _VIEWS.get(id(settings))
    if found is not None and found.settings is settings:
        _LAST[0] = found
        return found
    if len(_VIEWS) >= _MAX_VIEWS:  # a daemon that reloads its settings makes new objects
        _VIEWS.clear()
    made = SettingsView(settings)
    _VIEWS[id(settings)] = made
    _LAST[0] = made
    return made


_MAX_VIEWS: Final = 256
_VIEWS: Final[dict[int, SettingsView]] = {}
_LAST: Final[list[SettingsView | None]] = [None]  # the view asked for last (one item)
