"""What knowledge and schedule files share: reading YAML with line marks, and problems that
point at a file and line a moderator or organizer can open.

Validation walks PyYAML's composed nodes (not `safe_load`'s plain values), so every problem
keeps its line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Literal

import yaml
from yaml.nodes import MappingNode, Node

# libyaml's loader when PyYAML was built with it: ten times faster, same nodes and line marks
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NULL_TAG = "tag:yaml.org,2002:null"  # `key:` with nothing after it, or `null`


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"
    unreadable: bool = False  # the whole file could not be read: the cause of what follows

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class Checked:
    """What a validated load returns besides its content: every problem, split by severity."""

    __slots__ = ()
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


def yaml_files(path: Path) -> list[Path]:
    """A file as given, or a folder's *.yaml and *.yml files in name order."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.glob("*.y*ml") if p.suffix in (".yaml", ".yml"))


def ordered(problems: Iterable[Problem]) -> list[Problem]:
    """Unreadable files first (fixing them may clear the rest), then by file and line."""
    return sorted(problems, key=lambda p: (not p.unreadable, p.file, p.line))


_UNCLOSED = {
    "while scanning a quoted scalar": "a quoted text that starts here never ends: is its closing "
    "quote missing?",
    "while parsing a flow sequence": "a [list] that starts here is not closed: is a ']' or a ',' "
    "missing?",
    "while parsing a flow mapping": "a {mapping} that starts here is not closed: is a '}' or a "
    "',' missing?",
}


def syntax_error(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line to fix (0 if unknown) and what is wrong there. An unclosed quote or bracket is
    found where the parser gives up, often the end of the file, past its last line: the line to
    fix is where it opens."""
    mark, message = exc.problem_mark or exc.context_mark, exc.problem or exc.context
    unclosed = _UNCLOSED.get(exc.context or "")
    if exc.context_mark and unclosed:
        mark, message = exc.context_mark, unclosed
    return (mark.line + 1 if mark else 0), str(message)


def compose(file: Path) -> tuple[Node | None, Problem | None]:
    """The file's node tree (with line marks), or the problem that stops reading it."""
    try:
        return yaml.compose(file.read_text(encoding="utf-8"), Loader=SAFE_LOADER), None
    except yaml.MarkedYAMLError as exc:
        line, message = syntax_error(exc)
        return None, Problem(str(file), line, f"not valid YAML: {message}", unreadable=True)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, Problem(str(file), 0, f"cannot read: {exc}", unreadable=True)


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


class Reporter:
    """Collects one file's problems at their lines; `ok` turns False at the first error."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.source, self.problems = file, problems
        self.ok = True

    def error(self, node: Node, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.source, line_of(node), message))

    def warn(self, node: Node, message: str) -> None:
        self.problems.append(Problem(self.source, line_of(node), message, "warning"))

    def mapping(
        self,
        node: MappingNode,
        known: tuple[str, ...],
        what: str,
        is_lang_key: Callable[[str], object] | None = None,
    ) -> dict[str, Node]:
        """A mapping's fields by key; a repeated or unknown key is an error at its line, with
        the nearest known key (`is_lang_key` admits keys such as language codes)."""
        fields: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in fields:
                self.error(key_node, f"'{key}' appears twice in this {what}")
            elif key not in known and not (is_lang_key and is_lang_key(key)):
                hint = get_close_matches(key, known, n=1)
                more = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
                self.error(key_node, f"unknown key '{key}' in {what}{more}")
            else:
                fields[key] = value_node
        return fields
