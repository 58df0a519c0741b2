"""The console: a chat on stdin/stdout, and the `console` reminder target.

Like opsdroid's shell connector, stdin is read through an asyncio StreamReader, so the bot can
be driven by a person, a pipe, or a test feeding bytes. The local operator is trusted with the
organizer and moderator commands: whoever runs the process already controls the bot.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from bot.adapters.base import Handler, choices, plain_text
from bot.messages import Attachment, ChannelRef, Incoming, Labels, Reply, Role

log = logging.getLogger(__name__)

CHANNEL = ChannelRef("console", "console", private=True)
MAX_LINE = 64 * 1024


def _print(line: str) -> None:
    print(line, flush=True)


class ConsoleAdapter:
    name = "console"

    def __init__(
        self,
        stdin: asyncio.StreamReader | None = None,
        write: Callable[[str], object] = _print,
        *,
        on_eof: Callable[[], object] | None = None,
        prompt: bool = False,
        folder: Path | None = None,
    ) -> None:
        self._folder = folder or Path.cwd()  # where files such as /calendar are written
        self._stdin = stdin
        self._write = write
        self._on_eof = on_eof
        self._prompt = prompt
        self._choices: list[str] = []

    async def run(self, handle: Handler) -> None:
        reader = self._stdin or await _stdin_reader()
        if self._prompt:
            self._write("forum-prep-bot: ask a question, or /help. Ctrl-D to quit.")
        while True:
            raw = await _read_line(reader)
            if raw is None:
                break
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            msg = self._incoming(line)
            for reply in await handle(msg):
                self._show(reply)
                if reply.attachment:
                    saved = await asyncio.to_thread(self._save, reply.attachment, reply.labels)
                    self._write(saved)
        if self._on_eof:
            self._on_eof()
        await asyncio.Event().wait()  # stdin closed, but reminders keep printing until stopped

    def _incoming(self, line: str) -> Incoming:
        number = line.strip()
        action = None
        if number.isdigit() and 0 < int(number) <= len(self._choices):
            action = self._choices[int(number) - 1]
        roles = frozenset({Role.ORGANIZER, Role.MODERATOR})
        return Incoming(CHANNEL, "console", line, roles=roles, action=action, local=True)

    def _show(self, reply: Reply) -> None:
        self._choices = choices(reply) or self._choices
        self._write(plain_text(reply))

    def _save(self, attachment: Attachment, labels: Labels) -> str:
        """A file (the /calendar) cannot be shown in a terminal: it is written to the folder
        the bot runs in, and its path printed."""
        path = (self._folder / attachment.filename).resolve()
        try:
            path.write_bytes(attachment.data)
        except OSError as exc:
            log.warning("could not save %s: %s", path, exc)
            return labels.file_not_saved(str(path), exc.strerror or exc)
        return labels.file_saved(str(path))

    async def send(
        self, channel: ChannelRef, reply: Reply, *, delivery_id: str | None = None
    ) -> None:
        """Reminders and notices: one line each, so logs and tests can count them."""
        self._write(" | ".join(part for part in plain_text(reply).split("\n") if part.strip()))


async def _read_line(reader: asyncio.StreamReader) -> bytes | None:
    """One line, or None at end of input; an over-long line is cut, never fatal."""
    kept = b""
    while True:
        try:
            part = await reader.readuntil(b"\n")
            return (kept + part)[:MAX_LINE]
        except asyncio.LimitOverrunError as exc:
            part = await reader.readexactly(exc.consumed)
        except asyncio.IncompleteReadError as exc:
            if not exc.partial and not kept:
                return None
            return (kept + exc.partial)[:MAX_LINE]
        if len(kept) < MAX_LINE:  # the rest of a huge line is read and dropped
            kept += part


def interactive() -> bool:
    """A person at a terminal: Ctrl-D means quit. Otherwise (a pipe, /dev/null under systemd or
    `docker run -d`) the end of input only ends the console; reminders go on."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


def stdin_readable() -> bool:
    """A terminal or a pipe on standard input (not /dev/null, a file, or nothing)."""
    try:
        return sys.stdin is not None and _pollable(sys.stdin.fileno())
    except (ValueError, OSError):
        return False


def quit_process() -> None:
    """Stop as Ctrl-C does: `bot.app.main` turns SIGINT into a graceful shutdown."""
    signal.raise_signal(signal.SIGINT)


def _pollable(fd: int) -> bool:
    """Pipes, sockets and terminals can be watched by the loop; files and /dev/null cannot
    (epoll refuses them with EPERM, and only after the transport is made)."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or os.isatty(fd)


async def _stdin_reader() -> asyncio.StreamReader:
    """Pipes and terminals are read by the loop; anything else by a thread feeding the reader."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE)
    try:
        if not _pollable(sys.stdin.fileno()):
            raise ValueError("not pollable")
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    except (ValueError, OSError):

        def pump() -> None:
            for chunk in iter(lambda: sys.stdin.buffer.readline(), b""):
                loop.call_soon_threadsafe(reader.feed_data, chunk)
            loop.call_soon_threadsafe(reader.feed_eof)

        threading.Thread(target=pump, name="stdin", daemon=True).start()
    return reader
