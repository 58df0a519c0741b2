"""The import rules of ../shared/STYLE.md, section 2, held over every module in bot/: the tree
is the architecture only as long as nobody reaches across it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "bot"
CHAT = {"bot.chat"}
REMINDERS = {"bot.reminders"}
# builds, runs, checks, publishes
WIRING = {"bot.app", "bot.cli", "bot.checks", "bot.publish", "bot.health", "bot.__main__"}
STORE = {"bot.store", "bot.database", "bot.schema"}  # queries, connection, tables
# adapters may import these only: the types they translate (labels come in the Reply) and
# their own settings (the config's platform sections and role rules), never the core
ADAPTERS_MAY = {"bot.messages", "bot.adapters", "bot.config"}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module → every module it imports (at any depth of the file: lazy imports count)."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
        found[_module(path)] = names
    return found


IMPORTS = _imports()


def _reaches(module: str, targets: set[str]) -> set[str]:
    return {
        name
        for name in IMPORTS[module]
        if any(name == t or name.startswith(f"{t}.") for t in targets)
    }


def test_the_core_never_imports_a_chat_platform() -> None:
    for module, names in IMPORTS.items():
        if module.startswith("bot.adapters"):
            continue
        platforms = {n for n in names if n.split(".")[0] in ("discord", "telegram")}
        assert not platforms, f"{module} imports {platforms}"


def test_only_the_wiring_imports_an_adapter() -> None:
    """`bot.adapters.base` is the port (the Adapter protocol) and anyone may use it; a concrete
    adapter is built by the wiring alone."""
    concrete = {
        f"bot.adapters.{path.stem}"
        for path in (PACKAGE / "adapters").glob("*.py")
        if path.stem not in ("__init__", "base")
    }
    for module in IMPORTS:
        if module.startswith("bot.adapters") or module in WIRING:
            continue
        assert not _reaches(module, concrete), module


def test_answering_stands_alone() -> None:
    """The answer engine can be benchmarked, swapped or reused without the chat, the
    reminders, the database or a platform."""
    forbidden = CHAT | REMINDERS | WIRING | STORE | {"bot.adapters"}
    for module in IMPORTS:
        if module.startswith("bot.answering"):
            assert not _reaches(module, forbidden), module


def test_adapters_translate_and_reach_nothing_of_the_core() -> None:
    for module in IMPORTS:
        if not module.startswith("bot.adapters"):
            continue
        own = {n for n in IMPORTS[module] if n.startswith("bot.")}
        beyond = {n for n in own if not any(n == a or n.startswith(f"{a}.") for a in ADAPTERS_MAY)}
        assert not beyond, f"{module} reaches into {beyond}"


def test_the_store_imports_nothing_above_it() -> None:
    """In layers: the queries (store) over the connection (database) over the tables (schema)."""
    above = CHAT | REMINDERS | WIRING | {"bot.answering", "bot.adapters"}
    assert not _reaches("bot.store", above)
    assert not _reaches("bot.database", above | {"bot.store"})
    assert not _reaches("bot.schema", above | {"bot.store", "bot.database"})


def test_the_core_knows_nothing_of_the_website() -> None:
    """`python -m bot site` reads what the bot serves; nothing the bot runs imports it, and it
    reaches no chat, platform or database code."""
    site = {"bot.site"}
    for module in IMPORTS:
        if module.startswith("bot.site") or module == "bot.publish":
            continue
        assert not _reaches(module, site), module
    for module in IMPORTS:
        if module.startswith("bot.site"):
            assert not _reaches(module, CHAT | STORE | WIRING | {"bot.adapters"}), module
