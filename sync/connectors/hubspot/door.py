"""The one door to HubSpot: the unmodified hubspot-api-client and the policy every call obeys.

Per call, in order: check the API budget (the share of the daily allowance last reported in
`X-HubSpot-RateLimit-Daily` / `-Daily-Remaining`; reaching it raises DeferRunError *before*
the call); wait for room in the ten-second window (a client-side sliding window of
`settings.hubspot_ten_second_limit` calls on an injectable monotonic clock); count the call;
make it; on a transient failure retry with tenacity (bounded attempts, exponential back-off
with jitter; an injectable `sleep` so tests never wait); anything else becomes the port's
error (see `errors`).

A 429 of the ten-second or per-second policy is not a failure to count against those
attempts: the door waits what its `Retry-After` or `X-HubSpot-RateLimit-Interval-Milliseconds`
says (else the policy's window: 10 s, or 1 s for SECONDLY) and tries again, for as long as
the run's rate-limit budget lasts (`hubspot_rate_limit_budget_seconds`, summed over the run).
Only a spent budget gives up (RATE_LIMITS, the run fails and the next one resumes); a 429 of
the DAILY policy defers the run at once.

The client is built with `retry=Retry(total=0)`, so urllib3 never retries behind this door's
back, and every call asks for the raw response (`_preload_content=False`): the door reads the
rate-limit headers of successes, and the JSON is parsed once, without the generated models
(their deserialisation costs more than the network for 10,000-record pulls). Each API object
of the client owns a urllib3 pool, so they are built once here, not per call.

Limits: API usage guidelines
(https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines) - 100 calls
per ten seconds on Free/Starter, 190 on Professional/Enterprise, 250 with the increase; the
daily allowance per portal. The window's size is the portal's own once a response has said
it (`X-HubSpot-RateLimit-Max` over `-Interval-Milliseconds` of 10,000: a Professional portal
allows 190 whatever the setting says; the setting is the tier's figure until then). The CRM
search endpoints have their own limit, four requests a second per token
(https://developers.hubspot.com/changelog/crm-search-api-rate-limit-increase), and their
answers carry no rate-limit headers: searches are paced by a one-second window of their own
(`settings.hubspot_search_per_second`).
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import hubspot
from tenacity import (
    RetryCallState,
    Retrying,
    retry_base,
    retry_if_exception,
    stop_after_attempt,
)
from urllib3.util.retry import Retry

from sync.connectors.hubspot.errors import (
    API_ERRORS,
    NETWORK_ERRORS,
    RATE_LIMITS,
    CallContext,
    body_of,
    error_code,
    header,
    is_transient,
    status_of,
    to_crm_error,
)
from sync.connectors.retry import RetryPolicy
from sync.core.logs import get_logger
from sync.core.ports import ApiUsage, CrmError, DeferRunError

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]
Request = Callable[["Apis"], Any]

TIMEOUT = (10.0, 120.0)  # connect, read (seconds); the generated client sets none
RAW: dict[str, Any] = {"_preload_content": False, "_request_timeout": TIMEOUT}
WINDOW_SECONDS = 10.0
DEFAULT_RATE_LIMIT_BUDGET = 600.0  # seconds a run may wait for 429s in all
log = get_logger("sync.connectors.hubspot")


@dataclass(frozen=True, slots=True)
class Answer:
    """A 2xx answer: status, parsed JSON body (None for 204) and the headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class Apis:
    """The client's API objects, built once (each one owns its own connection pool)."""

    def __init__(self, client: hubspot.HubSpot) -> None:
        crm = client.crm
        self.basic = crm.objects.basic_api
        self.batch = crm.objects.batch_api
        self.search = crm.objects.search_api
        self.owners = crm.owners.owners_api
        self.properties = crm.properties.core_api
        self.groups = crm.properties.groups_api
        self.associations = crm.associations.v4.batch_api
        self.pipelines = crm.pipelines.pipelines_api


def build_client(access_token: str, host: str) -> hubspot.HubSpot:
    """The unmodified client, urllib3's own retries off: the door owns retrying."""
    return hubspot.HubSpot(access_token=access_token, host=host.rstrip("/"), retry=Retry(total=0))


