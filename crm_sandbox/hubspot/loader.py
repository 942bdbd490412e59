"""Write a generated dataset into the portal as HubSpot objects, without API calls.

The mapping is the one a RevOps admin would set up by hand:

- users -> owners; accounts -> companies (segment, seats, `renewal_sync_key` = account key,
  the key a Salesforce account can share); deals and line items carry no `renewal_sync_key`:
  that property marks what renewal-sync itself wrote, and a generated deal is a person's;
- orders -> deals in the default sales pipeline: closed_won -> `closedwon`, open ->
  `contractsent`, closed_lost -> `closedlost`; a high-touch account's deals are in the second
  pipeline, "Enterprise" (`75330913`), whose numeric stages say won and lost only in their
  metadata (Signed `104710024`, Proposal `104710022`, Not renewed `104710025`); contract
  dates as date properties (midnight UTC);
  a renewal names the deal it renews in `renewed_deal_id`, other amendments the deal they amend
  in `amended_deal_id`; `amount` is the order's yearly value after discounts;
- products -> the product library (`hs_sku`, yearly `price` of recurring kinds,
  `recurringbillingfrequency=annually`, `hs_recurring_billing_period=P12M`); a line item of a
  catalogue sku points at its product (`hs_product_id`);
- lines -> line items associated to their deal (type 20): plan and subscription bricks recur
  (`recurringbillingfrequency=annually`, yearly `price`, `hs_term_in_months`); one-time bricks
  have no billing frequency; usage bricks carry `brick_kind=usage` and `precommit_amount`.
  Recurring discounts go to HubSpot's own `hs_discount_percentage` / `discount` (per unit),
  one-time discounts to the custom one_time_discount_* properties;
- cases -> tickets in the support pipeline (stage 4 = closed; High/Medium/Low -> HIGH/MEDIUM/
  LOW; `time_to_close` derived); NPS answers -> NPS feedback submissions on the company.

It streams account by account (`iter_accounts`), writes straight into the stores under the
portal lock and skips value validation, because the generator's values are known-good.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from crm_sandbox.hubspot import associations
from crm_sandbox.hubspot.context import State
from crm_sandbox.hubspot.schema import format_decimal, iso_ms
from crm_sandbox.records import (
    AccountBundle,
    GenAccount,
    GenFeedback,
    GenLine,
    GenNps,
    GenOrder,
    GenProduct,
    GenUser,
)

STAGES = {"closed_won": "closedwon", "open": "contractsent", "closed_lost": "closedlost"}
ENTERPRISE = "75330913"  # the portal's second deal pipeline: high-touch accounts' deals
ENTERPRISE_STAGES = {"closed_won": "104710024", "open": "104710022", "closed_lost": "104710025"}
PRIORITIES = {"urgent": "URGENT", "high": "HIGH", "medium": "MEDIUM", "low": "LOW"}
RECURRING = {"plan", "subscription"}
FIRST_OWNER_ID = 70_000_001


@dataclass
class LoadReport:
    owners: int = 0
    companies: int = 0
    deals: int = 0
    line_items: int = 0
    products: int = 0
    tickets: int = 0
    feedback_submissions: int = 0
    owner_ids: dict[str, str] = field(default_factory=dict)


def owner_json(user: GenUser, owner_id: str, stamp: str) -> dict[str, object]:
    first, _, last = user.name.partition(" ")
    return {
        "id": owner_id,
        "email": user.email,
        "firstName": first,
        "lastName": last,
        "userId": int(owner_id) - FIRST_OWNER_ID + 1_000_001,
        "userIdIncludingInactive": int(owner_id) - FIRST_OWNER_ID + 1_000_001,
        "type": "PERSON",
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
        "teams": [],
    }


class Loader:
    def __init__(self, state: State) -> None:
        self.state = state
        self.now = state.clock.now()
        self.report = LoadReport()
        self.product_ids: dict[str, int] = {
            r.props["hs_sku"]: r.id
            for r in state.portal.stores["products"].records.values()
            if r.props.get("hs_sku") and not r.archived
        }

    def users(self, users: Iterable[GenUser]) -> None:
        stamp = iso_ms(self.now)
        for user in users:
            owner_id = str(FIRST_OWNER_ID + len(self.state.owners))
            self.state.owners.append(owner_json(user, owner_id, stamp))
            self.report.owner_ids[user.key] = owner_id
            self.report.owners += 1

    def products(self, products: Iterable[GenProduct]) -> None:
        """The product library, once: a sku already in the portal keeps its product."""
        with self.state.portal.lock:
            for product in products:
                if product.sku not in self.product_ids:
                    self.product_ids[product.sku] = self._insert("products", _product(product))

    def bundles(self, bundles: Iterable[AccountBundle]) -> LoadReport:
        for bundle in bundles:
            with self.state.portal.lock:
                self.bundle(bundle)
        self.state.search_cache.clear()
        return self.report

    def bundle(self, bundle: AccountBundle) -> None:
        company = self._insert("companies", self._company(bundle.account))
        deal_ids: dict[str, int] = {}
        for order in bundle.orders:
            deal = self._insert("deals", self._deal(bundle.account, order, deal_ids))
            deal_ids[order.key] = deal
            self._link("deals", 5, deal, company)
            for line in order.lines:
                item = self._insert("line_items", self._line(order, line))
                self._link("line_items", 20, item, deal)
        for case in bundle.cases:
            props = {
                "subject": case.subject,
                "content": case.subject,
                "hs_pipeline": "0",
                "hs_pipeline_stage": "4" if case.closed else "1",
                "hs_ticket_priority": PRIORITIES.get(case.priority.lower(), "MEDIUM"),
                "createdate": iso_ms(case.created_at),
            }
            if case.closed_at is not None:
                props["closed_date"] = iso_ms(case.closed_at)
            self._link("tickets", 26, self._insert("tickets", props), company)
        answers = [*map(_nps, bundle.nps), *map(feedback_submission, bundle.feedback)]
        for answer in answers:
            submission = self._insert("feedback_submissions", answer)
            self._link("feedback_submissions", 928, submission, company)

    def _line(self, order: GenOrder, line: GenLine) -> dict[str, str | None]:
        props = _line(order, line)
        product_id = self.product_ids.get(line.sku)
        props["hs_product_id"] = None if product_id is None else str(product_id)
        return props

    def _company(self, account: GenAccount) -> dict[str, str | None]:
        return {
            "name": account.name,
            "domain": account.domain,
            "hubspot_owner_id": self.report.owner_ids.get(account.owner_key),
            "segment": account.segment,
            "renewal_sync_key": account.key,
            "licensed_seats": str(account.licensed_seats),
            "active_seats": str(account.active_seats),
        }

    def _deal(
        self, account: GenAccount, order: GenOrder, deal_ids: dict[str, int]
    ) -> dict[str, str | None]:
        amends = str(deal_ids[order.amends_key]) if order.amends_key in deal_ids else None
        enterprise = account.segment == "high_touch"
        return {
            "dealname": order.name,
            "amount": format_decimal(sum((_line_value(line) for line in order.lines), Decimal(0))),
            "closedate": _midnight(order.close_date),
            "dealstage": (ENTERPRISE_STAGES if enterprise else STAGES)[order.status],
            "pipeline": ENTERPRISE if enterprise else "default",
            "hubspot_owner_id": self.report.owner_ids.get(account.owner_key),
            "dealtype": "newbusiness" if order.order_type == "new" else "existingbusiness",
            "closed_lost_reason": "Customer declined" if order.status == "closed_lost" else None,
            "order_type": order.order_type,
            "contract_start_date": order.start_date.isoformat(),
            "contract_end_date": order.end_date.isoformat() if order.end_date else None,
            "renewal_terms": order.renewal_terms,
            "renewed_deal_id": amends if order.order_type == "renewal" else None,
            "amended_deal_id": amends if order.order_type != "renewal" else None,
            "product_family": order.product,
            "billed_to_date": format_decimal(order.billed_to_date),
            "createdate": _midnight(order.close_date),
        }

    def _insert(self, object_type: str, props: Mapping[str, str | None]) -> int:
        clean = {k: v for k, v in props.items() if v is not None}
        record = self.state.portal.stores[object_type].insert(clean, self.now)
        setattr(self.report, object_type, getattr(self.report, object_type) + 1)
        return record.id

    def _link(self, from_type: str, type_id: int, from_id: int, to_id: int) -> None:
        self.state.associations.add(associations.TYPES[(from_type, type_id)], from_id, to_id)


def _product(product: GenProduct) -> dict[str, str | None]:
    props: dict[str, str | None] = {
        "name": product.name,
        "description": f"{product.product} ({product.kind.replace('_', ' ')})",
        "hs_sku": product.sku,
        "price": format_decimal(product.list_price),
        "hs_product_type": "service",
        "brick_kind": product.kind,
    }
    if product.kind in RECURRING:
        props["recurringbillingfrequency"] = "annually"
        props["hs_recurring_billing_period"] = "P12M"
    return props


def _line(order: GenOrder, line: GenLine) -> dict[str, str | None]:
    props: dict[str, str | None] = {
        "name": line.sku,
        "hs_sku": line.sku,
        "quantity": str(line.quantity),
        "price": format_decimal(line.unit_price),
        "brick_kind": line.kind,
        "createdate": _midnight(order.close_date),
    }
    if line.kind in RECURRING:
        months = _term_months(order)
        props["recurringbillingfrequency"] = "annually"
        props["hs_term_in_months"] = str(months)
        props["hs_recurring_billing_period"] = f"P{months}M"
        props["hs_recurring_billing_start_date"] = order.start_date.isoformat()
    if line.precommit is not None:
        props["precommit_amount"] = format_decimal(line.precommit)
    for discount in line.discounts:
        if discount.kind == "recurring":
            if discount.percent is not None:
                props["hs_discount_percentage"] = format_decimal(discount.percent)
            if discount.amount is not None and line.quantity:
                props["discount"] = format_decimal(discount.amount / abs(line.quantity))
        else:
            if discount.percent is not None:
                props["one_time_discount_percentage"] = format_decimal(discount.percent)
            if discount.amount is not None:
                props["one_time_discount_amount"] = format_decimal(discount.amount)
    return props


def _line_value(line: GenLine) -> Decimal:
    value = line.unit_price * line.quantity
    for discount in line.discounts:
        if discount.percent is not None:
            value -= value * discount.percent / 100
        if discount.amount is not None:
            value -= discount.amount
    return value + (line.precommit or Decimal(0))


def _term_months(order: GenOrder) -> int:
    """Whole months from the start to the day after the end (2026-02-15..2027-02-14 is 12)."""
    start = order.start_date
    after = (order.end_date or start) + timedelta(days=1)
    months = (after.year - start.year) * 12 + after.month - start.month
    return max(months - (1 if after.day < start.day else 0), 1)


def _nps(answer: GenNps) -> dict[str, str | None]:
    score = answer.score
    group = "PROMOTER" if score >= 9 else "PASSIVE" if score >= 7 else "DETRACTOR"
    submitted = iso_ms(answer.submitted_at)
    return {
        "hs_survey_id": "1",
        "hs_survey_name": "Customer loyalty (NPS)",
        "hs_survey_type": "NPS",
        "hs_survey_channel": "EMAIL",
        "hs_value": str(score),
        "hs_response_group": group,
        "hs_submission_timestamp": submitted,
        "hs_ingestion_id": answer.key,
        "hs_createdate": submitted,
    }


@dataclass(frozen=True, slots=True)
class _Survey:
    id: str
    name: str
    rating: dict[str, str]  # sentiment -> the answer on the survey's own scale


_SURVEYS = {
    "CSAT": _Survey(
        "2", "Customer satisfaction", {"positive": "5", "neutral": "3", "negative": "1"}
    ),
    "CES": _Survey("3", "Customer effort", {"positive": "6", "neutral": "4", "negative": "2"}),
}


def feedback_submission(answer: GenFeedback) -> dict[str, str | None]:
    """A CSAT or CES answer as the portal records it: its rating on the survey's own scale
    and the sentiment HubSpot derives from it."""
    submitted = iso_ms(answer.submitted_at)
    survey = _SURVEYS[answer.survey]
    return {
        "hs_survey_id": survey.id,
        "hs_survey_name": survey.name,
        "hs_survey_type": answer.survey,
        "hs_survey_channel": "EMAIL",
        "hs_value": survey.rating[answer.sentiment],
        "hs_sentiment": answer.sentiment.upper(),
        "hs_submission_timestamp": submitted,
        "hs_ingestion_id": answer.key,
        "hs_createdate": submitted,
    }


def _midnight(day: date) -> str:
    return iso_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
