"""The compiled view of the settings says what the settings say, per settings object."""

from __future__ import annotations

from decimal import Decimal

from contract_rules import Playbook, RuleSettings
from contract_rules.milestones import pick_playbook
from contract_rules.playbooks import DEFAULT_PLAYBOOKS
from contract_rules.settings import CreditPolicy, PricingMethod, UpgradeLines
from contract_rules.settings_view import view


def test_the_view_holds_the_values_the_evaluation_reads():
    settings = RuleSettings(
        upgrade_lines=UpgradeLines.FULL_SET,
        pricing=PricingMethod.UPLIFT,
        uplift_percent=Decimal(5),
        credit_policy=CreditPolicy.BY_MONTH,
        auto_close_automatic_renewals=False,
        default_segment="long_tail",
    )
    seen = view(settings)
    assert seen.settings is settings
    assert seen.full_set_upgrades is True
    assert seen.pricing is PricingMethod.UPLIFT
    assert seen.auto_close_automatic_renewals is False
    assert seen.playbooks is settings.playbooks
    assert seen.default_segment == "long_tail"
    assert view(RuleSettings()).full_set_upgrades is False


def test_one_view_per_settings_object_and_a_new_one_for_equal_settings():
    first, second = RuleSettings(), RuleSettings()
    assert view(first) is view(first)
    assert view(second) is not view(first)
    assert view(second).settings is second


def test_the_view_picks_the_same_playbook_as_the_settings():
    custom = Playbook(name="emea", steps=DEFAULT_PLAYBOOKS["standard"].steps)
    settings = RuleSettings(playbooks={**DEFAULT_PLAYBOOKS, "emea": custom})
    for segment in (None, "", "standard", "high_touch", "emea", "unknown"):
        want = settings.playbook_for(segment)
        assert view(settings).playbook_for(segment) is want
        assert pick_playbook(settings.playbooks, settings.default_segment, segment) is want
    assert view(settings).playbook_for("emea") is custom
    assert view(settings).playbook_for("unknown") is settings.playbooks["standard"]
