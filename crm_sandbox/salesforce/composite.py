"""The Composite resource and sObject Tree: several requests in one API call.

`/composite` (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html):
up to 25 subrequests, at most 5 of them queries or sObject Collections, run in order by the
same user; a later subrequest refers to an earlier answer as `@{referenceId.field}` (with
`.name` and `[n]` steps) in its url or body. `allOrNone: true` rolls every write back when
one subrequest fails and answers the others `PROCESSING_HALTED`; without it a failure only
halts the subrequests that refer to it. The whole series counts as one call.

`/composite/tree/{sObject}` (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-tree.html):
up to 200 records of one root type with children nested under their child relationship name
(`"Opportunities": {"records": [...]}`), five levels deep, saved all or nothing: 201 with
each record's referenceId and id, or 400 `hasErrors: true` with the failed records' errors and
nothing saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm_sandbox.salesforce.errors import ApiError, RecordFailure
from crm_sandbox.salesforce.org import Org, Reply
from crm_sandbox.salesforce.schema import child_relationships

MAX_SUBREQUESTS = 25
MAX_QUERY_SUBREQUESTS = 5  # Query, QueryAll and sObject Collections subrequests
MAX_TREE_RECORDS = 200
MAX_TREE_DEPTH = 5
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_REF_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ROLLED_BACK = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same "
    "transaction failed.",
}

Subrequest = Callable[[Org, str, str, Any], Reply]
"""Runs one subrequest (method, url, body) through the org's routes, errors as replies."""


@dataclass(frozen=True, slots=True)
class _Unresolved(Exception):  # noqa: N818 - carried to the subrequest's answer
    reference: str
    ref_id: str


def run(org: Org, body: Any, subrequest: Subrequest) -> Reply:
    requests, all_or_none = _requests(body)
    answers: dict[str, Reply] = {}
    out: list[dict[str, Any]] = []
    with org.store.transaction() as log:
        failed_at: int | None = None
        for index, item in enumerate(requests):
            ref_id, url = item["referenceId"], str(item["url"])
            try:
                url = _resolve(url, answers)
                sub_body = _resolve(item.get("body"), answers)
            except _Unresolved as missing:
                reply = Reply(400, [_invalid_reference(missing)])
            else:
                reply = subrequest(org, item["method"], url, sub_body)
            answers[ref_id] = reply
            out.append(_answer(ref_id, url, reply))
            if reply.status >= 400 and all_or_none:
                failed_at = index
                break
        if failed_at is not None:
            org.store.rollback(log)
            for index, item in enumerate(requests):
                if index == failed_at:
                    continue
                halted = {"body": [ROLLED_BACK], "httpHeaders": {}, "httpStatusCode": 400}
                halted["referenceId"] = item["referenceId"]
                if index < len(out):
                    out[index] = halted
                else:
                    out.append(halted)
    return Reply(200, {"compositeResponse": out})


def _requests(body: Any) -> tuple[list[dict[str, Any]], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("compositeRequest"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "compositeRequest: a list of subrequests")
    requests = body["compositeRequest"]
    if not requests:
        raise ApiError(400, "INVALID_INPUT", "compositeRequest must have at least one subrequest")
    if len(requests) > MAX_SUBREQUESTS:
        raise ApiError(400, "LIMIT_EXCEEDED", f"Maximum number of subrequests is {MAX_SUBREQUESTS}")
    seen: set[str] = set()
    queries = 0
    for item in requests:
        if not isinstance(item, dict) or not {"method", "url", "referenceId"} <= set(item):
            raise ApiError(
                400, "INVALID_INPUT", "Each subrequest needs a method, a url and a referenceId"
            )
        ref_id = str(item["referenceId"])
        if not _REF_ID.match(ref_id):
            raise ApiError(400, "INVALID_INPUT", f"Invalid referenceId: {ref_id}")
        if ref_id in seen:
            raise ApiError(400, "INVALID_INPUT", f"Duplicate referenceId provided: {ref_id}")
        seen.add(ref_id)
        if item["method"] not in {"GET", "POST", "PATCH", "PUT", "DELETE"}:
            raise ApiError(400, "INVALID_INPUT", f"Invalid method: {item['method']}")
        path = str(item["url"]).split("?")[0]
        if "/query" in path or "/composite/sobjects" in path:
            queries += 1
    if queries > MAX_QUERY_SUBREQUESTS:
        raise ApiError(
            400,
            "LIMIT_EXCEEDED",
            f"Maximum number of query and sObject Collections subrequests is "
            f"{MAX_QUERY_SUBREQUESTS}",
        )
    return requests, bool(body.get("allOrNone", False))


def _resolve(value: Any, answers: dict[str, Reply]) -> Any:
    """`value` with every `@{ref.path}` replaced by what the earlier answer holds there."""
    if isinstance(value, str):
        return _REFERENCE.sub(lambda m: _lookup(m, answers), value)
    if isinstance(value, list):
        return [_resolve(v, answers) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, answers) for k, v in value.items()}
    return value


