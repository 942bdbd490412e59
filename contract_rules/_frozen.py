"""Fast construction of frozen, slotted dataclasses on the evaluation path.

A frozen dataclass's generated `__init__` sets each field through `object.__setattr__(self,
"name", value)` (and a pydantic dataclass's validates every field again). `maker(cls)`
returns a function taking the fields that fills the slots through their descriptors
instead: the same object (same class, values, equality, immutability), built without
either. The delta upgrade uses it to copy a validated `Line` with a new quantity
(entitlements.py); the records the evaluation makes per subscription are compiled slotted
classes, cheaper still (contracts.py). The classes keep their ordinary constructor for
everyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def maker(cls: type[T]) -> Callable[..., T]:
    """A positional constructor of `cls` (a frozen dataclass with slots, no __post_init__)."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    assert "__slots__" in cls.__dict__, "only for slotted dataclasses"
    assert not hasattr(cls, "__post_init__"), "the maker would skip __post_init__"
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    namespace.update({f"_set_{name}": getattr(cls, name).__set__ for name in names})
    body = "".join(f"    _set_{name}(obj, {name})\n" for name in names)
    source = f"def make({', '.join(names)}):\n    obj = _new(_cls)\n{body}    return obj\n"
    exec(source, namespace)  # noqa: S102 - fixed source built from the class's own field names
    made: Callable[..., T] = namespace["make"]
    made.__doc__ = f"Build a {cls.__name__} from its fields, in order, without __init__."
    return made
