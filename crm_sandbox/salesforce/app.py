"""The WSGI app: routing, the call ledger, faults, authentication, limits, JSON answers.

Per request, in order: match the route (unknown paths answer 404 NOT_FOUND); record the call
in the ledger under its endpoint template, whatever happens next; fire faults (latency,
http_status with a Salesforce-style body, expired_session); authenticate the bearer token;
count the call against the daily allowance; run the handler under the org's lock; add
Sforce-Limit-Info; and for a lost_response fault drop the connection after the write
committed. The /__sandbox__ control routes are for humans poking a served sandbox and are
neither recorded nor counted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from crm_sandbox.calls import CallLedger
from crm_sandbox.faults import FaultKind, FaultRule, parse_fault
from crm_sandbox.salesforce import bulk, collections, composite, replication, rows, versions
from crm_sandbox.salesforce.errors import ApiError, OAuthError, not_found
from crm_sandbox.salesforce.identity import identity, identity_url, userinfo
from crm_sandbox.salesforce.org import Org, Reply
from crm_sandbox.salesforce.query import batch_size
from crm_sandbox.server import drop_connection

if TYPE_CHECKING:
    from crm_sandbox.salesforce.auth import Sessions, TokenEndpoint

_UNCOUNTED = ("/id/", "/services/oauth2/userinfo")  # identity calls need a session, no allowance
TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 - a URL path, not a secret
JSON_TYPE = "application/json;charset=UTF-8"
_FAULT_BODIES = {
    429: ("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."),
    500: (
        "UNKNOWN_EXCEPTION",
        "An unexpected error occurred. Please include this ErrorId if you contact support: "
        "1234567890-12345 (-1234567890)",
    ),
    502: ("SERVER_UNAVAILABLE", "Bad gateway"),
    503: ("SERVER_UNAVAILABLE", "Server temporarily unavailable. Please retry your request."),
}
Handler = Callable[[Org, Request, dict[str, str]], Reply]


class _VersionConverter(BaseConverter):
    """One path segment naming an API version: `v59.0` or `latest` (checked by `versions`)."""

    regex = r"v[0-9]+\.[0-9]+|latest"


def _resources(org: Org, request: Request) -> Reply:
    """The version's root: its resources, and the session's identity URL."""
    data = f"/services/data/v{org.version}"
    names = ("sobjects", "query", "queryAll", "limits", "composite", "search", "recent")
    body: dict[str, str] = {name: f"{data}/{name}" for name in names}
    body["identity"] = identity_url(
        request.host_url.rstrip("/"), org.org_id, org.writer.current_user()
    )
    return Reply(200, body)


def _routes() -> list[tuple[str, str, Handler]]:
    data = "/services/data/<api:version>"
    q = "query"
    return [
        ("GET", "/services/data", lambda o, r, a: Reply(200, versions.listing())),
        ("GET", data, lambda o, r, a: _resources(o, r)),
        (
            "GET",
            "/id/<org_id>/<user_id>",
            lambda o, r, a: Reply(
                200,
                identity(o, r.host_url.rstrip("/"), o.org_id, o.writer.current_user(), r.path),
            ),
        ),
        (
            "GET",
            "/services/oauth2/userinfo",
            lambda o, r, a: Reply(
                200, userinfo(o, r.host_url.rstrip("/"), o.org_id, o.writer.current_user())
            ),
        ),
        ("GET", f"{data}/limits", lambda o, r, a: rows.limits(o)),
        *_bulk_routes(data),
        ("GET", f"{data}/{q}", lambda o, r, a: _query(o, r, include_deleted=False)),
        ("GET", f"{data}/queryAll", lambda o, r, a: _query(o, r, include_deleted=True)),
        ("GET", f"{data}/{q}/<locator>", lambda o, r, a: Reply(200, o.queries.more(a["locator"]))),
        (
            "GET",
            f"{data}/queryAll/<locator>",
            lambda o, r, a: Reply(200, o.queries.more(a["locator"])),
        ),
        ("GET", f"{data}/sobjects", lambda o, r, a: rows.describe_all(o)),
        (
            "GET",
            f"{data}/sobjects/<sobject>/updated",
            lambda o, r, a: replication.updated(
                o, a["sobject"], r.args.get("start"), r.args.get("end")
            ),
        ),
        (
            "GET",
            f"{data}/sobjects/<sobject>/deleted",
            lambda o, r, a: replication.deleted(
                o, a["sobject"], r.args.get("start"), r.args.get("end")
            ),
        ),
        ("GET", f"{data}/sobjects/<sobject>", lambda o, r, a: rows.sobject_info(o, a["sobject"])),
        (
            "POST",
            f"{data}/sobjects/<sobject>",
            lambda o, r, a: rows.create(o, r.method, r.path, a["sobject"], _json(r)),
        ),
        (
            "GET",
            f"{data}/sobjects/<sobject>/describe",
            lambda o, r, a: rows.describe(o, a["sobject"]),
        ),
        (
            "GET",
            f"{data}/sobjects/<sobject>/<id>",
            lambda o, r, a: rows.get(o, a["sobject"], a["id"], r.args.get("fields")),
        ),
        (
            "PATCH",
            f"{data}/sobjects/<sobject>/<id>",
            lambda o, r, a: rows.update(o, r.method, r.path, a["sobject"], a["id"], _json(r)),
        ),
        (
            "DELETE",
            f"{data}/sobjects/<sobject>/<id>",
            lambda o, r, a: rows.delete(o, r.method, r.path, a["sobject"], a["id"]),
        ),
        (
            "GET",
            f"{data}/sobjects/<sobject>/<field>/<path:value>",
            lambda o, r, a: rows.get_by_external(
                o, a["sobject"], a["field"], a["value"], r.args.get("fields")
            ),
        ),
        (
            "PATCH",
            f"{data}/sobjects/<sobject>/<field>/<path:value>",
            lambda o, r, a: rows.upsert(
                o, r.method, r.path, a["sobject"], a["field"], a["value"], _json(r)
            ),
        ),
        ("GET", f"{data}/composite", lambda o, r, a: _composite_resources(o)),
        ("POST", f"{data}/composite", lambda o, r, a: composite.run(o, _json(r), _subrequest)),
        (
            "POST",
            f"{data}/composite/tree/<sobject>",
            lambda o, r, a: composite.tree(o, a["sobject"], _json(r)),
        ),
        (
            "POST",
            f"{data}/composite/sobjects",
            lambda o, r, a: collections.create(o, r.method, r.path, _json(r)),
        ),
        (
            "POST",
            f"{data}/composite/sobjects/<sobject>",
            lambda o, r, a: collections.retrieve_posted(o, a["sobject"], _json(r)),
        ),
        (
            "PATCH",
            f"{data}/composite/sobjects",
            lambda o, r, a: collections.update(o, r.method, r.path, _json(r)),
        ),
        (
            "DELETE",
            f"{data}/composite/sobjects",
            lambda o, r, a: collections.delete(
                o, r.method, r.path, r.args.get("ids", ""), _flag(r.args.get("allOrNone"))
            ),
        ),
        (
            "GET",
            f"{data}/composite/sobjects/<sobject>",
            lambda o, r, a: collections.retrieve(
                o, a["sobject"], r.args.get("ids", ""), r.args.get("fields", "")
            ),
        ),
        (
            "PATCH",
            f"{data}/composite/sobjects/<sobject>/<field>",
            lambda o, r, a: collections.upsert(
                o, r.method, r.path, a["sobject"], a["field"], _json(r)
            ),
        ),
    ]


def _bulk_routes(data: str) -> list[tuple[str, str, Handler]]:
    """Bulk API 2.0 (`crm_sandbox.salesforce.bulk`)."""
    jobs = f"{data}/jobs"
    return [
        ("POST", f"{jobs}/query", lambda o, r, a: bulk.create_query(o, _json(r))),
        ("GET", f"{jobs}/query/<job>", lambda o, r, a: bulk.query_info(o, a["job"])),
        (
            "GET",
            f"{jobs}/query/<job>/results",
            lambda o, r, a: bulk.query_results(
                o, a["job"], r.args.get("locator"), r.args.get("maxRecords")
            ),
        ),
        (
            "PATCH",
            f"{jobs}/query/<job>",
            lambda o, r, a: bulk.abort(o, a["job"], "query", _json(r)),
        ),
        ("DELETE", f"{jobs}/query/<job>", lambda o, r, a: bulk.delete(o, a["job"], "query")),
        ("POST", f"{jobs}/ingest", lambda o, r, a: bulk.create_ingest(o, _json(r))),
        (
            "PUT",
            f"{jobs}/ingest/<job>/batches",
            lambda o, r, a: bulk.upload(o, a["job"], r.get_data(as_text=True)),
        ),
        (
            "PATCH",
            f"{jobs}/ingest/<job>",
            lambda o, r, a: bulk.abort(o, a["job"], "ingest", _json(r)),
        ),
        ("GET", f"{jobs}/ingest/<job>", lambda o, r, a: bulk.ingest_info(o, a["job"])),
        (
            "GET",
            f"{jobs}/ingest/<job>/<which>",
            lambda o, r, a: bulk.ingest_results(o, a["job"], a["which"]),
        ),
        ("DELETE", f"{jobs}/ingest/<job>", lambda o, r, a: bulk.delete(o, a["job"], "ingest")),
    ]


def _composite_resources(org: Org) -> Reply:
    base = f"/services/data/v{org.version}/composite"
    return Reply(200, {"tree": f"{base}/tree", "sobjects": f"{base}/sobjects"})


class _Router:
    """The routes as a werkzeug Map: the app matches requests with it, /composite its
    subrequests."""

    def __init__(self) -> None:
        self.handlers: dict[str, tuple[Handler, str]] = {}
        rules = []
        for index, (method, path, handler) in enumerate(_routes()):
            endpoint = f"r{index}"
            rules.append(Rule(path, methods=[method], endpoint=endpoint))
            self.handlers[endpoint] = (handler, _template(path))
        self.urls = Map(
            rules,
            strict_slashes=False,
            merge_slashes=False,
            converters={"api": _VersionConverter},
        )
        self.adapter = self.urls.bind("localhost")

    def match(self, method: str, path: str) -> tuple[Handler, str, dict[str, str]]:
        """Handler, endpoint template and path arguments; HTTPException when none."""
        endpoint, args = self.adapter.match(path, method=method)
        handler, template = self.handlers[str(endpoint)]
        return handler, template, dict(args)


_ROUTER: _Router | None = None


def router() -> _Router:
    global _ROUTER  # noqa: PLW0603 - built once, on first use, from the static route table
    if _ROUTER is None:
        _ROUTER = _Router()
    return _ROUTER


def _subrequest(org: Org, method: str, url: str, body: Any) -> Reply:
    """One /composite subrequest, run in the caller's request (its user, lock and count)."""
    path, _, query = url.partition("?")
    path = path.rstrip("/")
    if path.endswith("/composite") and method == "POST":
        return Reply(400, [{"errorCode": "INVALID_INPUT", "message": "Nested composite"}])
    try:
        handler, _template_path, args = router().match(method, path)
    except HTTPException:
        return Reply(404, not_found().body())
    version = versions.resolve(args.pop("version", f"v{org.version}"))
    if version is None:
        return Reply(404, not_found().body())
    payload = None if body is None else json.dumps(body)
    environ = EnvironBuilder(
        path=path, method=method, query_string=query, data=payload,
        content_type="application/json" if payload else None,
    ).get_environ()  # fmt: skip
    outer = org.version
    org.use_version(version)
    try:
        return handler(org, Request(environ), args)
    except ApiError as error:
        return Reply(error.status, error.body())
    finally:
        org.use_version(outer)


