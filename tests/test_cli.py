"""The command-line contract in DESIGN.md, run as a user runs it: `python -m bot …`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

KEYS = {"question", "matched", "id", "answer", "score", "lang", "suggestions", "band"}


def bot(
    *args: str, stdin: str | None = None, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as a person runs it (`env`: instead of this process's environment)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
        check=False,
    )


def doctor(
    config: Path, *flags: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return bot("doctor", *flags, "--config", str(config), env=env)


def test_ask_from_another_folder_answers_from_the_bundled_knowledge(tmp_path: Path) -> None:
    """With no config and no knowledge/ where it was started, it loaded nothing and said
    "I don't know" to everything."""
    done = bot("ask", "--json", "what is sb 54", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    reply = json.loads(done.stdout)
    assert (reply["matched"], reply["id"]) == (True, "sb54-what-it-is")
    assert not list(tmp_path.iterdir()), "nothing written where it was started"


def test_ask_json_one_object_per_stdin_line_blank_lines_included() -> None:
    lines = ["what is sb54", "", "¿qué es la ley sb54?", "recipe for tamales", "😀"]
    done = bot("ask", "--json", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["question"] for a in answers] == lines
    for answer in answers:
        assert answer.keys() >= KEYS
        assert 0.0 <= answer["score"] <= 1.0
        assert isinstance(answer["suggestions"], list)
        assert answer["answer"]
    first, blank, spanish, tamales, _ = answers
    assert (first["matched"], bool(first["id"]), first["lang"]) == (True, True, "en")
    assert (blank["matched"], blank["id"]) == (False, None)
    assert (spanish["matched"], spanish["lang"]) == (True, "es")
    assert (tamales["matched"], tamales["id"]) == (False, None)


def test_ask_words_are_one_question_and_lang_forces_the_language() -> None:
    done = bot("ask", "--json", "--lang", "es", "what", "is", "sb54")
    (answer,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert answer["question"] == "what is sb54"
    assert answer["lang"] == "es"
    assert answer["matched"]


def test_ask_handles_thousands_of_questions_in_one_process() -> None:
    questions = ["what is sb54", "how do i comment at the board", "fishing license"] * 200
    done = bot("ask", "--json", stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 600


def test_ask_imports_no_platform_library() -> None:
    code = (
        "import sys; from bot.cli import main; main(['ask', 'what is sb54']); "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'discord', 'telegram', 'aiohttp', 'apscheduler'}); print('HEAVY', heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr


def test_validate_passes_on_the_bundled_files() -> None:
    """Knowledge passes --strict (DESIGN.md); schedules need no errors only: organizers' real
    meetings end, and an event that is over is a warning, never a failing build."""
    done = bot("validate", "--strict", "knowledge")
    assert done.returncode == 0, done.stdout + done.stderr
    done = bot("validate", "schedules")
    assert done.returncode == 0, done.stdout + done.stderr


def test_validate_reports_file_and_line_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  tags: [a]\n  bogus: 1\n", encoding="utf-8")
    done = bot("validate", str(bad))
    assert done.returncode == 1
    assert f"{bad}:3: unknown key 'bogus'" in done.stdout
    assert f"{bad}:1: entry 'x': missing 'reviewed'" in done.stdout


def test_validate_counts_every_event_read_and_says_one_error(tmp_path: Path) -> None:
    schedule = tmp_path / "events.yaml"
    schedule.write_text(
        "events:\n"
        "  - {id: good, title: Good, starts: 2030-01-08 18:00, targets: [console]}\n"
        "  - {id: bad, title: Bad, starts: someday, targets: [console]}\n",
        encoding="utf-8",
    )
    done = bot("validate", str(schedule))
    assert done.returncode == 1
    assert "2 events checked: 1 error, 0 warnings" in done.stderr


def test_validate_counts_an_event_with_no_id_too(tmp_path: Path) -> None:
    schedule = tmp_path / "events.yaml"
    schedule.write_text(
        "events:\n  - {title: No id, starts: 2030-01-08 18:00, targets: [console]}\n",
        encoding="utf-8",
    )
    done = bot("validate", str(schedule))
    assert done.returncode == 1
    assert f"{schedule}:2: event: missing 'id'" in done.stdout
    assert "1 event checked: 1 error, 0 warnings" in done.stderr


def test_validate_names_an_unreadable_file_first_and_not_its_ids_as_unknown(
    tmp_path: Path,
) -> None:
    entry = (ROOT / "tests" / "test_knowledge.py").read_text(encoding="utf-8")
    good = entry.split('GOOD = """\\\n', 1)[1].split('"""', 1)[0]
    linked = good.replace("  tags: [sb54]", "  tags: [sb54]\n  related: [second-entry]")
    (tmp_path / "a.yaml").write_text(linked, encoding="utf-8")
    broken = good.replace("first-entry", "second-entry").replace("\n  tags:", "\n tags:")
    (tmp_path / "b.yaml").write_text(broken, encoding="utf-8")
    done = bot("validate", str(tmp_path))
    assert done.returncode == 1
    first = done.stdout.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'b.yaml'}:")
    assert "not valid YAML" in first
    assert "unknown id" not in done.stdout


def test_validate_strict_fails_on_warnings_only(tmp_path: Path) -> None:
    entry = (ROOT / "tests" / "test_knowledge.py").read_text(encoding="utf-8")
    body = entry.split('GOOD = """\\\n', 1)[1].split('"""', 1)[0].split("  es:")[0]
    (tmp_path / "a.yaml").write_text(body, encoding="utf-8")
    assert bot("validate", str(tmp_path)).returncode == 0
    strict = bot("validate", "--strict", str(tmp_path))
    assert strict.returncode == 1
    assert "missing translation 'es:'" in strict.stdout


@pytest.mark.parametrize(
    "command", ["run", "chat", "ask", "validate", "ics", "site", "flyer", "report", "doctor"]
)
def test_every_command_has_help(command: str) -> None:
    done = bot(command, "--help")
    assert done.returncode == 0
    assert "--config" in done.stdout


def test_mistyped_command_gets_a_one_line_hint() -> None:
    done = bot("aks", "hello")
    assert done.returncode == 2
    assert "Did you mean 'ask'?" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_mistyped_option_gets_a_hint() -> None:
    done = bot("validate", "--strcit")
    assert done.returncode == 2
    assert "Did you mean --strict?" in done.stderr


def test_bad_config_is_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("timezone: Mars/Base\n", encoding="utf-8")
    done = bot("ask", "--config", str(config), "hello")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "config error: timezone: 'Mars/Base' is not an IANA time zone (e.g. America/Los_Angeles)"
    )


def test_report_lists_unanswered_by_frequency_then_unhelpful(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\ndatabase: {{url: 'sqlite:///bot.db'}}\n",
        encoding="utf-8",
    )
    questions = "where is parking\nrecipe for tamales\nwhere is parking\n"
    bot("ask", "--record", "--config", str(config), stdin=questions)
    bot("chat", "--config", str(config), stdin="what is sb54\n/wrong\n")
    done = bot("report", "--config", str(config))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    parking = next(i for i, line in enumerate(lines) if "where is parking" in line)
    tamales = next(i for i, line in enumerate(lines) if "recipe for tamales" in line)
    assert parking < tamales
    assert lines[parking].split()[0] == "2"
    assert any("1 not helpful" in line for line in lines)


def test_report_lists_a_claim_left_by_a_dead_process_as_uncertain(tmp_path: Path) -> None:
    """A send that began and was never marked (the process died) may or may not have
    arrived: organizers read "uncertain", never the ledger's word "claimed"."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from bot.schema import DeliveryKey, DeliveryStatus
    from bot.store import Store

    db = tmp_path / "bot.db"

    async def claim_and_die() -> None:
        async with Store(f"sqlite:///{db}") as store:
            when = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
            key = DeliveryKey("forum-prep", when, timedelta(hours=2), "telegram:-100")
            assert await store.claim(key, when - timedelta(hours=2))
            (row,) = await store.deliveries_by_status(DeliveryStatus.CLAIMED)
            assert row["status"] == "claimed"

    asyncio.run(claim_and_die())
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\ndatabase: {{url: 'sqlite:///{db}'}}\n",
        encoding="utf-8",
    )
    done = bot("report", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "  uncertain: forum-prep at 2026-12-08" in done.stdout
    assert "claimed" not in done.stdout


def test_ask_without_record_stores_nothing(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"knowledge: {{path: {ROOT / 'knowledge'}}}\n", encoding="utf-8")
    bot("ask", "--config", str(config), stdin="recipe for tamales\n")
    assert not (tmp_path / "data").exists()


def test_doctor_names_what_to_fix(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\ntelegram: {{enabled: true}}\n",
        encoding="utf-8",
    )
    done = doctor(config, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1
    assert "TELEGRAM_BOT_TOKEN is not set" in done.stderr


def test_doctor_says_which_discord_shards_run_here_and_where_dms_go(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    shards = "{enabled: true, shard_count: 4, shard_ids: [2, 3]}"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\ndiscord: {shards}\n", encoding="utf-8"
    )
    done = doctor(config, "--quick", env={"PATH": "/usr/bin:/bin"})
    assert (
        "discord: shards 2, 3 of 4; DMs and the slash command sync: with the process that runs "
        "shard 0"
    ) in done.stdout


def test_doctor_checks_the_telegram_webhook(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"

    def webhook(url: str, secret: str | None) -> subprocess.CompletedProcess[str]:
        config.write_text(
            f"knowledge: {{path: {ROOT / 'knowledge'}}}\n"
            f"schedules: {{path: {ROOT / 'tests' / 'fixtures' / 'schedules'}}}\n"
            f"telegram: {{enabled: true, mode: webhook, webhook: {{url: '{url}', port: 8081}}}}\n",
            encoding="utf-8",
        )
        env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "123:T"}
        if secret is not None:
            env["TELEGRAM_WEBHOOK_SECRET"] = secret
        return doctor(config, "--quick", env=env)

    wrong = webhook("http://bot.example.org:9000/tg", None)
    assert wrong.returncode == 1
    assert "TELEGRAM_WEBHOOK_SECRET is not set" in wrong.stderr
    assert "Telegram posts only to https:// addresses" in wrong.stderr
    assert "Telegram posts only to ports 443, 80, 88, 8443" in wrong.stderr
    bad_secret = webhook("https://bot.example.org/tg", "no spaces allowed")
    assert bad_secret.returncode == 1
    assert "TELEGRAM_WEBHOOK_SECRET may hold only" in bad_secret.stderr
    assert "no spaces allowed" not in bad_secret.stdout + bad_secret.stderr
    good = webhook("https://bot.example.org/tg", "a-good_secret")
    assert good.returncode == 0, good.stderr
    assert "serving /tg on 127.0.0.1:8081, secret set" in good.stdout


async def test_doctor_says_when_telegram_refuses_the_token(tmp_path: Path) -> None:
    import asyncio

    from tests.fakes.bot_api import FakeBotApi

    api = FakeBotApi(refused={"123:REVOKED"})
    base_url = await api.start()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"knowledge: {{path: {ROOT / 'knowledge'}}}\n"
        f"schedules: {{path: {ROOT / 'tests' / 'fixtures' / 'schedules'}}}\n"
        f"telegram: {{enabled: true, base_url: '{base_url}'}}\n",
        encoding="utf-8",
    )

    async def doctor(token: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "doctor", "--config", str(config),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
            env={**os.environ, "TELEGRAM_BOT_TOKEN": token},
        )  # fmt: skip
        out, err = await proc.communicate()
        return proc.returncode or 0, out.decode(), err.decode()

    try:
        code, out, err = await doctor("123:REVOKED")
        assert code == 1
        assert "telegram refused TELEGRAM_BOT_TOKEN" in err
        code, out, err = await doctor("123:GOOD")
        assert code == 0, err
        assert "telegram: token accepted" in out
    finally:
        await api.stop()


def test_ics_writes_the_calendar(tmp_path: Path) -> None:
    out = tmp_path / "events.ics"
    config = tmp_path / "config.yaml"
    config.write_text(f"schedules: {{path: {ROOT / 'tests' / 'fixtures' / 'schedules'}}}\n")
    done = bot("ics", "--config", str(config), "--out", str(out))
    assert done.returncode == 0, done.stderr
    calendar = out.read_text(encoding="utf-8")
    assert calendar.startswith("BEGIN:VCALENDAR")
    assert "SUMMARY:Forum prep night (example)" in calendar
    assert "RRULE:FREQ=MONTHLY;BYDAY=2TU,4TU" in calendar
