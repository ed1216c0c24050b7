"""``python -m bench [--json] [--nodes N] [--quick] [--browser]``."""

from __future__ import annotations

from bench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
