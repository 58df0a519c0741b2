"""/comment, the public-comment coach, as a person sees it: through the whole core on the console
(numbered choices), and once through Telegram's buttons on the loopback Bot API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.chat import speaking
from bot.config import Config
from tests.conftest import FakeClock, TestBot, console_bot
from tests.test_telegram import Telegram, telegram  # noqa: F401 (the adapter's fixture)

MARKER = "Zorblaxian"  # a word no answer, log line or table holds unless the draft leaked there


def draft_of(words: int, *, sentence: int = 10) -> str:
    """`words` words in sentences of `sentence` words, the last one the ask."""
    said = [f"{MARKER}" if i == 0 else "word" for i in range(words)]
    chunks = [" ".join(said[i : i + sentence]) + "." for i in range(0, words, sentence)]
    return " ".join(chunks)


async def start_drafting(bot: TestBot, topic: str = "1") -> str:
    """/comment → a topic by its number → 'Time my draft'; returns the talking points."""
    topics = await bot.ask("/comment")
    assert "1)" in topics
    points = await bot.ask(topic)
    assert await bot.ask("1") != ""  # 1) Time my draft: the next message is the draft
    return points


async def test_full_flow_in_english(testbot: TestBot) -> None:
    topics = await testbot.ask("/comment")
    assert "the words and the argument are yours" in topics
    assert "1) The Sheriff and ICE holds" in topics
    assert "Something else" in topics
    points = await testbot.ask("1")
    bullets = [line for line in points.splitlines() if line.startswith("- ") and "http" not in line]
    assert 3 <= len(bullets) <= 5, points
    assert "Sources:" in points
    assert "https://" in points
    assert "Gov. Code § 54953.3" in points, "the name is optional, with the rule that says so"
    for part in ("Who you are (optional)", "Your point", "One fact", "Your ask"):
        assert part in points
    assert "count the words" in await testbot.ask("1")
    timing = await testbot.ask(draft_of(65))
    assert "65 words: about 30 s at a measured pace of 130 words a minute" in timing
    assert "It fits" in timing
    assert "2 min per speaker" in timing
    assert "check the posted agenda" in timing
    where = await testbot.ask("3")  # 3) Where and by when
    assert "check the posted agenda" in where, "no Board meeting in the tests' schedules"
    assert "Speaker Request Form" in where
    assert "https://sccob.saccounty.net/Pages/ElectronicPublicComment.aspx" in where
    assert "close when the meeting starts" in where
    assert "one business day" in where


async def test_full_flow_in_spanish(testbot: TestBot) -> None:
    assert "español" in await testbot.ask("/lang es")
    topics = await testbot.ask("/comment")
    assert "¿De qué trata?" in topics
    assert "El foro de la Ley TRUTH" in topics
    points = await testbot.ask("2")
    assert "Puntos sobre “El foro de la Ley TRUTH”" in points
    assert "Fuentes:" in points
    assert "Código de Gobierno § 54953.3" in points
    assert "Cuento las palabras" in await testbot.ask("1")
    timing = await testbot.ask("Somos vecinos. " * 70)
    assert "140 palabras: unos 1 min 5 s" in timing
    assert "mismo ritmo de 130 palabras por minuto" in timing, "says which rate, and why"
    assert "https://doi.org/10.1126/sciadv.aaw2594" in timing
    assert "por lo menos el doble" in timing
    where = await testbot.ask("3")
    assert "formulario para hablar" in where
    assert "revise la agenda publicada" in where


async def test_a_too_long_draft_gets_what_to_cut(testbot: TestBot) -> None:
    await start_drafting(testbot)
    long_sentence = " ".join(["many"] * 60) + "."
    draft = f"{draft_of(250)} {long_sentence} Please report every ICE request."
    timing = await testbot.ask(draft)
    assert "315 words: about 2 min 25 s" in timing
    assert "It runs about 25 s over: cut about 55 words (to 260 or fewer)" in timing
    assert "“many many many many many many…” (60 words)" in timing, "the longest first"
    assert "Please report" not in timing, "the ask, the last sentence, is kept"
    assert "written e-comment" in timing


async def test_the_interpreter_gets_twice_the_time(testbot: TestBot) -> None:
    await start_drafting(testbot)
    timing = await testbot.ask(draft_of(300))
    assert "at least twice the time (4 min for a 2 min limit)" in timing
    assert "Gov. Code § 54954.3(b)(2)" in timing
    assert "AB 1787 of 2016" in timing
    assert "leginfo.legislature.ca.gov" in timing
    again = await testbot.ask("2")  # 2) I'll speak through an interpreter
    assert "your limit is at least 4 min: your draft (2 min 18 s) fits" in again


async def test_a_draft_is_gone_after_30_minutes(testbot: TestBot, clock: FakeClock) -> None:
    await start_drafting(testbot)
    assert "stays in memory for this chat until" in await testbot.ask(draft_of(100))
    clock.advance(minutes=29)
    assert "fits" in await testbot.ask("/comment interpreter")
    clock.advance(minutes=1)
    assert "I don't have a draft" in await testbot.ask("/comment interpreter")
    clock.advance(minutes=31)
    assert "Sources:" in await testbot.ask("what is sb54"), "an idle coach lets questions by"


@pytest.mark.parametrize("command", ["/cancel", "/forget"])
async def test_cancel_and_forget_drop_the_draft_at_once(testbot: TestBot, command: str) -> None:
    await start_drafting(testbot)
    await testbot.ask(draft_of(100))
    await testbot.ask(command)
    reply = await testbot.ask("/comment interpreter")
    assert "I don't have a draft" in reply
    await testbot.ask("/cancel")
    assert "Sources:" in await testbot.ask("what is sb54")


async def test_cancel_while_drafting_lets_the_next_message_be_a_question(
    testbot: TestBot,
) -> None:
    await start_drafting(testbot)
    assert "deleted your draft" in await testbot.ask("/cancel")
    assert "Sources:" in await testbot.ask("what is sb54")
    assert "nothing to cancel" in await testbot.ask("/cancel")


async def test_a_draft_never_reaches_logs_or_database(
    testbot: TestBot, caplog: pytest.LogCaptureFixture, config: Config
) -> None:
    caplog.set_level(logging.DEBUG)
    await start_drafting(testbot)
    assert MARKER in await testbot.ask(draft_of(300, sentence=50))  # quoted back to its writer
    await testbot.ask("/comment interpreter")
    await testbot.app.core.settle()
    assert MARKER not in caplog.text
    database = Path(config.database_url.removeprefix("sqlite:///"))
    for file in database.parent.glob(f"{database.name}*"):  # the journal and WAL too
        assert MARKER.encode() not in file.read_bytes()


async def test_a_huge_draft_and_emoji_get_a_clear_answer(testbot: TestBot) -> None:
    await start_drafting(testbot)
    huge = await testbot.ask("word " * 10_000)
    assert "50,000 characters" in huge
    assert "I did not read or keep it" in huge
    assert "couldn't find any words" in await testbot.ask("🙂🎉👍")
    assert "3 words" in await testbot.ask("Stop ICE holds 🙂")


async def test_questions_are_answered_without_a_coach_session(testbot: TestBot) -> None:
    assert "Sources:" in await testbot.ask("what is sb54")
    await testbot.ask("/comment")
    assert "Sources:" in await testbot.ask("what is sb54"), "choosing a topic is not drafting"


async def test_help_lists_the_coach_without_its_buttons_step(testbot: TestBot) -> None:
    shown = await testbot.ask("/help")
    assert "/comment: Prepare and time a two-minute public comment" in shown
    assert "STEP" not in shown
    assert "/cancel: Stop the comment coach" in shown


@pytest.fixture
async def board_bot(config: Config, clock: FakeClock, tmp_path: Path) -> AsyncIterator[TestBot]:
    schedules = tmp_path / "schedules"
    schedules.mkdir()
    (schedules / "bos.yaml").write_text(
        "events:\n  - id: bos-meeting-2026-12-09\n    title: Board of Supervisors meeting\n"
        "    starts: 2026-12-09 09:30\n    location: Board Chambers\n"
        "    url: https://bos.saccounty.gov/Pages/AboutBoardMeetings.aspx\n"
        "    remind: [2d]\n    targets: [console]\n",
        encoding="utf-8",
    )
    async with console_bot(replace(config, schedules_dir=schedules), clock) as bot:
        yield bot


async def test_where_names_the_next_board_meeting_from_the_schedules(board_bot: TestBot) -> None:
    where = await board_bot.ask("/comment where")
    assert "Next Board meeting on the bot's schedule: Wednesday, December 9, 2026, 9:30" in where


def test_speaking_arithmetic() -> None:
    assert speaking.count_words("Don\u2019t stop — it's well-known 🙂!") == 4
    assert speaking.seconds_to_say(260) == 120
    assert speaking.words_within(240) == 520
    assert speaking.duration(138) == "2 min 18 s"
    assert speaking.sentences("No. It says (8 C.F.R. § 287.7). A U.S. citizen. Gov. Code 1.") == [
        "No.",
        "It says (8 C.F.R. § 287.7).",
        "A U.S. citizen.",
        "Gov. Code 1.",
    ]


async def test_the_coach_on_telegram_buttons(telegram: Telegram) -> None:  # noqa: F811
    api = telegram.api
    api.push_message("/comment")
    (topics,) = await api.wait_sent(1)
    actions = [b["callback_data"] for row in topics["reply_markup"]["inline_keyboard"] for b in row]
    assert actions == ["comment:ice-holds", "comment:truth-forum", "comment:sb54", "comment:other"]
    api.push_button("comment:truth-forum")
    points = (await api.wait_sent(2))[1]
    assert "TRUTH Act forum" in points["text"]
    assert '<a href="https://' in points["text"]
    api.push_button("comment:draft")
    await api.wait_sent(3)
    api.push_message(draft_of(130))
    timing = (await api.wait_sent(4))[3]
    assert "130 words: about 1 min at a measured pace" in timing["text"]
    assert "twice the time" in timing["text"]


async def test_privacy_says_how_long_a_draft_is_kept(testbot: TestBot) -> None:
    assert "only in memory, for at most 30 minutes" in await testbot.ask("/privacy")
    assert "your /comment draft" in await testbot.ask("/forget")
