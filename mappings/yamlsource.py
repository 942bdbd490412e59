"""YAML with line numbers: every key path of the document mapped to the line it is on.

Built on `yaml.compose` so the nodes keep their marks. Keys are taken as written (the raw
scalar text), never YAML 1.1-converted: a picklist value `Yes` or `On` in a value map stays
the string "Yes", not `True`. Duplicate keys, which PyYAML silently collapses to the last
one, are reported as problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from mappings.problems import Problem


@dataclass
class Source:
    """A parsed document, the line of every key path, and the problems found parsing it."""

    file: str
    data: Any = None
    lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def parse(text: str, file: str) -> Source:
    """Parse `text`; a syntax error becomes a problem with its line, never an exception."""
    source = Source(file)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        source.data = {} if node is None else _build(node, "", source, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        source.problems.append(Problem(file, line, "(file)", f"not valid YAML: {exc.problem}"))
    finally:
        loader.dispose()
    return source


def join(path: str, key: str | int) -> str:
    """`read.order` + `fields` -> `read.order.fields`; list items as `discounts[1]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def nearest_line(lines: dict[str, int], path: str) -> int | None:
    """The line of `path`, or of its nearest parent that has one (keys added by migrations)."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def _build(node: yaml.Node, path: str, source: Source, loader: yaml.SafeLoader) -> Any:
    if isinstance(node, yaml.MappingNode):
        return _mapping(node, path, source, loader)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            source.lines[join(path, index)] = item.start_mark.line + 1
            items.append(_build(item, join(path, index), source, loader))
        return items
    return loader.construct_object(node, deep=True)


def _mapping(
    node: yaml.MappingNode, path: str, source: Source, loader: yaml.SafeLoader
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        here = join(path, key)
        line = key_node.start_mark.line + 1
        if key in result:
            first = source.lines.get(here)
            message = f"duplicate key `{key}` (first on line {first})"
            source.problems.append(Problem(source.file, line, here, message, "keep only one"))
        source.lines[here] = line
        result[key] = _build(value_node, here, source, loader)
    return result
