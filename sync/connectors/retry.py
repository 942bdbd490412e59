"""How hard an adapter tries before it gives up: one policy shared by every CRM's door."""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import wait_exponential_jitter


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Call attempts for transient failures, rounds for locked records, and the back-off."""

    attempts: int = 5
    lock_attempts: int = 4
    initial_wait: float = 1.0
    max_wait: float = 30.0
    jitter: float = 1.0

    def wait(self) -> wait_exponential_jitter:
        """Exponential back-off with jitter, capped: never a retry storm."""
        return wait_exponential_jitter(
            multiplier=self.initial_wait, max=self.max_wait, jitter=self.jitter
        )
