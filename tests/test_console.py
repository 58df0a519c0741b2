"""The whole bot driven through the console adapter: what a person at the terminal sees."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.chat.commands import COMMANDS
from bot.config import Config
from bot.messages import ChannelRef, Incoming
from tests.conftest import ROOT, FakeClock, TestBot, console_bot


async def test_answer_shows_sources_and_review_date(testbot: TestBot) -> None:
    reply = await testbot.ask("wut does sb 54 do??")
    assert "Sources:" in reply
    assert "https://" in reply
    assert "Checked 20" in reply


async def test_spanish_question_gets_a_spanish_answer(testbot: TestBot) -> None:
    reply = await testbot.ask("¿qué es la ley sb54?")
    assert "Fuentes:" in reply
    assert "Revisado el 20" in reply


async def test_unknown_question_abstains_and_is_recorded_without_sender(
    testbot: TestBot, clock: FakeClock
) -> None:
    reply = await testbot.ask("how do I renew a fishing licence")
    assert reply.startswith("I don't know that one yet")
    assert "Sources:" not in reply
    await testbot.app.core.settle()
    top = await testbot.app.store.top_unanswered()
    assert [(c.text, c.count) for c in top] == [("how do I renew a fishing licence", 1)]


async def test_a_number_without_its_choice_says_so_and_the_list_still_works(
    testbot: TestBot,
) -> None:
    """A "7" after two numbered choices was told "Send me a question in words"; a number that
    is one of them answers that entry."""
    assert "2)" in await testbot.ask("public comment")
    assert "no choice with that number" in await testbot.ask("7")
    assert "Sources:" in await testbot.ask("2")


async def test_words_with_no_subject_ask_for_a_little_more(testbot: TestBot) -> None:
    """ "¿dónde es?" was told to send a question in words; emoji alone still is."""
    assert (await testbot.ask("¿dónde es?")).startswith("¿Puede decir un poco más?")
    assert (await testbot.ask("😀")).startswith("Mándeme una pregunta con palabras")


async def test_wrong_counts_against_the_last_answer(testbot: TestBot) -> None:
    assert "Sources:" in await testbot.ask("what is sb54")
    assert "moderator will look" in await testbot.ask("/wrong")
    (entry_id, no, yes) = (await testbot.app.store.most_unhelpful())[0]
    assert (no, yes) == (1, 0)
    assert entry_id in testbot.app.knowledge.snapshot.by_id


async def test_lang_choice_applies_until_forgotten(testbot: TestBot) -> None:
    assert "español" in await testbot.ask("/lang es")
    assert "Fuentes:" in await testbot.ask("what is sb54")
    assert "Listo" in await testbot.ask("/forget")
    assert "Sources:" in await testbot.ask("what is sb54")


async def _ask(bot: TestBot, chat: str, words: str) -> str:
    (reply,) = await bot.app.core.handle(Incoming(ChannelRef("telegram", chat), chat, words))
    return reply.text


async def test_language_choices_of_earlier_runs_apply_without_a_read_a_chat(
    config: Config, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process reads every /lang choice at once: a chat's first question (hundreds at
    once during a forum, while a reminder goes out) does not wait for the database, and a
    choice saved in an earlier run, or carried to a group's new id, still applies."""
    async with console_bot(config, clock) as bot:
        assert "español" in await _ask(bot, "-4001", "/lang es")
    async with console_bot(config, clock) as bot:  # restarted
        store = bot.app.store
        reads: list[tuple[str, str]] = []
        read = store.language

        async def counted(platform: str, chat_id: str) -> str | None:
            reads.append((platform, chat_id))
            return await read(platform, chat_id)

        monkeypatch.setattr(store, "language", counted)
        assert "Siguiente paso" in await _ask(bot, "-4001", "what is sb54")
        for chat in range(20):
            assert "Next:" in await _ask(bot, str(chat), "what is sb54")
        assert reads == []
        await store.save_move("telegram", "-4001", "-1004001")  # became a supergroup
        assert "Siguiente paso" in await _ask(bot, "-1004001", "what is sb54")
        assert "Listo" in await _ask(bot, "-1004001", "/forget")
        assert "Next:" in await _ask(bot, "-1004001", "what is sb54")


