"""HubSpot's error bodies, as the CRM v3/v4 APIs send them.

Shape, per https://developers.hubspot.com/docs/api-reference/error-handling:
`{"status": "error", "message": ..., "correlationId": ..., "category": ..., "errors"?: [...],
"context"?: {...}}`. The page warns that every field is optional and varies by API; the ones a
client branches on (`category`, and `policyName` on a 429) are always present here. Inside a
207 batch response each error also carries `status: "error"`, a `category` and a `context`
naming the ids or traces it concerns.
"""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any

from crm_sandbox.hubspot.schema import PropertyValueError


class HubSpotError(Exception):
    """An error answered as a whole response (400, 401, 404, 409, 423, 429, 5xx)."""

    def __init__(
        self,
        status: int,
        category: str,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.errors = errors
        self.context = context
        self.extra = extra or {}
        self.headers = headers or {}

    def body(self, correlation_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
        }
        if self.category:
            body["category"] = self.category
        if self.errors is not None:
            body["errors"] = self.errors
        if self.context is not None:
            body["context"] = self.context
        body.update(self.extra)
        return body


class CorrelationIds:
    """Deterministic correlation ids (seeded), so two runs of a test print the same bodies."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def validation(message: str, **kwargs: Any) -> HubSpotError:
    return HubSpotError(400, "VALIDATION_ERROR", message, **kwargs)


def not_found(message: str = "Resource not found", **kwargs: Any) -> HubSpotError:
    return HubSpotError(404, "OBJECT_NOT_FOUND", message, **kwargs)


def invalid_properties(problems: list[PropertyValueError]) -> HubSpotError:
    """`Property values were not valid: [...]` with one `errors[]` entry per bad property."""
    details = ", ".join(
        f'{{"isValid":false,"message":"{p.message}","error":"{p.code}","name":"{p.name}"}}'
        for p in problems
    )
    errors = [
        {"message": p.message, "code": p.code, "context": {"propertyName": [p.name]}}
        for p in problems
    ]
    return validation(f"Property values were not valid: [{details}]", errors=errors)


def missing_property(name: str) -> PropertyValueError:
    return PropertyValueError(name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist')


def batch_error(
    category: str, message: str, context: dict[str, list[str]], status: str = "error"
) -> dict[str, Any]:
    """One entry of a 207 response's `errors` array."""
    return {"status": status, "category": category, "message": message, "context": context}
