"""lifecircle's application layers above the core (:mod:`geo`): maps and the command line."""
