"""Health signals from another CRM: HubSpot tickets and NPS for Salesforce accounts.

Many Salesforce shops keep support and surveys in HubSpot. With `health_signals_from =
"hubspot"`, a Salesforce run also pulls HubSpot companies, tickets and feedback submissions
(through the HubSpot mapping, into the mirror under crm "hubspot"), matches each account to
one company by web domain or by a shared key (both read through each CRM's own mapping), and
scores health from the company's tickets and NPS instead of the org's own cases. A match is
never guessed: an account whose key meets no company, or several, keeps no HubSpot signals
and is reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from contract_rules import Account
from mappings import (
    AccountExtras,
    CaseRecord,
    FeedbackRecord,
    Mapping,
    NpsRecord,
    TranslationError,
    to_account,
    to_case,
    to_feedback,
    to_nps,
)
from sync.core.ports import CrmPort
from sync.pipeline.context import RunContext
from sync.pipeline.pull import PullOutcome, pull_all
from sync.pipeline.world import World
from sync.state import RecordFailure, Stage, StateStore

T = TypeVar("T")

SIGNAL_CONCEPTS = ("case", "nps", "feedback")
"""The read concepts that are health signals: what another CRM may supply for an account."""
SIGNAL_STREAMS = frozenset({"account", *SIGNAL_CONCEPTS})
MATCH_OBJECT = "health_match"


@dataclass
class Signals:
    """Another CRM's companies and their tickets, NPS and feedback answers."""

    companies: dict[str, tuple[Account, AccountExtras]] = field(default_factory=dict)
    cases: dict[str, list[CaseRecord]] = field(default_factory=lambda: defaultdict(list))
    nps: dict[str, list[NpsRecord]] = field(default_factory=lambda: defaultdict(list))
    feedback: dict[str, list[FeedbackRecord]] = field(default_factory=lambda: defaultdict(list))
    errors: list[TranslationError] = field(default_factory=list)
    readable: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


@dataclass
class Match:
    """Account id -> company id, and the accounts that could not be matched (with why)."""

    matched: dict[str, str] = field(default_factory=dict)
    unmatched: dict[str, str] = field(default_factory=dict)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)


def pull_signals(ctx: RunContext, port: CrmPort, mapping: Mapping) -> PullOutcome:
    """Pull the other CRM's companies, tickets and feedback into the mirror."""
    other = replace(ctx, port=port, mapping=mapping)
    outcome = pull_all(other, only=SIGNAL_STREAMS)
    ctx.stats.update({f"signals.{k}": v for k, v in other.stats.items() if k.startswith("pulled.")})
    return outcome


def load_signals(store: StateStore, crm: str, mapping: Mapping) -> Signals:
    """The other CRM's mirrored companies, tickets, NPS and feedback answers; a record that
    cannot be read is kept in `errors` (the run reports it), never dropped from a health score."""
    signals = Signals()
    for company in _readable(signals, store, crm, "account", to_account, mapping):
        signals.companies[company[0].id] = company
    for case in _readable(signals, store, crm, "case", to_case, mapping):
        signals.cases[case.account_id].append(case)
    for answer in _readable(signals, store, crm, "nps", to_nps, mapping):
        signals.nps[answer.account_id].append(answer)
    for said in _readable(signals, store, crm, "feedback", to_feedback, mapping):
        signals.feedback[said.account_id].append(said)
    return signals


def _readable(  # noqa: PLR0917 - four call sites in a row, each naming its concept
    signals: Signals,
    store: StateStore,
    crm: str,
    concept: str,
    translate: Callable[[dict[str, Any], Mapping], T | TranslationError],
    mapping: Mapping,
) -> Iterator[T]:
    for record in store.mirror.list_type(crm, concept):
        translated = translate(dict(record.data), mapping)
        if isinstance(translated, TranslationError):
            signals.errors.append(translated)
            continue
        signals.readable[concept].add(record.record_id)
        yield translated


