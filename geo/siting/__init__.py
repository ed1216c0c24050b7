"""Where to add the next services (补建选址): candidate sites, coverage, covering models.

``candidates`` (from the data, a file or clicks, joined by the access rule), ``coverage``
(who each candidate would newly serve, from bounded engine searches), ``models``
(maximal and set covering, exact with HiGHS or greedy with a proven bound) and
``results`` (the chosen sites, the curve, a scenario to compare or vote on).
"""
