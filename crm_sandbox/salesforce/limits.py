"""The org's daily API allowance.

Every REST call under /services/data/vXX.X counts, whether it succeeds or fails; the
versions list (/services/data) and the OAuth token endpoint do not (Limit Info Header doc).
Once the allowance is used up the org answers 403 REQUEST_LIMIT_EXCEEDED
"TotalRequests Limit exceeded." until the window resets (`reset()` in tests). Each answer
carries `Sforce-Limit-Info: api-usage=USED/MAX`.
"""

from __future__ import annotations

import threading
from typing import Any

from crm_sandbox.salesforce.errors import ApiError


class ApiAllowance:
    def __init__(self, daily_limit: int) -> None:
        self.max = daily_limit
        self.used = 0
        self._lock = threading.Lock()

    def consume(self) -> None:
        with self._lock:
            if self.used >= self.max:
                raise ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
            self.used += 1

    def reset(self, used: int = 0) -> None:
        with self._lock:
            self.used = used

    @property
    def header(self) -> str:
        return f"api-usage={self.used}/{self.max}"

    def limits_body(self) -> dict[str, Any]:
        """A trimmed /limits answer: the daily API requests plus a few neighbours."""
        remaining = max(0, self.max - self.used)
        return {
            "ConcurrentAsyncGetReportInstances": {"Max": 200, "Remaining": 200},
            "DailyApiRequests": {"Max": self.max, "Remaining": remaining},
            "DailyBulkApiBatches": {"Max": 15000, "Remaining": 15000},
            "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
            "DataStorageMB": {"Max": 5120, "Remaining": 5120},
            "SingleEmail": {"Max": 5000, "Remaining": 5000},
        }
