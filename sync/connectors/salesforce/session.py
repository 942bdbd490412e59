"""The one door to Salesforce: a requests.Session, an unmodified simple-salesforce client on
it, and the policy every call goes through.

Per call, in order: check the API budget (the share of the daily allowance last reported in
`Sforce-Limit-Info`; reaching it raises DeferRunError *before* the call is made); count the
call; make it; on a transient failure retry with tenacity (exponential back-off with jitter,
capped, a configurable number of attempts, an injectable `sleep` so tests never wait); on an
expired session (401 INVALID_SESSION_ID) log in again once and repeat the call; anything
else becomes the port's error (see `errors`).

Retrying writes is safe here because the adapter only writes idempotently: upserts keyed by
an external id and updates by Id. A connection dropped after the server committed a write
is retried like any other connection error and lands on the same record.

Sforce-Limit-Info ("api-usage=USED/MAX") is read by a response hook on the session, so error
answers update the usage too (simple-salesforce only parses it on success). Limit Info
Header: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError, SalesforceExpiredSession
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from sync.connectors.retry import RetryPolicy
from sync.connectors.salesforce.auth import Authenticator, Token
from sync.connectors.salesforce.errors import (
    CallContext,
    error_code,
    is_transient,
    to_crm_error,
)
from sync.core.logs import get_logger
from sync.core.ports import (
    ApiUsage,
    AuthenticationError,
    CrmError,
    CrmUnavailableError,
    DeferRunError,
)

T = TypeVar("T")
Sleep = Callable[[float], None]
Request = Callable[[Salesforce], T]

# simple-salesforce sets no timeout; a socket that never answers would hold the run forever.
TIMEOUT = (10.0, 120.0)  # connect, read (seconds)
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
log = get_logger("sync.connectors.salesforce")


class Door:
    """Every request to the org passes here; `calls` and `usage` are its account of them."""

    def __init__(
        self,
        auth: Authenticator,
        *,
        session: requests.Session,
        version: str,
        budget_share: float,
        policy: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.auth = auth
        self.session = session
        self.version = version
        self.budget_share = budget_share
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.calls = 0
        self._counting = threading.Lock()
        self.logins = 0
        self.last_usage: ApiUsage | None = None
        session.hooks["response"].append(self._observe)
        self.client = self._connect()

    # -- the call path ------------------------------------------------------------------

    def call(self, request: Request[T], context: CallContext) -> T:
        """Make one API call through budget check, retries and one re-authentication."""
        try:
            return self._with_reauth(request)
        except CrmError:
            raise
        except (SalesforceError, requests.RequestException) as exc:
            error = to_crm_error(exc, context)
            log.warning("salesforce.call_failed", code=error.code, object=context.object_name)
            raise error from exc

    def _with_reauth(self, request: Request[T]) -> T:
        try:
            return self._retrying(request)
        except SalesforceExpiredSession:
            if not self.auth.renewable:
                raise AuthenticationError(
                    "INVALID_SESSION_ID",
                    "the Salesforce session expired and a given token cannot be renewed: set a "
                    "fresh SF_ACCESS_TOKEN, or configure JWT bearer / client credentials",
                ) from None
        log.info("salesforce.session_expired", auth=self.auth.kind)
        self.client = self._connect()
        try:
            return self._retrying(request)
        except SalesforceExpiredSession:
            raise AuthenticationError(
                "INVALID_SESSION_ID", "a freshly issued Salesforce session was refused"
            ) from None

    def _retrying(self, request: Request[T]) -> T:
        retrying = self.retrying(retry_if_exception(is_transient))
        result: T = retrying(self._attempt, request)
        return result

    def _attempt(self, request: Request[T]) -> T:
        with self._counting:  # write calls may be in flight from several threads
            self.check_budget()
            self.calls += 1
        return request(self.client)

    def retrying(
        self,
        retry: Any,
        *,
        attempts: int | None = None,
        give_up: Callable[[], Any] | None = None,
        reason: str | None = None,
    ) -> Retrying:
        """A tenacity policy with this door's back-off, sleep and logging.

        `give_up` makes the last result stand when attempts run out on a retried *result*
        (locked rows still locked: their outcomes say so); exceptions are always re-raised.
        """
        return Retrying(
            retry_error_callback=(lambda state: give_up()) if give_up else None,
            retry=retry,
            stop=stop_after_attempt(attempts or self.policy.attempts),
            wait=self.policy.wait(),
            sleep=self.sleep,
            before_sleep=partial(_log_retry, reason),
            reraise=True,
        )

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

    def _observe(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        found = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if found:
            self.last_usage = ApiUsage(int(found.group(1)), int(found.group(2)))

    # -- sessions -----------------------------------------------------------------------

    def _connect(self) -> Salesforce:
        """Log in (retrying a busy token endpoint) and build a client on the shared session."""
        retrying = self.retrying(retry_if_exception(is_transient))
        try:
            token: Token = retrying(self.auth.login, self.session)
        except requests.RequestException as exc:
            raise CrmUnavailableError(
                error_code(exc), "the Salesforce login endpoint could not be reached"
            ) from exc
        self.logins += 1
        log.info("salesforce.logged_in", auth=self.auth.kind, instance_url=token.instance_url)
        return Salesforce(
            instance_url=token.instance_url,
            session_id=token.access_token,
            version=self.version,
            session=self.session,
        )


def _log_retry(reason: str | None, state: RetryCallState) -> None:
    outcome = state.outcome
    exc = outcome.exception() if outcome is not None and outcome.failed else None
    log.warning(
        "salesforce.retry",
        attempt=state.attempt_number,
        wait_seconds=round(state.upcoming_sleep, 2),
        code=error_code(exc) if exc is not None else reason,
    )
