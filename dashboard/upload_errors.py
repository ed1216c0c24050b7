"""Reading a user's upload on a page: one plain line for a bad file, never a traceback.

A typed error (:class:`geo.errors.LifecircleError`) is the planner-readable reason and
is shown as literal text (escaped for Markdown, so a file name or cell can neither link,
format nor fetch). Anything else is a bug met on a user's file: the page shows a general
translated sentence, and the detail, with its traceback, goes to the server log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from dashboard.text import public_markdown
from geo.errors import LifecircleError
from lifecircle.i18n import t

__all__ = ["read_upload", "rejected_rows_table", "show_error"]

LOG = logging.getLogger("lifecircle.dashboard.uploads")
T = TypeVar("T")


def show_error(exc: LifecircleError, lang: str) -> None:
    """The error's one-line message, as text (user text inside it stays inert; no secret,
    no server path)."""
    st.error(f"{t('error', lang)}: {public_markdown(exc)}")


def read_upload(read: Callable[[], T], lang: str, *, what: str) -> T | None:
    """``read()``, or ``None`` after showing why it failed (see the module docstring)."""
    try:
        return read()
    except LifecircleError as exc:
        show_error(exc, lang)
    except Exception:  # the page's last line: logged in full, never shown as a traceback
        LOG.exception("reading an uploaded %s failed unexpectedly", what)
        st.error(t("upload_unexpected", lang))
    return None


def rejected_rows_table(rejected: object, lang: str) -> pd.DataFrame:
    """Rejected rows (:class:`geo.inputs.tables.RowProblem`) as a table with translated
    headers, one row per problem, in file order."""
    problems = list(rejected) if isinstance(rejected, list | tuple) else []
    return pd.DataFrame(
        {
            t("col_row", lang): [int(p.row) for p in problems],
            t("col_column", lang): [str(p.column) for p in problems],
            t("col_value", lang): [str(p.value) for p in problems],
            t("col_reason", lang): [str(p.reason) for p in problems],
        }
    )
