"""``python -m lifecircle.cli``: the same as the ``lifecircle`` command."""

import sys

from lifecircle.cli.main import main

sys.exit(main())
