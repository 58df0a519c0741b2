"""The loader: every problem a moderator can make is reported with its file and line."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from bot.answering.knowledge import KnowledgeHolder, load_knowledge, pair_differences

TODAY = date(2026, 11, 25)

GOOD = """\
- id: first-entry
  tags: [sb54]
  reviewed: 2026-11-20
  sources:
    - {title: "Cal. Gov. Code § 7284.6", url: "https://leginfo.legislature.ca.gov/x"}
  en:
    question: What does SB 54 prohibit?
    aliases: ["sb54 rules"]
    answer: It limits how local police help immigration enforcement.
  es:
    question: ¿Qué prohíbe la SB 54?
    aliases: ["que prohibe sb54"]
    answer: Limita cómo la policía local ayuda a la inmigración.
"""


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def problems(folder: Path, **kwargs: object) -> list[str]:
    result = load_knowledge([folder], today=TODAY, **kwargs)  # type: ignore[arg-type]
    return [str(p) for p in result.problems]


def test_good_file_loads_with_no_problems(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    result = load_knowledge([tmp_path], today=TODAY)
    assert result.problems == ()
    entry = result.snapshot.by_id["first-entry"]
    assert entry.text("es").question == "¿Qué prohíbe la SB 54?"
    assert entry.reviewed == date(2026, 11, 20)
    assert entry.sources[0].url.startswith("https://")


def test_bad_yaml_points_at_the_line(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD + "- id: [unclosed\n  tags: x\n")
    (found,) = problems(tmp_path)
    assert found.startswith(f"{tmp_path / 'a.yaml'}:1")
    assert "not valid YAML" in found


def test_an_unclosed_quote_or_bracket_points_where_it_opens(tmp_path: Path) -> None:
    """PyYAML finds these at the end of the file, a line past the last one: the moderator is
    sent to the line where the quote or the bracket opens instead."""
    write(tmp_path, "quote.yaml", '- id: x\n  question: "never closed\n  answer: y\n')
    write(tmp_path, "list.yaml", "- id: x\n  tags: [a, b\n")
    found = problems(tmp_path)
    assert f"{tmp_path / 'list.yaml'}:2: not valid YAML: a [list] that starts here" in found[0]
    assert f"{tmp_path / 'quote.yaml'}:2: not valid YAML: a quoted text" in found[1]
    assert "closing quote" in found[1]


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    (found,) = problems(tmp_path)
    assert found.startswith(f"{tmp_path / 'b.yaml'}:1: duplicate id 'first-entry'")
    assert f"{tmp_path / 'a.yaml'}:1" in found


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD.replace("  sources:", "  source:", 1))
    found = problems(tmp_path)
    assert (
        f"{tmp_path / 'a.yaml'}:4: unknown key 'source' in entry; did you mean 'sources'?" in found
    )


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("- id: first-entry\n", "missing 'id'"),
        ("  reviewed: 2026-11-20\n", "missing 'reviewed'"),
        (
            '  sources:\n    - {title: "Cal. Gov. Code § 7284.6", url: "https://leginfo.legislature.ca.gov/x"}\n',
            "missing 'sources'",
        ),
        ("    question: What does SB 54 prohibit?\n", "missing 'question'"),
        (
            "    answer: It limits how local police help immigration enforcement.\n",
            "missing 'answer'",
        ),
    ],
)
def test_missing_required_field(tmp_path: Path, remove: str, message: str) -> None:
    body = GOOD.replace(remove, "", 1)
    if remove.startswith("- id"):
        body = "- " + body.lstrip(" ")
    write(tmp_path, "a.yaml", body)
    found = problems(tmp_path)
    assert any(message in p and p.startswith(str(tmp_path / "a.yaml") + ":") for p in found), found
    assert load_knowledge([tmp_path], today=TODAY).snapshot.entries == ()


def test_boolean_alias_says_to_quote_it(tmp_path: Path) -> None:
    write(
        tmp_path, "a.yaml", GOOD.replace('aliases: ["sb54 rules"]', 'aliases: ["sb54 rules", no]')
    )
    found = problems(tmp_path)
    where = f"{tmp_path / 'a.yaml'}:8"
    assert (
        f'{where}: aliases: no is read as a yes/no value, not text; put it in quotes: "no"' in found
    )


def test_number_alias_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD.replace('aliases: ["sb54 rules"]', "aliases: [54]"))
    assert any("aliases: 54 is not text" in p for p in problems(tmp_path))


def test_answer_too_long_for_a_message_is_an_error(tmp_path: Path) -> None:
    long = "word " * 400
    write(tmp_path, "a.yaml", GOOD.replace("It limits how local police", long + "It limits"))
    found = problems(tmp_path)
    assert any(":9: entry 'first-entry' en: answer is" in p and "too long" in p for p in found)


def test_answer_over_900_is_a_warning(tmp_path: Path) -> None:
    write(
        tmp_path, "a.yaml", GOOD.replace("It limits how local police", "word " * 190 + "It limits")
    )
    result = load_knowledge([tmp_path], today=TODAY)
    assert not result.errors
    assert any("keep it under 900" in p.message for p in result.warnings)


def test_missing_translation_is_a_warning(tmp_path: Path) -> None:
    body = GOOD.split("  es:")[0]
    write(tmp_path, "a.yaml", body)
    result = load_knowledge([tmp_path], today=TODAY)
    assert not result.errors
    assert [str(p) for p in result.warnings] == [
        f"{tmp_path / 'a.yaml'}:1: warning: entry 'first-entry': missing translation 'es:'"
    ]
    assert "first-entry" in result.snapshot.by_id


def test_stale_review_is_a_warning_at_the_configured_age(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD.replace("2026-11-20", "2025-01-02"))
    result = load_knowledge([tmp_path], today=TODAY, stale_after=timedelta(days=365))
    assert [p.line for p in result.warnings] == [3]
    assert "re-check" in result.warnings[0].message
    fresh = load_knowledge([tmp_path], today=TODAY, stale_after=timedelta(days=1000))
    assert fresh.problems == ()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("reviewed: 2026-11-20", "reviewed: last week", "is not a date"),
        ("reviewed: 2026-11-20", "reviewed: 2027-01-01", "in the future"),
        ("id: first-entry", "id: First Entry", "kebab-case"),
        (
            'url: "https://leginfo.legislature.ca.gov/x"',
            'url: "leginfo"',
            "must start with https://",
        ),
        ("  tags: [sb54]\n", "  tags: [sb54]\n  related: [no-such-entry]\n", "related: unknown id"),
    ],
)
def test_field_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    write(tmp_path, "a.yaml", GOOD.replace(old, new, 1))
    assert any(message in p for p in problems(tmp_path)), problems(tmp_path)


def test_top_level_must_be_a_list(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "id: first-entry\n")
    (found,) = problems(tmp_path)
    assert (
        found
        == f"{tmp_path / 'a.yaml'}:1: expected a list of entries (lines starting with '- id:')"
    )


def test_reload_keeps_the_last_good_snapshot(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", GOOD)
    holder = KnowledgeHolder.load([tmp_path])
    good = holder.snapshot
    path.write_text("- id: [garbage\n", encoding="utf-8")
    result = holder.reload()
    assert result.errors
    assert holder.snapshot is good, "a broken file must not replace what is serving"
    path.write_text(GOOD.replace("first-entry", "second-entry"), encoding="utf-8")
    holder.reload()
    assert list(holder.snapshot.by_id) == ["second-entry"]


def test_bundled_knowledge_passes_strict_validation() -> None:
    root = Path(__file__).resolve().parent.parent / "knowledge"
    result = load_knowledge([root])
    assert [str(p) for p in result.problems] == []
    assert result.snapshot.entries, "the folder was read"


def test_a_spanish_answer_with_other_figures_is_flagged(tmp_path: Path) -> None:
    """A translation that drops a section or changes a number says less than the English."""
    write(
        tmp_path,
        "a.yaml",
        GOOD.replace(
            "It limits how local police",
            "Section 7284.6(a)(4) and (916) 874-5411 limit how local police",
        ).replace("Limita cómo", "La sección 7284.6 y el (916) 874-5441 limitan cómo"),
    )
    (warning,) = problems(tmp_path)
    assert "7284.6(a)(4)" in warning
    assert "874-5441" in warning
    assert warning.startswith(f"{tmp_path / 'a.yaml'}:1: warning:")


def test_every_bundled_answer_says_the_same_figures_in_both_languages() -> None:
    for entry in load_knowledge([Path(__file__).parent.parent / "knowledge"]).snapshot.entries:
        assert pair_differences(entry.text("en").answer, entry.text("es").answer) == (
            set(),
            set(),
        ), entry.id


def test_no_bundled_answer_promises_contacts() -> None:
    """Urgent answers get the organizers' contacts appended, or the state's list of legal help
    when none are configured: "see below" is true either way, "contacts below" is not."""
    promises = ("contacts below", "contactos abajo", "numbers below", "números abajo")
    for entry in load_knowledge([Path(__file__).parent.parent / "knowledge"]).snapshot.entries:
        for lang, content in entry.texts.items():
            answer = " ".join(content.answer.lower().split())
            assert not any(p in answer for p in promises), (entry.id, lang)
