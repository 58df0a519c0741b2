"""Load and validate `knowledge/*.yaml` into an immutable Snapshot.

Validation walks PyYAML's composed nodes (not `safe_load`'s plain values) so that every problem
points at a file and line a moderator can open. A reload builds a whole new Snapshot and swaps it
in with one assignment; a file with errors never replaces the last good snapshot.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from difflib import get_close_matches
from pathlib import Path
from types import MappingProxyType

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.messages import Source, link_problem
from bot.yamlcheck import NULL_TAG, Checked, Problem, Reporter, compose, line_of, yaml_files

log = logging.getLogger(__name__)

ENTRY_KEYS = ("id", "tags", "reviewed", "sources", "related", "en", "es")
LANG_KEYS = ("question", "aliases", "answer")
REQUIRED_LANGS = ("en", "es")  # the bundled knowledge is bilingual; others are welcome
ANSWER_SOFT_LIMIT = 900  # a phone screen
ANSWER_HARD_LIMIT = 1500  # leaves room for sources within Discord's 2,000 characters
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LANG = re.compile(r"^[a-z]{2,3}$")
# What must read the same in every language: numbers, sections ("7284.6(a)(1)(C)"), forms
# ("I-247A" → "247A"), phone numbers, e-mail addresses. Words differ; these never should.
_FIGURES = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\d+(?:[-.,:]\d+)*(?:[A-Z](?![a-z]))?(?:\(\w+\))*"
)
_BOOL_TAG = "tag:yaml.org,2002:bool"
_STR_TAG = "tag:yaml.org,2002:str"


@dataclass(frozen=True, slots=True)
class LangText:
    question: str
    answer: str
    aliases: tuple[str, ...] = ()

    @property
    def phrases(self) -> tuple[str, ...]:
        """The ways of asking this: the question, then its aliases."""
        return (self.question, *self.aliases)


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    reviewed: date
    sources: tuple[Source, ...]
    texts: Mapping[str, LangText]
    tags: frozenset[str] = frozenset()
    related: tuple[str, ...] = ()
    file: str = ""
    line: int = 0

    def text(self, lang: str) -> LangText:
        """The entry in `lang`, falling back to English, then to any language it has."""
        return self.texts.get(lang) or self.texts.get("en") or next(iter(self.texts.values()))


@dataclass(frozen=True, slots=True)
class Snapshot:
    entries: tuple[Entry, ...]
    by_id: Mapping[str, Entry] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> Snapshot:
        entries = tuple(entries)
        return cls(entries, MappingProxyType({e.id: e for e in entries}))


@dataclass(frozen=True, slots=True)
class LoadResult(Checked):
    snapshot: Snapshot
    problems: tuple[Problem, ...]


def load_knowledge(
    paths: Iterable[Path],
    *,
    stale_after: timedelta = timedelta(days=365),
    today: date | None = None,
) -> LoadResult:
    """Read every file, report every problem; entries with errors are left out."""
    today = today or date.today()  # noqa: DTZ011 - review dates are calendar days
    problems: list[Problem] = []
    entries: list[Entry] = []
    files = [f for p in paths for f in yaml_files(Path(p))]
    if not files:
        where = ", ".join(str(p) for p in paths) or "(no path)"
        problems.append(Problem(where, 0, "no knowledge files (*.yaml) found"))
    for file in files:
        entries.extend(_load_file(file, problems, stale_after, today))
    # an id defined in a file that could not be read is not unknown: checking links against
    # what was read would bury the one real cause under errors about other files
    readable = not any(p.unreadable for p in problems)
    entries = _check_across(entries, problems, links=readable)
    return LoadResult(Snapshot.of(entries), tuple(problems))


def _load_file(
    file: Path, problems: list[Problem], stale_after: timedelta, today: date
) -> list[Entry]:
    name = str(file)
    root, unreadable = compose(file)
    if unreadable:
        problems.append(unreadable)
        return []
    if root is None:
        problems.append(Problem(name, 1, "empty file; expected a list of entries", "warning"))
        return []
    if not isinstance(root, SequenceNode):
        problems.append(
            Problem(name, line_of(root), "expected a list of entries (lines starting with '- id:')")
        )
        return []
    reader = _EntryReader(name, problems, stale_after, today)
    return [e for node in root.value if (e := reader.entry(node)) is not None]


def _check_across(entries: list[Entry], problems: list[Problem], *, links: bool) -> list[Entry]:
    seen: dict[str, Entry] = {}
    kept: list[Entry] = []
    for entry in entries:
        first = seen.get(entry.id)
        if first:
            problems.append(
                Problem(
                    entry.file,
                    entry.line,
                    f"duplicate id '{entry.id}' (first at {first.file}:{first.line}); "
                    "ids must be unique",
                )
            )
            continue
        seen[entry.id] = entry
        kept.append(entry)
    for entry in kept if links else ():
        for rel in entry.related:
            if rel not in seen:
                hint = get_close_matches(rel, list(seen), n=1)
                more = f"; did you mean '{hint[0]}'?" if hint else ""
                problems.append(
                    Problem(entry.file, entry.line, f"related: unknown id '{rel}'{more}")
                )
    return kept


_constructor = yaml.constructor.SafeConstructor()


def _value(node: Node) -> object:
    return _constructor.construct_object(node, deep=True)


class _EntryReader(Reporter):
    """Turns one entry node into an Entry, reporting each problem with its line."""

    def __init__(self, file: str, problems: list[Problem], stale_after: timedelta, today: date):
        super().__init__(file, problems)
        self.stale_after, self.today = stale_after, today

    def entry(self, node: Node) -> Entry | None:
        self.ok = True
        if not isinstance(node, MappingNode):
            self.error(node, "each entry must be a mapping starting with 'id:'")
            return None
        fields = self.mapping(node, ENTRY_KEYS, "entry", is_lang_key=_LANG.match)
        entry_id = self.string(fields.get("id"), node, "id")
        if entry_id and not _ID.match(entry_id):
            self.error(fields["id"], f"id '{entry_id}' must be kebab-case (lowercase, digits, '-')")
        where = f"entry '{entry_id}'" if entry_id else "entry"
        reviewed = self.reviewed(fields.get("reviewed"), node, where)
        sources = self.sources(fields.get("sources"), node, where)
        texts: dict[str, LangText] = {}
        for key, value in fields.items():
            if _LANG.match(key) and key not in ("id",):
                text = self.lang_text(key, value, where)
                if text:
                    texts[key] = text
        if not texts and not any(_LANG.match(k) for k in fields):
            self.error(node, f"{where}: missing 'en:' with question and answer")
        for lang in REQUIRED_LANGS:
            if lang not in fields:
                self.warn(node, f"{where}: missing translation '{lang}:'")
        if "en" in texts and "es" in texts:
            en_only, es_only = pair_differences(texts["en"].answer, texts["es"].answer)
            if en_only or es_only:
                self.warn(
                    node,
                    f"{where}: the Spanish answer does not say the same figures as the English "
                    f"(only in en: {', '.join(sorted(en_only)) or '-'}; "
                    f"only in es: {', '.join(sorted(es_only)) or '-'}); "
                    "compare them with `validate --pairs`",
                )
        tags = self.strings(fields.get("tags"), "tags")
        related = self.strings(fields.get("related"), "related")
        if not (self.ok and entry_id and reviewed and sources and texts):
            return None
        return Entry(
            id=entry_id,
            reviewed=reviewed,
            sources=sources,
            texts=MappingProxyType(texts),
            tags=frozenset(tags),
            related=tuple(related),
            file=self.source,
            line=line_of(node),
        )

    def string(self, node: Node | None, parent: Node, key: str, where: str = "entry") -> str:
        if node is None:
            self.error(parent, f"{where}: missing '{key}'")
            return ""
        if not isinstance(node, ScalarNode) or node.tag == NULL_TAG:
            self.error(node, f"'{key}' must be text")
            return ""
        if node.tag == _BOOL_TAG:
            self.error(node, f"'{key}' reads as a yes/no value ({node.value}); put it in quotes")
            return ""
        text = str(node.value).strip()
        if not text:
            self.error(node, f"'{key}' is empty")
        return text

    def strings(self, node: Node | None, key: str) -> list[str]:
        if node is None:
            return []
        if not isinstance(node, SequenceNode):
            self.error(node, f'\'{key}\' must be a list, like ["one", "two"]')
            return []
        items = []
        for item in node.value:
            if isinstance(item, ScalarNode) and item.tag == _BOOL_TAG:
                self.error(
                    item,
                    f"{key}: {item.value} is read as a yes/no value, not text; "
                    f'put it in quotes: "{item.value}"',
                )
            elif not isinstance(item, ScalarNode) or item.tag != _STR_TAG:
                shown = item.value if isinstance(item, ScalarNode) else "a list or mapping"
                self.error(item, f"{key}: {shown} is not text; put it in quotes")
            elif item.value.strip():
                items.append(str(item.value).strip())
            else:
                self.error(item, f"{key}: empty text")
        return items

    def reviewed(self, node: Node | None, parent: Node, where: str) -> date | None:
        if node is None:
            self.error(parent, f"{where}: missing 'reviewed' (the date a person checked it)")
            return None
        value = _value(node) if isinstance(node, ScalarNode) else None
        if not isinstance(value, date):
            self.error(
                node, f"reviewed: {getattr(node, 'value', '?')!r} is not a date like 2026-11-20"
            )
            return None
        if value > self.today:
            self.error(node, f"reviewed: {value} is in the future")
        elif self.today - value > self.stale_after:
            self.warn(
                node,
                f"{where}: reviewed {value}, older than {self.stale_after.days} days; re-check it",
            )
        return value

    def sources(self, node: Node | None, parent: Node, where: str) -> tuple[Source, ...]:
        if node is None:
            self.error(parent, f"{where}: missing 'sources' (cite the statute or official page)")
            return ()
        if not isinstance(node, SequenceNode) or not node.value:
            self.error(node, "sources: expected a list of {title: ..., url: ...}")
            return ()
        found: list[Source] = []
        for item in node.value:
            if not isinstance(item, MappingNode):
                self.error(item, "each source must be {title: ..., url: ...}")
                continue
            fields = self.mapping(item, ("title", "url"), "source")
            title = self.string(fields.get("title"), item, "title", "source")
            url = self.string(fields.get("url"), item, "url", "source")
            if url and (problem := link_problem(url)):
                self.error(fields["url"], f"url {problem}")
            elif title and url:
                found.append(Source(title, url))
        return tuple(found)

    def lang_text(self, lang: str, node: Node, where: str) -> LangText | None:
        if not isinstance(node, MappingNode):
            self.error(node, f"'{lang}:' must hold question, aliases and answer")
            return None
        fields = self.mapping(node, LANG_KEYS, f"'{lang}:' block")
        question = self.string(fields.get("question"), node, "question", f"{where} {lang}")
        answer = self.string(fields.get("answer"), node, "answer", f"{where} {lang}")
        aliases = self.strings(fields.get("aliases"), "aliases")
        if len(answer) > ANSWER_HARD_LIMIT:
            self.error(
                fields["answer"],
                f"{where} {lang}: answer is {len(answer)} characters, too long for one chat "
                f"message (max {ANSWER_HARD_LIMIT}); split it into entries linked by 'related'",
            )
        elif len(answer) > ANSWER_SOFT_LIMIT:
            self.warn(
                fields["answer"],
                f"{where} {lang}: answer is {len(answer)} characters; keep it under "
                f"{ANSWER_SOFT_LIMIT} to fit a phone screen",
            )
        if not (question and answer):
            return None
        return LangText(question, answer, tuple(aliases))


class KnowledgeHolder:
    """Serves one Snapshot; `reload()` swaps in a new one only when it loads without errors.

    The exception is the very first load: with no good snapshot yet, the valid entries serve.
    """

    def __init__(
        self,
        paths: Iterable[Path],
        *,
        stale_after: timedelta = timedelta(days=365),
        on_swap: Callable[[Snapshot], object] | None = None,
    ) -> None:
        self.paths = tuple(paths)
        self.stale_after = stale_after
        self._on_swap = on_swap
        self.snapshot = Snapshot.of(())
        self.last_problems: tuple[Problem, ...] = ()

    @classmethod
    def load(cls, paths: Iterable[Path], **kwargs: object) -> KnowledgeHolder:
        holder = cls(paths, **kwargs)  # type: ignore[arg-type]
        holder.reload()
        return holder

    def reload(self) -> LoadResult:
        result = load_knowledge(self.paths, stale_after=self.stale_after)
        self.last_problems = result.problems
        if result.errors and self.snapshot.entries:
            log.warning(
                "knowledge reload rejected: %d errors; still serving %d entries",
                len(result.errors),
                len(self.snapshot.entries),
            )
            return result
        if result.errors:  # the first load: serve the valid entries rather than nothing
            log.warning(
                "knowledge loaded with %d errors; entries with errors left out", len(result.errors)
            )
        if self._on_swap:
            self._on_swap(result.snapshot)
        self.snapshot = result.snapshot
        log.info("knowledge loaded: %d entries", len(result.snapshot.entries))
        return result


def figures(text: str) -> set[str]:
    return {found.rstrip(".,") for found in _FIGURES.findall(text)}


def pair_differences(english: str, spanish: str) -> tuple[set[str], set[str]]:
    """(figures only in the English, figures only in the Spanish): a translation that drops
    "7282.5" or changes "(916) 874-5411" says less than the English, or something else."""
    en, es = figures(english), figures(spanish)
    return en - es, es - en
