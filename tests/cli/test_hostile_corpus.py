"""Every reader × every hostile payload, through the command line, in process.

Each case ends with exit 0, or with exit 2 and at most three lines on stderr, never a
traceback, never an absolute path the user did not type (the corpus is built by
``tests/hostile_files.py``: damaged real inputs, deep JSON, huge numbers, XXE, bombs,
folders and devices where files are expected).
"""

from __future__ import annotations

import contextlib
import io
import traceback
from pathlib import Path

import pytest

from geo.standards.taxonomy import DEFAULT_TAXONOMY_PATH
from lifecircle.cli.main import main
from tests.hostile_files import Case, build_corpus

FOLDER_NAME = "hostile-corpus"
REPO = Path(__file__).resolve().parents[2]
BOMB_BYTES = 24 << 20  # what the .osm.bz2 bomb expands to: over the limit set below
LIMIT_MB = "16"


def run_cli(argv: tuple[str, ...]) -> tuple[int, str, str]:
    """Run ``lifecircle argv`` in this process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        except Exception:  # what escaped main() is what a user would see as a traceback
            code = 1
            err.write(traceback.format_exc())
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    folder = tmp_path_factory.mktemp(FOLDER_NAME)
    return build_corpus(
        folder,
        bundled_taxonomy=DEFAULT_TAXONOMY_PATH.read_text("utf-8"),
        bomb_bytes=BOMB_BYTES,
    )


def _check(case: Case) -> str | None:
    code, _, err = run_cli(case.argv)
    lines = err.strip().splitlines()
    if "Traceback" in err:
        return f"{case.name}: traceback\n{err[-2000:]}"
    if code not in (0, 2):
        return f"{case.name}: exit {code}: {err[-500:]}"
    if code == 2 and not 1 <= len(lines) <= 3:
        return f"{case.name}: {len(lines)} lines on stderr: {err[-500:]}"
    if str(REPO) in err:
        return f"{case.name}: discloses a server path: {err[-300:]}"
    return None


def test_corpus_size(corpus: list[Case]) -> None:
    assert len(corpus) >= 200
    assert {c.kind for c in corpus} == {
        "inventory",
        "survey",
        "scenario",
        "population",
        "taxonomy",
        "osm",
        "out",
    }


@pytest.mark.parametrize(
    "kind", ["inventory", "survey", "scenario", "population", "taxonomy", "osm", "out"]
)
def test_hostile_inputs_end_in_one_clear_line(
    kind: str, corpus: list[Case], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LIFECIRCLE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIFECIRCLE_MAX_OSM_MB", LIMIT_MB)
    failures = [f for c in corpus if c.kind == kind if (f := _check(c)) is not None]
    assert not failures, "\n\n".join(failures)
