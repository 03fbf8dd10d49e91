"""Read a YAML rule file into plain data while remembering the line of every value.

Municipal staff edit these files by hand, so every problem must point at a line. PyYAML's
constructors throw positions away; here the file is *composed* into a node tree (libyaml
when available) and converted by hand, recording ``path -> line`` for each mapping key and
sequence item. Duplicate keys, which PyYAML would silently overwrite, are reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # pragma: no cover - depends on how PyYAML was built
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the rule files, addressed the way an editor finds it."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


@dataclass
class SourceDocument:
    """The plain data of one file plus where each value was written."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Iterable[str | int]) -> int | None:
        """The line of ``path``, or of its nearest written ancestor (a missing field)."""
        parts = tuple(path)
        while True:
            if parts in self.lines:
                return self.lines[parts]
            if not parts:
                return None
            parts = parts[:-1]

    def problem(self, path: Iterable[str | int], message: str) -> Problem:
        parts = tuple(path)
        return Problem(self.file, self.line_of(parts), format_path(parts), message)


def format_path(path: Iterable[str | int]) -> str:
    """``("advisors", 3, "email")`` -> ``advisors[3].email`` (0-based, as in the file order)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Constructor(yaml.constructor.SafeConstructor):
    """Builds scalars only; mappings and sequences are walked by ``_convert``."""


class WrittenFloat(float):
    """A number with a decimal point, with how it was written: ``20.000`` is 20.0 to YAML
    but twenty thousand to a Dutch reader, so amounts need the text to refuse it."""

    written: str = ""


def parse(text: str, file: str) -> tuple[SourceDocument, list[Problem]]:
    """Parse one YAML document. Syntax errors come back as problems, never as exceptions."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
            message += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        return SourceDocument(file, None), [Problem(file, line, "", message)]
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked errors are rare
        return SourceDocument(file, None), [Problem(file, None, "", f"YAML error: {exc}")]
    doc = SourceDocument(file, None)
    if node is None:
        return doc, []
    problems: list[Problem] = []
    constructor = _Constructor()
    doc.lines[()] = node.start_mark.line + 1
    doc.data = _convert(node, (), doc, problems, constructor)
    return doc, problems


def _convert(
    node: yaml.Node,
    path: Path,
    doc: SourceDocument,
    problems: list[Problem],
    constructor: _Constructor,
) -> Any:
    if isinstance(node, yaml.MappingNode):
        explicit = sum(1 for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge")
        constructor.flatten_mapping(node)  # resolve ``<<`` merge keys; merged pairs come first
        merged = len(node.value) - explicit
        result: dict[Any, Any] = {}
        from_merge: set[Any] = set()
        for position, (key_node, value_node) in enumerate(node.value):
            key = _scalar(key_node, path, doc, problems, constructor)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key)
            child = (*path, key)
            if position < merged:
                if key in result:
                    continue
                from_merge.add(key)
            elif key in result and key not in from_merge:
                problems.append(
                    Problem(
                        doc.file,
                        key_node.start_mark.line + 1,
                        format_path(child),
                        f"Duplicate key (first written on line {doc.lines.get(child)}).",
                    )
                )
                continue
            else:
                from_merge.discard(key)
            doc.lines[child] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, child, doc, problems, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            doc.lines[child] = item.start_mark.line + 1
            items.append(_convert(item, child, doc, problems, constructor))
        return items
    return _scalar(node, path, doc, problems, constructor)


def _scalar(
    node: yaml.Node,
    path: Path,
    doc: SourceDocument,
    problems: list[Problem],
    constructor: _Constructor,
) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        problems.append(
            Problem(doc.file, node.start_mark.line + 1, format_path(path), "A key must be text.")
        )
        return f"<invalid key on line {node.start_mark.line + 1}>"
    try:
        value = constructor.construct_object(node, deep=True)
        if isinstance(value, float) and not isinstance(value, bool):
            written = WrittenFloat(value)
            written.written = str(node.value)
            return written
        return value
    except yaml.constructor.ConstructorError as exc:
        message = str(exc.problem)
    except ValueError as exc:  # e.g. an impossible date such as 2026-02-30
        message = f"Not a valid value: {exc}."
    problems.append(Problem(doc.file, node.start_mark.line + 1, format_path(path), message))
    return None
