"""A throwaway PostgreSQL cluster on loopback, for the tests and the scale benchmark.

`make postgres` installs the server (Debian's package). initdb refuses to run as root, so the
cluster then runs as the `postgres` user. Shared by tests/test_postgres.py, tests/test_scale.py
and bench/scale.py, so all of them start the server the same way.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class UnavailableError(RuntimeError):
    """No server can be started here; the message says why and what to run."""


def pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def unavailable() -> str | None:
    """Why no cluster can be started here, or None when one can."""
    if pg_bin() is None:
        return "no PostgreSQL server installed (run `make postgres`)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser: cannot start PostgreSQL"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@contextmanager
def postgres_cluster(*settings: str) -> Iterator[str]:
    """A new cluster and database `bot`; yields its URL, and stops and deletes it after.

    `settings` are extra `-c name=value` server settings (e.g. `max_connections=200`)."""
    why = unavailable()
    bin_dir = pg_bin()
    if why or bin_dir is None:
        raise UnavailableError(why)
    work = Path(tempfile.mkdtemp(prefix="pg-"))
    data, sock = work / "data", work / "sock"
    sock.mkdir()
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        shutil.chown(sock, "postgres")
    try:
        subprocess.run(
            _as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "bot"),
            check=True,
            capture_output=True,
        )
        options = " ".join(
            [f"-p {port} -k {sock} -c listen_addresses=127.0.0.1"]
            + [f"-c {setting}" for setting in settings]
        )
        subprocess.run(
            _as_postgres(
                str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                "-w", "start", "-l", str(work / "log"),
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip
        subprocess.run(
            _as_postgres(
                str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "bot", "bot"
            ),
            check=True,
            capture_output=True,
        )
        yield f"postgresql://bot@127.0.0.1:{port}/bot"
    finally:
        subprocess.run(
            _as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(work, ignore_errors=True)
