"""What a volunteer deploying the bot relies on, checked without a Docker engine."""

from __future__ import annotations

import itertools
import re
import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from bot.adapters.base import plain_text
from bot.adapters.telegram_render import render
from bot.answering.knowledge import KnowledgeHolder
from bot.answering.matcher import Matcher
from bot.chat.core import Core
from bot.config import load_config
from bot.messages import ChannelRef, Incoming
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_dockerfile_essentials() -> None:
    assert re.search(r"^FROM python:3\.\d+-slim", DOCKERFILE, re.M)
    assert re.search(r"^USER (?!root)\w+", DOCKERFILE, re.M), "runs as a non-root user"
    assert 'VOLUME ["/app/data"]' in DOCKERFILE
    assert re.search(r"^HEALTHCHECK .*\"bot\", \"health\"", DOCKERFILE, re.M)
    assert "STOPSIGNAL SIGTERM" in DOCKERFILE
    assert 'CMD ["python", "-m", "bot", "run"]' in DOCKERFILE


def test_dockerfile_installs_like_the_readme() -> None:
    """The image's install step is the README's manual install, which CI exercises, and both
    install the versions the suite passed with."""
    assert "pip install --no-cache-dir -c constraints.txt ." in DOCKERFILE
    assert ".venv/bin/pip install -c constraints.txt ." in README
    assert "python -m bot run" in README
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_every_dependency_is_pinned() -> None:
    """A dependency added to pyproject.toml without `make lock` would install whatever its
    newest release is on a fresh machine, untested."""
    pinned = {
        canonicalize_name(line.split("==")[0])
        for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = {canonicalize_name(Requirement(w).name) for w in wanted}
    assert names <= pinned, f"not in constraints.txt (run make lock): {sorted(names - pinned)}"


def test_example_config_documents_every_key() -> None:
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    for key in (
        "knowledge:",
        "stale_after:",
        "retention:",
        "schedules:",
        "database:",
        "timezone:",
        "reminders:",
        "grace:",
        "targets:",
        "telegram:",
        "base_url:",
        "discord:",
        "guild_id:",
        "message_content:",
        "roles:",
        "organizers:",
        "moderators:",
        "notify:",
        "contacts:",
        "rapid_response:",
        "legal_help:",
        "logging:",
        "level:",
        "matcher:",
        "threshold:",
        "margin:",
    ):
        line = next(line for line in text.splitlines() if line.strip().startswith(key))
        assert "#" in line or line.strip() == key, f"{key} has no comment"
    assert "TELEGRAM_BOT_TOKEN" in text
    assert "DISCORD_TOKEN" in text
    assert load_config(ROOT / "config.example.yaml").timezone == "America/Los_Angeles"


_USERS = itertools.count()
CORE = Core(
    load_config(ROOT / "config.example.yaml"),
    KnowledgeHolder.load([ROOT / "knowledge"]),
    Matcher(),
    store=None,
)


@settings(deadline=None, max_examples=150)
@given(st.text(max_size=6000))
async def test_any_message_gets_a_reply_that_renders(text: str) -> None:
    msg = Incoming(ChannelRef("test", "1"), str(next(_USERS)), text)  # no flood limit
    replies = await CORE.handle(msg)
    assert replies
    for reply in replies:
        assert plain_text(reply)
        assert all(len(piece) <= 4096 for piece in render(reply))
        assert "@everyone" not in reply.text or "@everyone" in text
