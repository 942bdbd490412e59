"""Shape errors from pydantic, turned into problems with a key path and a suggestion.

Each concept is validated on its own, so a broken `read.order` does not hide the problems of
`write.task`: the admin sees everything in one pass.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from mappings.problems import did_you_mean
from mappings.schema import model_keys
from mappings.yamlsource import join

Found = list[tuple[str, str, str]]  # (path, message, hint)
M = TypeVar("M", bound=BaseModel)


def parse_part(model: type[M], raw: Any, path: str) -> tuple[M | None, Found]:
    """`model` from `raw`, or None and the problems, each with its full key path."""
    try:
        return model.model_validate(raw), []
    except ValidationError as exc:
        return None, _problems(model, exc, path)


def _problems(model: type[BaseModel], exc: ValidationError, path: str) -> Found:
    seen: dict[str, tuple[str, str]] = {}
    for error in exc.errors():
        loc, keys = _walk(model, tuple(error["loc"]))
        here = path
        for part in loc:
            here = join(here, part)
        seen.setdefault(here, _explain(error, loc, keys))
    deeper = [p for p in seen if any(o.startswith((f"{p}.", f"{p}[")) for o in seen)]
    return [(where, msg, hint) for where, (msg, hint) in seen.items() if where not in deeper]


def _explain(error: Any, loc: tuple[str | int, ...], keys: list[str]) -> tuple[str, str]:
    kind = error["type"]
    name = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return f"unknown key `{name}`", did_you_mean(str(name), keys)
    if kind == "enum":
        return f"unknown value `{error.get('input')}`", f"use one of {error['ctx']['expected']}"
    if kind == "missing":
        return f"missing required key `{name}`", "add it (see docs/mappings.md)"
    expected = _EXPECTED.get(kind, error["msg"].lower())
    return f"{expected}, got `{error.get('input')}`", ""


_EXPECTED = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "dict_type": "expected a mapping (key: value)",
    "model_type": "expected a mapping (key: value)",
    "list_type": "expected a list",
    "enum": "expected one of the listed values",
}


def _walk(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[tuple[Any, ...], list[str]]:
    """Drop pydantic's union tags from `loc` and find the keys valid at its last step."""
    kept: list[Any] = []
    current: Any = model
    parent: Any = None
    for part in loc:
        step = _step(current, part)
        if isinstance(step, _Tagged):
            current = step.member
            continue
        kept.append(part)
        parent, current = current, step
    models = [o for o in _options(parent) if _is_model(o)]
    return tuple(kept), model_keys(models[0]) if models else []


def _step(current: Any, part: Any) -> Any:
    """The type one loc part down; `_TAG` when the part is pydantic's name of a union member."""
    options = [o for o in _options(current) if o is not type(None)]
    if len(options) > 1:
        named = [o for o in options if _is_model(o) and o.__name__ == part]
        return _Tagged(named[0] if named else None)
    for option in options:
        if _is_model(option) and isinstance(part, str):
            for name, info in option.model_fields.items():
                if part in (name, info.alias):
                    return info.annotation
        origin = get_origin(option)
        if origin is dict and isinstance(part, str):
            return get_args(option)[1]
        if origin is list and isinstance(part, int):
            return get_args(option)[0]
    return None


class _Tagged:
    """A union member chosen by its tag: the walk goes on inside it without a path step."""

    def __init__(self, member: Any) -> None:
        self.member = member


def _options(tp: Any) -> list[Any]:
    """The alternatives of a type: unions flattened, `Annotated` unwrapped."""
    if get_origin(tp) is Annotated:
        return _options(get_args(tp)[0])
    if get_origin(tp) in (Union, types.UnionType):
        return [o for arg in get_args(tp) for o in _options(arg)]
    return [tp]


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)