class TenSecondWindow:
    """At most `limit` calls in any rolling `seconds` (ten by default), on an injectable clock.

    When the window is full it sleeps once until the oldest call leaves it. It trusts the
    sleep (an injected one need not move the clock) and never loops, so it cannot hang."""

    def __init__(
        self, limit: int, monotonic: Monotonic, sleep: Sleep, seconds: float = WINDOW_SECONDS
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self.monotonic = monotonic
        self.sleep = sleep
        self.stamps: deque[float] = deque()
        self.waited = 0.0

    def acquire(self) -> None:
        now = self._roll()
        if len(self.stamps) >= self.limit:
            wait = self.stamps[0] + self.seconds - now
            if wait > 0:
                self.waited += wait
                self.sleep(wait)
            now = self._roll()
        self.stamps.append(now)

    def _roll(self) -> float:
        now = self.monotonic()
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        return now


class Door:
    """Every request to the portal passes here; `calls` and `last_usage` account for them."""

    def __init__(
        self,
        client: hubspot.HubSpot,
        *,
        ten_second_limit: int,
        budget_share: float,
        search_per_second: int = 4,
        policy: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
        rate_limit_budget: float = DEFAULT_RATE_LIMIT_BUDGET,
    ) -> None:
        self.apis = Apis(client)
        self.budget_share = budget_share
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.window = TenSecondWindow(ten_second_limit, monotonic, sleep)
        self.searches = TenSecondWindow(search_per_second, monotonic, sleep, seconds=1.0)
        self.rate_limit_budget = rate_limit_budget
        self.rate_waited = 0.0  # seconds this run has waited for 429s so far
        self.calls = 0
        self.rate_limited = 0
        self.last_usage: ApiUsage | None = None

    def call(self, request: Request, context: CallContext, *, search: bool = False) -> Answer:
        """One API call through budget, window and retries; failures as the port's errors.
        `search`: a CRM search, paced by the search endpoints' own per-second window too."""
        retrying = self.retrying(retry_if_exception(_transient_not_rate_limited))
        while True:
            try:
                return retrying(self._attempt, request, search)
            except CrmError:
                raise
            except (*API_ERRORS, *NETWORK_ERRORS) as exc:
                if _rate_limited(exc) and self._wait_for_rate_limit(exc):
                    continue
                error = to_crm_error(exc, context)
                log.warning("hubspot.call_failed", code=error.code, object=context.object_name)
                raise error from exc

    def _wait_for_rate_limit(self, exc: BaseException) -> bool:
        """Wait what the 429 names, if the run's rate-limit budget allows; False: give up."""
        wait = _retry_after(exc) or _POLICY_WINDOW.get(_policy(exc), WINDOW_SECONDS)
        if self.rate_waited + wait > self.rate_limit_budget:
            log.warning(
                "hubspot.rate_limit_budget_spent",
                waited_seconds=round(self.rate_waited, 1), budget=self.rate_limit_budget,
            )  # fmt: skip
            return False
        self.rate_waited += wait
        log.info("hubspot.rate_limited", policy=_policy(exc), wait_seconds=wait)
        self.sleep(wait)
        return True

    def retrying(self, retry: retry_base, *, attempts: int | None = None) -> Retrying:
        """Tenacity with this door's policy, wait and sleep; the last failure is re-raised."""
        return Retrying(
            retry=retry,
            stop=stop_after_attempt(attempts or self.policy.attempts),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
            before_sleep=_log_retry,
        )

    def pause(self, round_number: int, reason: str) -> None:
        """Back off before another round for records that failed transiently (locks)."""
        wait = min(self.policy.initial_wait * 2**round_number, self.policy.max_wait)
        log.info("hubspot.retry_records", reason=reason, round=round_number + 1, wait=wait)
        self.sleep(wait)

    def _attempt(self, request: Request, search: bool = False) -> Answer:
        self.check_budget()
        if search:  # first: its wait must not age the ten-second window's stamp
            self.searches.acquire()
        self.window.acquire()
        self.calls += 1
        try:
            response = request(self.apis)
        except API_ERRORS as exc:
            self._observe(getattr(exc, "headers", None) or {})
            if status_of(exc) == 429:
                self.rate_limited += 1
            raise
        headers = {k: str(v) for k, v in response.headers.items()}
        self._observe(headers)
        data = response.data
        body = json.loads(data) if data else None
        return Answer(int(response.status), body, headers)

    def _wait(self, state: RetryCallState) -> float:
        """Exponential back-off with jitter, capped (rate limits wait in `call`)."""
        return float(self.policy.wait()(state))

    # -- limits -------------------------------------------------------------------------

    def check_budget(self) -> None:
        """DeferRunError before a call once the configured share of the allowance is used."""
        usage = self.last_usage
        if usage is not None and usage.share() >= self.budget_share:
            raise DeferRunError(
                "API_BUDGET_REACHED",
                f"{usage.used} of {usage.limit} daily API calls are used "
                f"({usage.share():.0%}); the configured budget is {self.budget_share:.0%}",
            )

    def _observe(self, headers: Any) -> None:
        burst = _int(headers.get("X-HubSpot-RateLimit-Max"))
        interval = _int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
        if burst and interval == int(WINDOW_SECONDS * 1000) and burst != self.window.limit:
            log.info("hubspot.rate_window_learned", limit=burst, was=self.window.limit)
            self.window.limit = burst  # the portal's own allowance, whatever its tier setting
        daily = _int(headers.get("X-HubSpot-RateLimit-Daily"))
        remaining = _int(headers.get("X-HubSpot-RateLimit-Daily-Remaining"))
        if daily is not None and remaining is not None:
            self.last_usage = ApiUsage(max(daily - remaining, 0), daily)


_POLICY_WINDOW = {"TEN_SECONDLY_ROLLING": WINDOW_SECONDS, "SECONDLY": 1.0}


def _policy(exc: BaseException) -> str:
    return str(body_of(exc).get("policyName") or "")


def _rate_limited(exc: BaseException) -> bool:
    """A 429 of a short window (not DAILY: that one defers the run)."""
    return status_of(exc) == 429 and error_code(exc) == RATE_LIMITS


def _transient_not_rate_limited(exc: BaseException) -> bool:
    return is_transient(exc) and not _rate_limited(exc)


def _retry_after(exc: BaseException) -> float | None:
    """Seconds to wait after a 429: Retry-After, else the window's interval."""
    seconds = _float(header(exc, "Retry-After"))
    if seconds is not None:
        return seconds
    interval = _float(header(exc, "X-HubSpot-RateLimit-Interval-Milliseconds"))
    return None if interval is None else interval / 1000


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _log_retry(state: RetryCallState) -> None:
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None and outcome.failed else None
    log.warning(
        "hubspot.retry",
        attempt=state.attempt_number,
        wait_seconds=round(state.upcoming_sleep, 2),
        code=error_code(exc) if exc is not None else None,
    )