async def test_more_choices_than_memory_keeps_are_read_chat_by_chat(
    config: Config, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.chat.chat_state.MAX_REMEMBERED", 2)
    async with console_bot(config, clock) as bot:
        for chat in ("1", "2", "3"):
            assert "español" in await _ask(bot, chat, "/lang es")
    async with console_bot(config, clock) as bot:
        store = bot.app.store
        reads: list[int] = []
        read_all = store.languages

        async def counted(limit: int) -> list[tuple[tuple[str, str], str]]:
            reads.append(limit)
            return await read_all(limit)

        monkeypatch.setattr(store, "languages", counted)
        for chat in ("1", "2", "3"):
            assert "Siguiente paso" in await _ask(bot, chat, "what is sb54"), chat
        assert "Next:" in await _ask(bot, "4", "what is sb54")
        assert len(reads) == 1, "too many to keep is learnt once, not at every new chat"


async def test_help_names_every_command_this_person_may_use(testbot: TestBot) -> None:
    """/help is generated from the registry: each command with its description, in the chat's
    language, so a new command shows up without anyone writing its help line."""
    shown = await testbot.ask("/help")  # the console user is organizer and moderator
    listed = [c for c in COMMANDS if c.listed]
    assert len(listed) >= 15
    assert [c.name for c in listed if f"/{c.name}" not in shown] == []
    assert [c.name for c in listed if c.describe("en") not in shown] == []
    assert "/event add|list|edit|cancel|post|status" in shown
    assert "/lang en|es" in shown
    assert "español" in await testbot.ask("/lang es")
    ayuda = await testbot.ask("/help")
    assert [c.name for c in listed if c.describe("es") not in ayuda] == []


async def test_help_shows_role_commands_only_to_those_who_hold_the_role(testbot: TestBot) -> None:
    member = Incoming(ChannelRef("telegram", "9", private=True), "9", "/help")
    (reply,) = await testbot.app.core.handle(member)
    assert "/next" in reply.text
    assert "/reload" not in reply.text
    assert "/event add" not in reply.text


async def test_commands(testbot: TestBot) -> None:
    assert "/privacy" in await testbot.ask("/help")
    assert "90 days" in await testbot.ask("/privacy")
    assert "Did you mean /help?" in await testbot.ask("/hlep")
    assert "Knowledge reloaded" in await testbot.ask("/reload")
    assert "Ask me something first" in await testbot.ask("/sources")
    await testbot.ask("what is sb54")
    assert "https://" in await testbot.ask("/sources")


async def test_a_command_by_its_spanish_name_answers_in_spanish(testbot: TestBot) -> None:
    """Discord shows /ayuda and /proxima; typed on Telegram or the console they were unknown."""
    assert "/next: La próxima reunión" in await testbot.ask("/ayuda")
    assert "Doy información" in await testbot.ask("/ayuda")


async def test_a_spanish_command_name_answers_in_spanish_after_english_questions(
    testbot: TestBot,
) -> None:
    """The chat wrote in English before; "/ayuda" says which language is wanted now. A /lang
    choice still wins."""
    assert "Sources:" in await testbot.ask("what is sb54")
    assert "Doy información" in await testbot.ask("/ayuda")
    await testbot.ask("/lang en")
    assert "I give information" in await testbot.ask("/ayuda")


async def test_hostile_input_gets_replies_and_the_bot_keeps_serving(testbot: TestBot) -> None:
    for line in ("x" * 50_000, "😀🔥" * 100, "\u202e\u200b<script>&amp;", "/", "   ", "@everyone"):
        assert await testbot.ask(line)
    assert "Sources:" in await testbot.ask("what is sb54")


async def test_database_failure_does_not_stop_answers(testbot: TestBot) -> None:
    await testbot.app.store.close()  # as if the database went away
    testbot.app.store._engine = None
    reply = await testbot.ask("how do I renew a fishing licence")
    assert reply.startswith("I don't know that one yet")
    assert "Sources:" in await testbot.ask("what is sb54")
    await testbot.app.store.open()


def run_bot(args: list[str], stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\ndatabase: {{url: 'sqlite:///bot.db'}}\n",
        encoding="utf-8",
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--config", str(config)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )


def test_chat_reads_real_stdin_and_writes_stdout(tmp_path: Path) -> None:
    done = run_bot(["chat"], "what is sb54\nhow do I renew a fishing licence\n/help\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Sources:") == 1
    assert "I don't know that one yet" in done.stdout
    assert "/privacy" in done.stdout
    assert (tmp_path / "bot.db").exists(), "the relative database resolves next to the config"


async def test_urgent_answers_always_end_with_where_to_get_help(testbot: TestBot) -> None:
    reply = await testbot.ask("ICE is at my door")
    assert "cdss.ca.gov/immigration-services" in reply, "no local numbers configured"


async def test_urgent_answers_show_the_numbers_organizers_set(
    config: Config, clock: FakeClock
) -> None:
    from dataclasses import replace

    from bot.app import build

    config = replace(config, contacts={"rapid_response": "Line (example) 916-555-0100"})
    app = build(config, clock=clock, adapters=[])
    app.knowledge.reload()
    (reply,) = app.core.respond("la migra esta en mi puerta", None)[1:]
    assert "Respuesta rápida: Line (example) 916-555-0100" in reply.text


async def test_a_locked_database_costs_a_record_not_an_answer(testbot: TestBot) -> None:
    """Another program holds the database: answers go on, and recording resumes after."""
    import sqlite3

    url = testbot.app.store.url
    path = url.split(":///", 1)[1]
    locker = None
    async with asyncio.timeout(10):
        while locker is None:  # the bot's own start-up writes finish first
            candidate = sqlite3.connect(path, timeout=0)
            try:
                candidate.execute("BEGIN EXCLUSIVE")
                locker = candidate
            except sqlite3.OperationalError:
                candidate.close()
                await asyncio.sleep(0.1)
    try:
        reply = await asyncio.wait_for(testbot.ask("how do I renew a fishing licence"), 15)
        assert reply.startswith("I don't know that one yet")
    finally:
        locker.rollback()
        locker.close()
    await testbot.ask("where do I park my boat")
    await testbot.app.core.settle()
    recorded = [c.text for c in await testbot.app.store.top_unanswered()]
    assert "where do I park my boat" in recorded


def test_ctrl_d_at_a_terminal_quits_run_and_dev_null_does_not_log_errors(tmp_path: Path) -> None:
    """`make run` at a terminal: Ctrl-D quits as its prompt says. Under systemd or `docker run
    -d` (stdin /dev/null) it starts without a traceback and keeps running for reminders."""
    import os
    import pty
    import signal
    import time

    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: 'sqlite:///{tmp_path / 'bot.db'}'}}\n", encoding="utf-8")
    command = [sys.executable, "-m", "bot", "run", "--config", str(config)]
    parent, child = pty.openpty()
    process = subprocess.Popen(command, stdin=child, stdout=child, stderr=child, cwd=ROOT)
    os.close(child)
    seen = b""
    deadline = time.monotonic() + 60
    while b"Ctrl-D to quit" not in seen and time.monotonic() < deadline:
        seen += os.read(parent, 4096)
    os.write(parent, b"what is sb54\n\x04")
    try:
        assert process.wait(timeout=30) == 0
    finally:
        process.kill()
        os.close(parent)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        detached = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=ROOT
        )
        deadline = time.monotonic() + 60
        while b"answering with" not in log.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.2)
        still_running = detached.poll() is None
        detached.send_signal(signal.SIGTERM)
        assert detached.wait(timeout=30) == 0
    assert still_running, "end of input must not stop the bot (reminders go on)"
    assert b"Traceback" not in log.read_bytes()


