"""A throwaway PostgreSQL server for the tests: a real ``postgres`` process, never a mock.

:func:`running_cluster` runs ``initdb`` in a fresh temporary folder and starts the server on
a free port of 127.0.0.1 (its socket in the same folder), yielding its URL; on the way out
it stops the server (``pg_ctl stop -m fast``) and deletes the folder. :func:`running_server`
yields the :class:`PgServer` itself, for tests that crash it (``stop(mode="immediate")``)
and start it again. ``initdb`` refuses to run as root, so when the tests run as root (as
``.ci/run`` does) the folder belongs to the ``postgres`` user and the binaries run as it
through ``runuser``.

The binaries are looked up in ``$LIFECIRCLE_PG_BIN``, then ``/usr/lib/postgresql/<N>/bin``
(Debian's ``postgresql`` package, newest version first). A missing server is a failure with
the install command, never a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_MISSING = (
    "PostgreSQL's server binaries (initdb, pg_ctl) were not found: "
    "apt-get install postgresql (see .ci/run), or set LIFECIRCLE_PG_BIN"
)


def pg_bin_dir() -> Path | None:
    env = os.environ.get("LIFECIRCLE_PG_BIN")
    candidates = [Path(env)] if env else []
    root = Path("/usr/lib/postgresql")
    if root.is_dir():
        versions = sorted(
            (p for p in root.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True
        )
        candidates += [p / "bin" for p in versions]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass(frozen=True)
class PgServer:
    """A PostgreSQL server the tests started: its URL, and how to crash and restart it."""

    url: str
    bin_dir: Path
    data: Path
    options: str
    log: Path

    def start(self) -> None:
        command = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", self.options]
        started = subprocess.run(
            _as_owner([*command, "-l", str(self.log), "-w", "-t", "60", "start"]),
            capture_output=True,
            timeout=90,
            check=False,
        )
        if started.returncode != 0:
            text = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr!r}\n{text}")

    def stop(self, mode: str = "fast") -> None:
        """``mode="immediate"`` is a crash: no checkpoint, the next start recovers from WAL."""
        subprocess.run(
            _as_owner(
                [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]
            ),
            capture_output=True,
            timeout=60,
            check=False,
        )


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    """A started PostgreSQL server in a fresh folder (deleted on the way out)."""
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        raise RuntimeError(PG_MISSING)
    folder = Path(tempfile.mkdtemp(prefix="lifecircle-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, user="postgres")
    port = _free_port()
    server = PgServer(
        url=f"postgresql://lifecircle@127.0.0.1:{port}/postgres",
        bin_dir=bin_dir,
        data=data,
        options=f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200",
        log=folder / "server.log",
    )
    try:
        subprocess.run(
            _as_owner(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "lifecircle",
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        server.start()
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def running_cluster() -> Iterator[str]:
    """A started PostgreSQL server; yields ``postgresql://lifecircle@127.0.0.1:PORT/postgres``."""
    with running_server() as server:
        yield server.url


def create_database(server_url: str, name: str) -> str:
    """Create a fresh database on the server; return its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