def _lookup(match: re.Match[str], answers: dict[str, Reply]) -> str:
    ref_id, path = match.group(1), match.group(2)
    reply = answers.get(ref_id)
    if reply is None or reply.status >= 400:
        raise _Unresolved(match.group(0), ref_id)
    found: Any = reply.body
    for name, index in _STEP.findall(path):
        if name and isinstance(found, dict):
            found = found.get(name)
        elif index and isinstance(found, list) and int(index) < len(found):
            found = found[int(index)]
        else:
            found = None
        if found is None:
            raise _Unresolved(match.group(0), ref_id)
    return str(found).lower() if isinstance(found, bool) else str(found)


def _invalid_reference(missing: _Unresolved) -> dict[str, str]:
    return {
        "errorCode": "PROCESSING_HALTED",
        "message": f"Invalid reference specified. No value for {missing.reference} found in "
        f"{missing.ref_id}. Provided referenceId ('{missing.ref_id}') must match a previous "
        "successful subrequest.",
    }


def _answer(ref_id: str, url: str, reply: Reply) -> dict[str, Any]:
    headers: dict[str, str] = {}
    body = reply.body
    if reply.status == 201 and isinstance(body, dict) and "id" in body:
        headers["Location"] = f"{url.split('?', maxsplit=1)[0].rstrip('/')}/{body['id']}"
    return {
        "body": body,
        "httpHeaders": headers,
        "httpStatusCode": reply.status,
        "referenceId": ref_id,
    }


# -- sObject Tree ---------------------------------------------------------------------------


@dataclass(slots=True)
class _TreeNode:
    sobject: str
    ref_id: str
    fields: dict[str, Any]
    parent_field: str | None
    children: list[_TreeNode]


def tree(org: Org, sobject: str, body: Any) -> Reply:
    root = org.writer.object(sobject)
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body needs a records list")
    nodes = [_node(org, root.name, item, None, 1) for item in body["records"]]
    count = sum(_size(n) for n in nodes)
    if count > MAX_TREE_RECORDS:
        raise ApiError(400, "LIMIT_EXCEEDED", f"Maximum number of records is {MAX_TREE_RECORDS}")
    refs = [n.ref_id for node in nodes for n in _walk(node)]
    duplicate = next((r for r in refs if refs.count(r) > 1), None)
    if duplicate:
        raise ApiError(400, "INVALID_INPUT", f"Duplicate ReferenceId provided: {duplicate}")
    saved: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    with org.store.transaction() as log:
        try:
            for node in nodes:
                _save(org, node, None, saved, failed)
        except ApiError:  # an unknown field or bad value: the whole request fails
            org.store.rollback(log)
            raise
        if failed:
            org.store.rollback(log)
            return Reply(400, {"hasErrors": True, "results": failed})
    return Reply(201, {"hasErrors": False, "results": saved})


def _node(org: Org, sobject: str, item: Any, parent_field: str | None, depth: int) -> _TreeNode:
    if depth > MAX_TREE_DEPTH:
        raise ApiError(400, "INVALID_INPUT", f"Maximum depth of a tree is {MAX_TREE_DEPTH}")
    if not isinstance(item, dict) or not isinstance(item.get("attributes"), dict):
        raise ApiError(400, "INVALID_INPUT", "Each record needs attributes: {type, referenceId}")
    attributes = item["attributes"]
    given = org.writer.object(str(attributes.get("type", "")))
    if given.name != sobject:
        raise ApiError(
            400, "INVALID_INPUT", f"Record type {given.name} does not match {sobject} here"
        )
    ref_id = str(attributes.get("referenceId") or "")
    if not _REF_ID.match(ref_id):
        raise ApiError(400, "INVALID_INPUT", f"Invalid referenceId: {ref_id or '(missing)'}")
    relations = {rel.name.lower(): rel for rel in child_relationships(org.schema, sobject)}
    fields: dict[str, Any] = {}
    children: list[_TreeNode] = []
    for key, value in item.items():
        if key == "attributes":
            continue
        rel = relations.get(key.lower())
        if rel is not None and isinstance(value, dict):
            for child in value.get("records") or []:
                children.append(_node(org, rel.child, child, rel.field, depth + 1))
        else:
            fields[key] = value
    return _TreeNode(sobject, ref_id, fields, parent_field, children)


def _save(
    org: Org,
    node: _TreeNode,
    parent_id: str | None,
    saved: list[dict[str, Any]],
    failed: list[dict[str, Any]],
) -> None:
    body = dict(node.fields)
    if node.parent_field and parent_id:
        body[node.parent_field] = parent_id
    try:
        new_id = org.writer.create(org.writer.object(node.sobject), body)
    except RecordFailure as failure:
        failed.append({"referenceId": node.ref_id, "errors": [failure.error.as_json()]})
        return
    saved.append({"referenceId": node.ref_id, "id": new_id})
    for child in node.children:
        _save(org, child, new_id, saved, failed)


def _walk(node: _TreeNode) -> list[_TreeNode]:
    return [node, *(n for child in node.children for n in _walk(child))]


def _size(node: _TreeNode) -> int:
    return len(_walk(node))
