"""Routing and the request pipeline of the HubSpot sandbox's WSGI app.

Every API call goes: route -> ledger (endpoint template, read or write) -> injected faults ->
bearer token -> rate limit -> handler under the portal lock -> rate-limit headers (search
answers carry none, as on HubSpot). A lost_response fault lets the handler commit, then drops the
connection unanswered. `/__sandbox__/*` is the control surface (call ledger, faults) and is
neither authenticated, rate-limited nor counted.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from crm_sandbox.calls import CallLedger
from crm_sandbox.faults import FaultKind, FaultRule, parse_fault
from crm_sandbox.hubspot import associations, batch, objects, pipelines, properties, search
from crm_sandbox.hubspot.auth import TokenBook, expired_token
from crm_sandbox.hubspot.context import ApiRequest, Reply, State
from crm_sandbox.hubspot.errors import CorrelationIds, HubSpotError, validation
from crm_sandbox.hubspot.ratelimit import RateLimiter
from crm_sandbox.server import drop_connection

Handler = Callable[..., Reply]
OBJ = "/crm/v3/objects/<object_type>"
V4 = "/crm/v4/associations/<from_object_type>/<to_object_type>/batch"
V4_OBJ = "/crm/v4/objects/<object_type>/<object_id>/associations/<to_object_type>"

# (rule, method, handler, writes?)
ROUTES: list[tuple[str, str, Handler, bool]] = [
    (OBJ, "GET", objects.list_records, False),
    (OBJ, "POST", objects.create_record, True),
    (f"{OBJ}/<object_id>", "GET", objects.get_record, False),
    (f"{OBJ}/<object_id>", "PATCH", objects.update_record, True),
    (f"{OBJ}/<object_id>", "DELETE", objects.archive_record, True),
    (f"{OBJ}/batch/read", "POST", batch.batch_read, False),
    (f"{OBJ}/batch/create", "POST", batch.batch_create, True),
    (f"{OBJ}/batch/update", "POST", batch.batch_update, True),
    (f"{OBJ}/batch/archive", "POST", batch.batch_archive, True),
    (f"{OBJ}/batch/upsert", "POST", batch.batch_upsert, True),
    (f"{OBJ}/search", "POST", search.search, False),
    ("/crm/v3/properties/<object_type>", "GET", properties.list_properties, False),
    ("/crm/v3/properties/<object_type>", "POST", properties.create_property, True),
    ("/crm/v3/properties/<object_type>/groups", "GET", properties.list_groups, False),
    ("/crm/v3/properties/<object_type>/groups", "POST", properties.create_group, True),
    ("/crm/v3/properties/<object_type>/<property_name>", "GET", properties.get_property, False),
    ("/crm/v3/properties/<object_type>/<property_name>", "PATCH", properties.update_property, True),
    (
        "/crm/v3/properties/<object_type>/<property_name>",
        "DELETE",
        properties.archive_property,
        True,
    ),
    ("/crm/v3/owners/", "GET", properties.list_owners, False),
    ("/crm/v3/owners/<owner_id>", "GET", properties.get_owner, False),
    ("/crm/v3/pipelines/<object_type>", "GET", pipelines.list_pipelines, False),
    ("/crm/v3/pipelines/<object_type>/<pipeline_id>", "GET", pipelines.get_pipeline, False),
    (
        "/crm/v3/pipelines/<object_type>/<pipeline_id>/stages",
        "GET",
        pipelines.list_stages,
        False,
    ),
    (
        "/crm/v4/objects/<from_object_type>/<from_object_id>/associations/default/<to_object_type>/<to_object_id>",
        "PUT",
        associations.create_default,
        True,
    ),
    (f"{V4_OBJ}/<to_object_id>", "PUT", associations.create_labelled, True),
    (f"{V4_OBJ}/<to_object_id>", "DELETE", associations.archive_pair, True),
    (V4_OBJ, "GET", associations.list_for_record, False),
    (f"{V4}/create", "POST", associations.batch_create, True),
    (f"{V4}/associate/default", "POST", associations.batch_default, True),
    (f"{V4}/read", "POST", associations.batch_read, False),
    (f"{V4}/archive", "POST", associations.batch_archive, True),
]


@dataclass(frozen=True, slots=True)
class Route:
    template: str
    handler: Handler
    writes: bool


def _template(rule: str) -> str:
    """`/objects/<object_type>` -> `/objects/{objectType}`, as HubSpot's docs name it."""

    def camel(match: re.Match[str]) -> str:
        head, *rest = match.group(1).split("_")
        return "{" + head + "".join(part.title() for part in rest) + "}"

    return re.sub(r"<(?:\w+:)?(\w+)>", camel, rule)


