"""``python -m bench [--json] [--nodes N] [--quick]``."""

from __future__ import annotations

from bench.engine import main

if __name__ == "__main__":
    raise SystemExit(main())
