"""The portal's API allowance: a rolling ten-second window per app and a daily count.

Per https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines a private
app gets 100 requests per 10 seconds on Free/Starter and 190 on Professional/Enterprise (250 with
the API limit increase), and the account 250,000 / 625,000 / 1,000,000 a day. Past either limit
every call answers 429 with `{"status": "error", "message": "You have reached your
ten_secondly_rolling limit.", "errorType": "RATE_LIMIT", "correlationId": ...,
"policyName": "TEN_SECONDLY_ROLLING"}` (or `DAILY`), and successful calls carry
`X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds` and `-Daily/-Daily-Remaining`.

The ten-second window runs on a monotonic source (real time by default, so a served sandbox
behaves like a portal) plus an offset that `advance(seconds)` moves, so tests cross a window
without sleeping. The daily count resets when the SandboxClock's UTC date changes (HubSpot resets
at midnight in the account's time zone; the sandbox's account is in UTC). Rejected calls do not
consume allowance.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from crm_sandbox.hubspot.errors import HubSpotError

TEN_SECONDS_MS = 10_000
SEARCH_PER_SECOND = 4
"""The CRM search endpoints' own limit per token: four requests a second
(https://developers.hubspot.com/changelog/crm-search-api-rate-limit-increase); a search past it
answers 429 with policyName SECONDLY, and search answers carry no rate-limit headers."""
TIERS: dict[str, tuple[int, int]] = {
    "free": (100, 250_000),
    "starter": (100, 250_000),
    "professional": (190, 625_000),
    "enterprise": (190, 1_000_000),
    "api_limit_increase": (250, 1_000_000),
}


@dataclass(frozen=True, slots=True)
class Allowance:
    """What is left after a call, for the X-HubSpot-RateLimit-* headers."""

    ten_second_max: int
    ten_second_remaining: int
    daily_max: int
    daily_remaining: int

    def headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Max": str(self.ten_second_max),
            "X-HubSpot-RateLimit-Remaining": str(self.ten_second_remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(TEN_SECONDS_MS),
            "X-HubSpot-RateLimit-Daily": str(self.daily_max),
            "X-HubSpot-RateLimit-Daily-Remaining": str(self.daily_remaining),
        }


class RateLimiter:
    def __init__(
        self,
        ten_second_limit: int,
        daily_limit: int,
        today: Callable[[], date],
        monotonic: Callable[[], float] = time.monotonic,
        search_per_second: int = SEARCH_PER_SECOND,
    ) -> None:
        self.ten_second_limit = ten_second_limit
        self.search_per_second = search_per_second
        self._searches: deque[float] = deque()
        self.daily_limit = daily_limit
        self._today = today
        self._monotonic = monotonic
        self._offset = 0.0
        self._window: deque[float] = deque()
        self._day: date | None = None
        self._daily_used = 0
        self._lock = threading.Lock()

    def advance(self, seconds: float = 10.0) -> None:
        """Move the ten-second window's time forward (tests: `advance_rate_window()`)."""
        with self._lock:
            self._offset += seconds

    def take(self, *, search: bool = False) -> Allowance:
        """Count one call, or raise the 429 HubSpot answers when a limit is spent."""
        with self._lock:
            now = self._monotonic() + self._offset
            self._roll(now)
            if self._daily_used >= self.daily_limit:
                raise _too_many("daily", "DAILY", self._allowance())
            if len(self._window) >= self.ten_second_limit:
                raise _too_many("ten_secondly_rolling", "TEN_SECONDLY_ROLLING", self._allowance())
            if search:
                while self._searches and self._searches[0] <= now - 1.0:
                    self._searches.popleft()
                if len(self._searches) >= self.search_per_second:
                    raise _too_many("secondly", "SECONDLY", self._allowance(), headers=False)
                self._searches.append(now)
            self._window.append(now)
            self._daily_used += 1
            return self._allowance()

    @property
    def daily_used(self) -> int:
        with self._lock:
            return self._daily_used

    def _roll(self, now: float) -> None:
        while self._window and self._window[0] <= now - TEN_SECONDS_MS / 1000:
            self._window.popleft()
        today = self._today()
        if today != self._day:
            self._day = today
            self._daily_used = 0

    def _allowance(self) -> Allowance:
        return Allowance(
            self.ten_second_limit,
            max(self.ten_second_limit - len(self._window), 0),
            self.daily_limit,
            max(self.daily_limit - self._daily_used, 0),
        )


def _too_many(
    label: str, policy: str, allowance: Allowance, *, headers: bool = True
) -> HubSpotError:
    # The documented 429 body has errorType and policyName but no category.
    return HubSpotError(
        429,
        "",
        f"You have reached your {label} limit.",
        extra={"errorType": "RATE_LIMIT", "policyName": policy},
        headers=allowance.headers() if headers else {},
    )
