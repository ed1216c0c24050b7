"""Writing a report: ``.pdf`` (WeasyPrint, A4, Noto CJK embedded), ``.html`` or ``.xlsx``.

Files are written to a temporary file beside the target and renamed, so a failed run
never leaves a half-written report.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from geo.checkup.indicators import INDICATORS, LIFE_CIRCLE, CheckupResult
from geo.district.model import OSM_ATTRIBUTION
from geo.errors import InputFileError
from geo.export_safety import xlsx_bytes as safe_xlsx_bytes
from lifecircle.i18n import t
from lifecircle.reports.document import ReportInputs, build_html, indicator_table, ledger_table

REPORT_SUFFIXES = (".pdf", ".html", ".xlsx")


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"cannot create the folder {path.parent}: {exc.strerror}") from exc
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    finally:
        if Path(tmp).exists():
            Path(tmp).unlink()


def html_bytes(inputs: ReportInputs) -> bytes:
    return build_html(inputs).encode("utf-8")


def pdf_bytes(inputs: ReportInputs, *, html: str | None = None) -> bytes:
    """The report as PDF: WeasyPrint lays out the HTML; fonts are subset and embedded."""
    import weasyprint  # imported here: it loads Pango, which the CLI's other commands skip

    document = weasyprint.HTML(string=html if html is not None else build_html(inputs))
    data: bytes = document.write_pdf()
    return data


def xlsx_bytes(checkup: CheckupResult, *, lang: str = "zh") -> bytes:
    """The ledger and the indicator table as an Excel workbook (two sheets)."""
    led_header, led_rows = ledger_table(checkup, lang)
    ind_header, ind_rows = indicator_table(checkup, lang)
    notes = [[ind.id, ind.name(lang), ind.source] for ind in (LIFE_CIRCLE, *INDICATORS)]
    notes.append(["attribution", OSM_ATTRIBUTION, "https://www.openstreetmap.org/copyright"])
    # Through the one spreadsheet writer: unit names from a user's file never become formulas.
    return safe_xlsx_bytes(
        {
            t("ck_report_ledger", lang): pd.DataFrame(led_rows, columns=led_header),
            t("ck_report_indicators", lang): pd.DataFrame(ind_rows, columns=ind_header),
            "indicators": checkup.indicators,
            "ledger": checkup.ledger,
            "sources": pd.DataFrame(notes, columns=["id", "name", "source"]),
        }
    )


def write_report(inputs: ReportInputs, out: Path) -> Path:
    """Write the report in the format its suffix names."""
    suffix = out.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise InputFileError(
            f"{out.name}: a report is .pdf, .html or .xlsx, not '{out.suffix or 'no suffix'}'"
        )
    if suffix == ".xlsx":
        data = xlsx_bytes(inputs.checkup, lang=inputs.lang)
    elif suffix == ".html":
        data = html_bytes(inputs)
    else:
        data = pdf_bytes(inputs)
    with _atomic(out) as tmp:
        tmp.write_bytes(data)
    return out


__all__ = ["REPORT_SUFFIXES", "html_bytes", "pdf_bytes", "write_report", "xlsx_bytes"]
