"""The shape of the code: layers that only point down, no import cycles, small modules.

The import contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked
with import-linter, which reads every import statement, including the lazy ones inside
functions. A second run on a small broken tree proves that the check can fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CODE_FOLDERS = ("geo", "lifecircle", "dashboard", "bench")
MAX_MODULE_LINES = 500
LINT_IMPORTS = "from importlinter.cli import lint_imports_command; lint_imports_command()"
COMMANDS = (
    "prepare", "analyze", "map", "compare", "suggest", "dashboard", "survey", "bench", "topic",
    "vote-sheet", "report", "checkup",
)  # fmt: skip


def lint_imports(folder: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(folder)}
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--config", str(config), "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_contracts_hold() -> None:
    run = lint_imports(REPO_ROOT, REPO_ROOT / "pyproject.toml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "4 kept, 0 broken" in run.stdout


@pytest.mark.parametrize(
    ("files", "broken"),
    [
        ({"geo/__init__.py": "import streamlit\n"}, "geo is the pure core"),
        ({"geo/__init__.py": "def f():\n    import lifecircle.cli\n"}, "geo is the pure core"),
        ({"geo/__init__.py": "from bench import engine\n"}, "geo is the pure core"),
        ({"lifecircle/maps/__init__.py": "import streamlit\n"}, "never uses Streamlit"),
        ({"lifecircle/maps/__init__.py": "from lifecircle.cli import main\n"}, "layers"),
        ({"lifecircle/cli/main.py": "import dashboard.app\n"}, "layers"),
        (
            {"geo/a.py": "from geo import b\n", "geo/b.py": "def f():\n    from geo import a\n"},
            "no import cycles",
        ),
    ],
)
def test_a_broken_contract_is_reported(tmp_path: Path, files: dict[str, str], broken: str) -> None:
    """The same contracts on a tiny tree with one forbidden import: the check fails."""
    tree = {
        "geo/__init__.py": "",
        "lifecircle/__init__.py": "",
        "lifecircle/i18n.py": "",
        "lifecircle/maps/__init__.py": "from lifecircle import i18n\nimport geo\n",
        "lifecircle/cli/__init__.py": "",
        "lifecircle/cli/main.py": "from lifecircle import maps\n",
        "lifecircle/reports/__init__.py": "",
        "lifecircle/batch/__init__.py": "",
        "dashboard/__init__.py": "",
        "dashboard/app.py": "from lifecircle import maps\nimport streamlit\n",
        "bench/__init__.py": "import dashboard\nimport lifecircle.cli.main\n",
        "streamlit/__init__.py": "",
        "streamlit_folium/__init__.py": "",
        "folium/__init__.py": "",
        "branca/__init__.py": "",
    }
    for name, text in tree.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    config = tmp_path / "contracts.toml"
    doc = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    config.write_text(_importlinter_toml(doc["tool"]["importlinter"]), encoding="utf-8")

    clean = lint_imports(tmp_path, config)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    for name, text in files.items():
        path = tmp_path / name
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(old + text, encoding="utf-8")
    run = lint_imports(tmp_path, config)
    assert run.returncode != 0
    assert re.search(rf"{re.escape(broken)}.*BROKEN", run.stdout), run.stdout


def _importlinter_toml(section: dict[str, object]) -> str:
    """Write the ``[tool.importlinter]`` table back as TOML (strings and lists only)."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["[tool.importlinter]"]
    contracts = section.get("contracts", [])
    for key, v in section.items():
        if key != "contracts":
            lines.append(f"{key} = {value(v)}")
    assert isinstance(contracts, list)
    for contract in contracts:
        lines.append("\n[[tool.importlinter.contracts]]")
        lines.extend(f"{k} = {value(v)}" for k, v in contract.items())
    return "\n".join(lines) + "\n"


def test_no_module_is_over_500_lines() -> None:
    too_big = {}
    for folder in CODE_FOLDERS:
        for path in (REPO_ROOT / folder).rglob("*.py"):
            n = len(path.read_text(encoding="utf-8").splitlines())
            if n > MAX_MODULE_LINES:
                too_big[str(path.relative_to(REPO_ROOT))] = n
    assert too_big == {}


def test_the_command_line_lists_the_same_commands() -> None:
    from lifecircle.cli.main import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    assert tuple(sub.choices) == (*COMMANDS[:2], "analyse", *COMMANDS[2:])


def test_every_public_name_of_geo_resolves() -> None:
    """``geo`` exports its API lazily: every name it lists must import."""
    import geo

    missing = [name for name in geo.__all__ if getattr(geo, name, None) is None]
    assert missing == []
    assert len(geo.__all__) >= 40