def _template(rule: str) -> str:
    return rule.replace("<path:", "{").replace("<", "{").replace(">", "}")


def _flag(value: str | None) -> bool:
    return (value or "").lower() == "true"


def _json(request: Request) -> Any:
    try:
        return json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise ApiError(
            400, "JSON_PARSER_ERROR", "Unexpected character in the request body"
        ) from None


def _query(org: Org, request: Request, *, include_deleted: bool) -> Reply:
    soql = request.args.get("q")
    if not soql:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    batch = batch_size(request.headers.get("Sforce-Query-Options"))
    today = org.clock.now().date()
    return Reply(
        200, org.queries.run(soql, include_deleted=include_deleted, batch=batch, today=today)
    )


class SalesforceApp:
    """The callable handed to a WSGI server; one per SalesforceSandbox."""

    def __init__(
        self, org: Org, ledger: CallLedger, sessions: Sessions, tokens: TokenEndpoint
    ) -> None:
        self.org, self.ledger, self.sessions, self.tokens = org, ledger, sessions, tokens
        self.router = router()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        if path.startswith("/__sandbox__"):
            return self.control(request, path)
        if path == TOKEN_PATH and request.method == "POST":
            self.ledger.record("POST", TOKEN_PATH, write=False)
            return self.token(request)
        try:
            handler, template, args = self.router.match(request.method, path)
        except HTTPException:
            self.ledger.record(request.method, "(unmatched)")
            return self.error_response(not_found(), counted=False)
        version = versions.resolve(args.pop("version", f"v{self.org.version}"))
        if version is None:  # a version this org does not serve
            self.ledger.record(request.method, "(unmatched)")
            return self.error_response(not_found(), counted=False)
        endpoint = template.replace("{api:version}", f"v{version}")
        # a Bulk query job is made and aborted by POST and PATCH, and writes nothing
        self.ledger.record(
            request.method, endpoint, write=False if "/jobs/query" in endpoint else None
        )
        counted = path != "/services/data" and not path.startswith(_UNCOUNTED)
        return self.api(request, handler, args, version, counted=counted)

    def api(
        self,
        request: Request,
        handler: Handler,
        args: dict[str, str],
        version: str,
        *,
        counted: bool,
    ) -> Response:
        faults = self.org.faults.fire(request.method, request.path)
        kinds = {rule.kind: rule for rule in faults}
        if FaultKind.LATENCY in kinds:
            time.sleep(kinds[FaultKind.LATENCY].seconds)
        try:
            if FaultKind.HTTP_STATUS in kinds:
                return self.fault_response(kinds[FaultKind.HTTP_STATUS])
            if FaultKind.EXPIRED_SESSION in kinds:
                self.sessions.revoke(request.headers.get("Authorization"))
            user = self.sessions.run_as
            if request.path.rstrip("/") != "/services/data":  # the versions list is public
                user = self.sessions.user_for(request.headers.get("Authorization"))
            if counted:
                self.org.allowance.consume()
            with self.org.store.lock:
                self.org.use_version(version)
                self.org.writer.current_user = lambda: user
                reply = handler(self.org, request, args)
        except ApiError as error:
            return self.error_response(error, counted=counted)
        if FaultKind.LOST_RESPONSE in kinds:
            drop_connection(request.environ)
        return self.json_response(reply.status, reply.body, counted=counted)

    def token(self, request: Request) -> Response:
        form = dict(request.form.items())
        faults = self.org.faults.fire("POST", TOKEN_PATH)
        status_faults = [f for f in faults if f.kind is FaultKind.HTTP_STATUS]
        if status_faults:
            return self.fault_response(status_faults[0])
        try:
            body = self.tokens.grant(
                form, request.headers.get("Authorization"), request.host_url.rstrip("/")
            )
        except OAuthError as error:
            return self.json_response(
                error.status,
                {"error": error.error, "error_description": error.description},
                counted=False,
            )
        return self.json_response(200, body, counted=False)

    def control(self, request: Request, path: str) -> Response:
        if path == "/__sandbox__/calls" and request.method == "GET":
            return self.json_response(
                200,
                {
                    "total": self.ledger.total,
                    "writes": self.ledger.writes,
                    "calls": self.ledger.snapshot(),
                },
                counted=False,
            )
        if path == "/__sandbox__/faults" and request.method == "POST":
            spec = request.get_data(as_text=True).strip()
            try:
                rule = self.org.faults.add(parse_fault(spec))
            except ValueError as error:
                return self.json_response(400, {"error": str(error)}, counted=False)
            return self.json_response(201, {"added": _describe_rule(rule)}, counted=False)
        if path == "/__sandbox__/faults" and request.method == "DELETE":
            self.org.faults.clear()
            return self.json_response(200, {"cleared": True}, counted=False)
        if path == "/__sandbox__/faults" and request.method == "GET":
            return self.json_response(
                200, {"rules": [_describe_rule(r) for r in self.org.faults.rules]}, counted=False
            )
        return self.json_response(404, {"error": "unknown sandbox control route"}, counted=False)

    def fault_response(self, rule: FaultRule) -> Response:
        code, message = _FAULT_BODIES.get(rule.status, ("UNKNOWN_EXCEPTION", "Injected fault"))
        return self.json_response(
            rule.status, [{"message": message, "errorCode": code}], counted=False
        )

    def error_response(self, error: ApiError, *, counted: bool) -> Response:
        return self.json_response(error.status, error.body(), counted=counted)

    def json_response(self, status: int, body: Any, *, counted: bool) -> Response:
        if isinstance(body, bulk.Text):  # a Bulk API 2.0 CSV answer
            response = Response(body.content, status=status, content_type=body.content_type)
            response.headers.update(body.headers)
            if counted:
                response.headers["Sforce-Limit-Info"] = self.org.allowance.header
            return response
        payload = b"" if body is None else json.dumps(body).encode()
        response = Response(
            payload, status=status, content_type=JSON_TYPE if body is not None else None
        )
        if counted:
            response.headers["Sforce-Limit-Info"] = self.org.allowance.header
        return response


def _describe_rule(rule: FaultRule) -> dict[str, Any]:
    return {
        "kind": rule.kind.value,
        "status": rule.status,
        "share": rule.share,
        "times": rule.times,
        "after": rule.after,
        "seconds": rule.seconds,
        "path": rule.path_contains,
        "methods": sorted(rule.methods) if rule.methods else None,
        "fired": rule.fired,
    }