class HubSpotApp:
    """The WSGI callable; the sandbox owns the state, ledger, tokens and limiter it uses."""

    def __init__(
        self,
        state: State,
        ledger: CallLedger,
        tokens: TokenBook,
        limiter: RateLimiter,
        correlation: CorrelationIds,
    ) -> None:
        self.state, self.ledger, self.tokens = state, ledger, tokens
        self.limiter, self.correlation = limiter, correlation
        self.routes: dict[str, Route] = {}
        rules = []
        for index, (rule, method, handler, writes) in enumerate(ROUTES):
            key = f"r{index}"
            self.routes[key] = Route(_template(rule), handler, writes)
            rules.append(Rule(rule, endpoint=key, methods=[method], strict_slashes=False))
        self.url_map = Map(rules)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/__sandbox__/"):
            response = self._control(request)
        else:
            response = self._api(request, environ)
        return response(environ, start_response)

    def _api(self, request: Request, environ: dict[str, Any]) -> Response:
        adapter = self.url_map.bind_to_environ(environ)
        try:
            key, params = adapter.match()
        except HTTPException as exc:
            code = exc.code or 404
            return self._error(HubSpotError(code, "OBJECT_NOT_FOUND", f"{code}: {request.path}"))
        route = self.routes[str(key)]
        self.ledger.record(request.method, route.template, write=route.writes)
        try:
            lost = self._faults(request)
            self.tokens.check(request.headers.get("Authorization"))
            allowance = self.limiter.take(search=route.template.endswith("/search"))
            reply = self._handle(route, request, params)
        except HubSpotError as err:
            return self._error(err)
        if lost:
            drop_connection(environ)
        headers = {} if reply.is_search else allowance.headers()
        return _json(reply.status, reply.body, {**headers, **reply.headers})

    def _handle(self, route: Route, request: Request, params: Mapping[str, Any]) -> Reply:
        api = ApiRequest(
            request.method, request.path, request.args, _body(request), request.host_url.rstrip("/")
        )
        with self.state.portal.lock:
            return route.handler(self.state, api, **params)

    def _faults(self, request: Request) -> bool:
        """Apply call-level faults; True when the response must be lost after the commit."""
        lost = False
        for rule in self.state.faults.fire(request.method, request.path):
            if rule.kind is FaultKind.LATENCY:
                time.sleep(rule.seconds)
            elif rule.kind is FaultKind.HTTP_STATUS:
                raise _status_fault(rule)
            elif rule.kind is FaultKind.EXPIRED_SESSION:
                raise expired_token()
            elif rule.kind is FaultKind.LOST_RESPONSE:
                lost = True
        return lost

    def _error(self, err: HubSpotError) -> Response:
        return _json(err.status, err.body(self.correlation.next()), err.headers)

    def _control(self, request: Request) -> Response:
        if request.path.rstrip("/") == "/__sandbox__/calls" and request.method == "GET":
            return _json(200, self._calls())
        if request.path.rstrip("/") == "/__sandbox__/faults":
            if request.method == "DELETE":
                self.state.faults.clear()
                return _json(204, None)
            if request.method == "POST":
                return self._add_faults(request)
        return _json(404, {"status": "error", "message": f"no control endpoint {request.path}"})

    def _calls(self) -> dict[str, Any]:
        ledger = self.ledger
        return {
            "total": ledger.total,
            "reads": ledger.reads,
            "writes": ledger.writes,
            "calls": ledger.snapshot(),
        }

    def _add_faults(self, request: Request) -> Response:
        """Body `{"fault": "http_status:status=503,times=1"}` or `{"faults": [...]}`."""
        try:
            body = _body(request) or {}
            specs = body.get("faults") or [body.get("fault")]
            rules = [self.state.faults.add(parse_fault(str(spec))) for spec in specs if spec]
        except (ValueError, AttributeError, HubSpotError) as exc:
            return _json(400, {"status": "error", "message": str(exc)})
        return _json(201, {"added": [_rule_json(r) for r in rules]})


def _status_fault(rule: FaultRule) -> HubSpotError:
    if rule.status == 429:
        extra = {"errorType": "RATE_LIMIT", "policyName": rule.policy}
        return HubSpotError(
            429, "", f"You have reached your {rule.policy.lower()} limit.", extra=extra
        )
    if rule.status >= 500:
        message = "An internal error occurred. Please retry the request."
        return HubSpotError(rule.status, "INTERNAL_ERROR", message)
    return HubSpotError(rule.status, "VALIDATION_ERROR", f"Injected HTTP {rule.status}")


def _rule_json(rule: FaultRule) -> dict[str, Any]:
    return {
        "kind": rule.kind.value,
        "status": rule.status,
        "share": rule.share,
        "times": rule.times,
    }


def _body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise validation("Invalid input JSON on line 1: the request body is not JSON") from None


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status=status, headers=headers)
    text = json.dumps(body, separators=(",", ":"))
    return Response(
        text, status=status, headers=headers, content_type="application/json;charset=utf-8"
    )
