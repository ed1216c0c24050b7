"""The ``lifecircle`` command line: one module per command, over :mod:`geo`."""