def signal_failures(ctx: RunContext, source_crm: str, signals: Signals) -> list[RecordFailure]:
    """Unreadable records of the other CRM, filed under this deployment's CRM so that
    `renewal-sync errors` shows them (object type `hubspot:case`, ...)."""
    return [
        RecordFailure(
            ctx.crm,
            f"{source_crm}:{e.concept}",
            e.record_id,
            Stage.DECIDE,
            "UNREADABLE_RECORD",
            str(e),
        )
        for e in signals.errors
    ]


def match_accounts(
    accounts: dict[str, tuple[Account, AccountExtras]],
    companies: dict[str, tuple[Account, AccountExtras]],
    on: str,
) -> Match:
    """Pair accounts and companies on one key; never guess between several."""
    index: dict[str, list[str]] = defaultdict(list)
    for company_id, (_, extras) in companies.items():
        key = match_key(extras, on)
        if key:
            index[key].append(company_id)
    match = Match()
    for account_id, (_, extras) in accounts.items():
        key = match_key(extras, on)
        found = index.get(key, []) if key else []
        if len(found) == 1:
            match.matched[account_id] = found[0]
        elif len(found) > 1:
            match.ambiguous[account_id] = sorted(found)
        else:
            match.unmatched[account_id] = f"no company with {on} {key!r}" if key else f"no {on}"
    return match


def match_key(extras: AccountExtras, on: str) -> str | None:
    """The normalised key: domains compare without scheme, `www.` and case."""
    raw = extras.domain if on == "domain" else extras.match_key
    if not raw:
        return None
    text = raw.strip().lower()
    if on == "domain":
        text = text.removeprefix("https://").removeprefix("http://").removeprefix("www.")
        text = text.split("/")[0]
    return text or None


def apply_signals(world: World, signals: Signals, match: Match) -> None:
    """Health parts from the matched company's tickets, NPS and feedback, nothing for the
    others."""
    world.cases = defaultdict(list)
    world.nps = defaultdict(list)
    world.feedback = defaultdict(list)
    for account_id, company_id in match.matched.items():
        world.cases[account_id] = list(signals.cases.get(company_id, []))
        world.nps[account_id] = list(signals.nps.get(company_id, []))
        world.feedback[account_id] = list(signals.feedback.get(company_id, []))


def match_failures(ctx: RunContext, match: Match) -> list[RecordFailure]:
    """Unmatched and ambiguous accounts, for `renewal-sync errors`."""
    failures = [
        RecordFailure(
            ctx.crm, MATCH_OBJECT, account_id, Stage.DECIDE, "AMBIGUOUS_HEALTH_MATCH",
            f"Account {account_id} matches HubSpot companies {', '.join(ids)}; no HubSpot "
            "signals are used until exactly one company shares its key",
        )
        for account_id, ids in match.ambiguous.items()
    ]  # fmt: skip
    failures += [
        RecordFailure(
            ctx.crm, MATCH_OBJECT, account_id, Stage.DECIDE, "NO_HEALTH_MATCH",
            f"Account {account_id} has no HubSpot company ({why}); its health has no "
            "ticket, NPS or feedback part",
        )
        for account_id, why in match.unmatched.items()
    ]  # fmt: skip
    return failures


def touched_by_signals(outcome: PullOutcome, signals: Signals, match: Match) -> set[str]:
    """Accounts whose matched company, tickets or feedback changed in this run."""
    changed_companies = set(outcome.touched.get("account", set()))
    by_concept: dict[str, dict[str, list[Any]]] = {
        "case": signals.cases,
        "nps": signals.nps,
        "feedback": signals.feedback,
    }
    for concept, by_company in by_concept.items():
        ids = outcome.touched.get(concept, set())
        changed_companies |= {
            c for c, records in by_company.items() if any(r.id in ids for r in records)
        }
    return {a for a, c in match.matched.items() if c in changed_companies}