async def test_when_questions_show_the_next_scheduled_event(
    testbot: TestBot, clock: FakeClock
) -> None:
    """ "When is the next meeting" never says "no date yet" while /events lists one."""
    added = await testbot.ask(
        '/event add "Board budget hearing" 2026-11-26 09:30 remind 1h to console'
    )
    assert "Board budget hearing" in added
    (event, _), *_ = testbot.app.reminders.upcoming(clock.now())
    english = await testbot.ask("when is the next board of supervisors meeting")
    assert f"Next on the bot's schedule: {event.title}" in english
    spanish = await testbot.ask("¿cuándo es la próxima reunión de la junta de supervisores?")
    assert f"Lo próximo en el calendario del bot: {event.title}" in spanish
    unrelated = await testbot.ask("what is sb54")
    assert "Next on the bot's schedule" not in unrelated


async def test_a_title_with_a_lone_x_does_not_turn_the_reply_spanish(testbot: TestBot) -> None:
    """ "x" is chat Spanish for "por", but an event called "Rally x" got "Agregado … martes"."""
    added = await testbot.ask('/event add "Rally x" 2026-11-26 09:30 remind 1h')
    assert added.startswith("Added rally-x"), added


async def test_calendar_on_the_console_writes_the_file_and_says_where(testbot: TestBot) -> None:
    shown = await testbot.ask("/calendar")
    assert ".ics" in shown
    saved = await testbot.pop()
    assert saved.startswith("Saved: ")
    path = Path(saved.removeprefix("Saved: "))
    assert (await asyncio.to_thread(path.read_bytes)).startswith(b"BEGIN:VCALENDAR")
