"""Salesforce's error shapes.

Request-level failures answer with an HTTP status and a JSON array
`[{"message": ..., "errorCode": ...}]`; per-record failures inside sObject Collections are
`{"statusCode": ..., "message": ..., "fields": [...]}` in a SaveResult. OAuth errors are the
standard `{"error": ..., "error_description": ...}` object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """A whole request fails: rendered as `[{"message", "errorCode"(, "fields")}]`."""

    def __init__(
        self, status: int, code: str, message: str, fields: list[str] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        item: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = self.fields
        return [item]


class OAuthError(Exception):
    """The token endpoint's error object (`invalid_grant`, `invalid_client`...)."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description


@dataclass(frozen=True, slots=True)
class RecordError:
    """One entry of a SaveResult's `errors` list."""

    status_code: str
    message: str
    fields: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "statusCode": self.status_code,
            "message": self.message,
            "fields": list(self.fields),
        }


class RecordFailure(Exception):  # noqa: N818 - named after the SaveResult it becomes
    """Raised while validating one record; becomes a `success: false` SaveResult."""

    def __init__(self, status_code: str, message: str, fields: tuple[str, ...] = ()) -> None:
        super().__init__(f"{status_code}: {message}")
        self.error = RecordError(status_code, message, fields)


def malformed_query(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)


def invalid_field(message: str) -> ApiError:
    return ApiError(400, "INVALID_FIELD", message)


def invalid_type(message: str) -> ApiError:
    return ApiError(400, "INVALID_TYPE", message)


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")
