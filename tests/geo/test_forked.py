"""geo.forked: a call in a forked child (or on a thread) and what comes back from it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geo.errors import InputFileError, OutputPathError
from geo.forked import ChildEndedError, ForkedCall

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the forked path is Linux-only (macOS: spawn)"
)


def _write(path: Path, text: str) -> None:
    path.write_text(f"{text} from {os.getpid()}", encoding="utf-8")


def _fail(message: str) -> None:
    raise InputFileError(message)


def _die() -> None:
    os._exit(7)


class _UnpicklableError(Exception):
    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("no")


def _fail_unpicklably() -> None:
    raise _UnpicklableError("a lock inside")


@pytest.mark.parametrize("fork", [True, False])
def test_the_call_runs_and_its_file_is_there(tmp_path: Path, fork: bool) -> None:
    call = ForkedCall(_write, tmp_path / "out.txt", "hello", fork=fork)
    call.result()
    text = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert text.startswith("hello from ")
    # Forked: another process wrote it; on a thread: this one.
    assert (text != f"hello from {os.getpid()}") is fork


@pytest.mark.parametrize("fork", [True, False])
def test_an_error_in_the_call_is_raised_by_result(fork: bool) -> None:
    call = ForkedCall(_fail, "cannot write nodes.csv: disk full", fork=fork)
    with pytest.raises(InputFileError, match="disk full"):
        call.result()


def test_an_unpicklable_error_comes_back_as_its_text() -> None:
    with pytest.raises(RuntimeError, match="_UnpicklableError: a lock inside"):
        ForkedCall(_fail_unpicklably, fork=True).result()


def test_a_child_that_dies_is_a_clear_error_with_its_exit_code() -> None:
    with pytest.raises(ChildEndedError, match="exit code 7") as info:
        ForkedCall(_die, fork=True).result()
    assert isinstance(info.value, OutputPathError)  # the CLI prints it as one line


def test_a_single_threaded_process_forks_and_a_threaded_one_does_not(tmp_path: Path) -> None:
    # Under pytest-xdist this process has threads of its own: ask a fresh interpreter.
    script = textwrap.dedent(
        """
        import threading, time
        from geo.forked import ForkedCall
        def noop(): pass
        alone = ForkedCall(noop)
        alone.result()
        stop = threading.Event()
        threading.Thread(target=stop.wait).start()
        beside = ForkedCall(noop)
        beside.result()
        stop.set()
        print(alone.forked, beside.forked)
        """
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False"]
