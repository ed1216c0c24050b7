"""``lifecircle survey ...``: check a needs survey; survey outputs for ``analyze --survey``.

:func:`register` adds the ``survey`` command to the ``lifecircle`` parser. The module can
also be run on its own, with the same arguments::

    python -m lifecircle.cli.survey survey check answers.csv --crs gcj02 --out clean.csv
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from geo.errors import InputFileError, LifecircleError
from geo.inputs.coords import CoordSystem, parse_coord_system
from geo.redaction import redact_text, secret_values

if TYPE_CHECKING:  # the heavy modules load only when a command runs
    from geo.access.analysis import Analysis
    from geo.surveys.result import SurveyResult

ScoreKind = Literal["priority", "satisfaction"]
DEFAULT_SCORE_RANGE: tuple[float, float] = (1.0, 5.0)

__all__ = [
    "add_survey_outputs",
    "cmd_survey_check",
    "main",
    "parse_score_range",
    "register",
    "write_survey_outputs",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
DEFAULT_SOURCE = "lujiazui"
# "1,5", "1 5", "1~5", "1-5" and "-2,2": a dash separates only between two numbers.
_SCORE_RANGE_SEPARATORS = re.compile(r"(?<=[\d.])\s*[-–]\s*(?=[-+.\d])|\s*[,~～，\s]\s*")


def register(sub: Any) -> None:
    """Add ``survey check`` to the sub-commands ``sub`` of the ``lifecircle`` parser."""
    survey = sub.add_parser(
        "survey",
        help="resident needs surveys (问需于民): check a survey file",
        description="Resident needs surveys (问需于民).",
    )
    survey_sub = survey.add_subparsers(dest="survey_command", metavar="SUBCOMMAND")

    def show_help(_args: argparse.Namespace) -> int:
        survey.print_help()
        return EXIT_OK

    survey.set_defaults(handler=show_help)

    check = survey_sub.add_parser(
        "check",
        help="read a survey (CSV, XLSX or GeoJSON), report every rejected row",
        description="Read a needs survey, check every row and print a report. Exit status "
        "0 when at least one row is accepted, 2 when none is or the file is unreadable.",
    )
    check.add_argument("file", type=Path, help="the survey file (CSV, XLSX or GeoJSON)")
    check.add_argument(
        "--crs",
        default="wgs84",
        help="coordinate system of the file: wgs84, gcj02 (AMap, Tencent, WeChat) or "
        "bd09 (Baidu); default wgs84",
    )
    check.add_argument(
        "--source",
        default=DEFAULT_SOURCE,
        help="district for the study area and compound names: a bundled district "
        f"(lujiazui, wangjing) or an OSM file; default {DEFAULT_SOURCE}",
    )
    check.add_argument(
        "--out", type=Path, help="write the accepted rows here (CSV, coordinates in WGS-84)"
    )
    check.add_argument(
        "--score-kind",
        choices=["priority", "satisfaction"],
        default="priority",
        help="priority: higher = more urgent (default); satisfaction: higher = less need",
    )
    check.add_argument(
        "--score-range",
        default=f"{DEFAULT_SCORE_RANGE[0]:g},{DEFAULT_SCORE_RANGE[1]:g}",
        help="lowest,highest score of the questionnaire's scale (default 1,5)",
    )
    check.add_argument("--taxonomy", type=Path, help="a taxonomy YAML file (default: bundled)")
    check.add_argument("--no-cache", action="store_true", help="parse the district again")
    check.set_defaults(handler=cmd_survey_check)


def parse_score_range(text: str) -> tuple[float, float]:
    """Read ``"1,5"`` (or ``"1-5"``, ``"1 5"``) as a score scale."""
    parts = [part for part in _SCORE_RANGE_SEPARATORS.split(text.strip()) if part]
    try:
        low, high = (float(part) for part in parts)
    except ValueError as exc:
        raise InputFileError(
            f"score range {text!r} must be two numbers, lowest,highest (e.g. 1,5)"
        ) from exc
    if not (math.isfinite(low) and math.isfinite(high)):
        raise InputFileError(f"score range {text!r} must be two finite numbers")
    if not low < high:
        raise InputFileError(f"score range {text!r}: the lowest score must be below the highest")
    return low, high


def cmd_survey_check(args: argparse.Namespace) -> int:
    """``lifecircle survey check FILE``: print the report, optionally write the clean rows."""
    from geo.district.loader import load_district
    from geo.limits import Limits, checked_file
    from geo.output_paths import checked_output_file
    from geo.settings import Settings
    from geo.standards.taxonomy import load_taxonomy

    path = Path(args.file)
    checked_file(path, max_bytes=Limits().max_table_bytes, what="File")
    if args.out is not None:
        checked_output_file(Path(args.out))
    coord_system = parse_coord_system(args.crs)
    score_range = parse_score_range(args.score_range)
    from geo.surveys.read import read_survey
    from geo.surveys.tables import clean_table, write_csv_for_excel

    score_kind: ScoreKind = "satisfaction" if args.score_kind == "satisfaction" else "priority"
    taxonomy = load_taxonomy(args.taxonomy)
    settings = Settings(use_cache=not args.no_cache)
    district = load_district(args.source, taxonomy=taxonomy, settings=settings)
    result = read_survey(
        path,
        taxonomy=taxonomy,
        district=district,
        coord_system=coord_system,
        score_kind=score_kind,
        score_range=score_range,
    )
    print(result.report())
    if result.rows_accepted == 0:
        print("no row was accepted; nothing written", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.out is not None:
        out = write_csv_for_excel(clean_table(result), Path(args.out))
        print(f"wrote {out} ({result.rows_accepted} rows, coordinates in WGS-84)")
    return EXIT_OK


def write_survey_outputs(
    analysis: Analysis, survey: SurveyResult, *, out_dir: Path
) -> dict[str, Path]:
    """Write ``priorities.csv``, ``survey_rejected.csv`` and ``survey_report.txt``.

    ``priorities.csv`` ranks H3 hexagons (:func:`geo.surveys.priorities.rank_priorities`); both CSVs
    are UTF-8 with a byte-order mark so that Excel shows Chinese.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"cannot create the output folder {out_dir}: {exc.strerror}") from exc
    paths = {
        "priorities": out_dir / "priorities.csv",
        "survey_rejected": out_dir / "survey_rejected.csv",
        "survey_report": out_dir / "survey_report.txt",
    }
    from geo.surveys.priorities import rank_priorities
    from geo.surveys.tables import priorities_to_csv, rejected_table, write_csv_for_excel

    priorities_to_csv(rank_priorities(analysis, survey.responses), paths["priorities"])
    write_csv_for_excel(rejected_table(survey.rejected), paths["survey_rejected"])
    try:
        paths["survey_report"].write_text(survey.report() + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot write {paths['survey_report']}: {exc.strerror}") from exc
    return paths


def add_survey_outputs(
    analysis: Analysis,
    survey_path: Path,
    *,
    coord_system: CoordSystem | str,
    out_dir: Path,
    score_kind: ScoreKind = "priority",
    score_range: tuple[float, float] = DEFAULT_SCORE_RANGE,
) -> dict[str, Path]:
    """Read a survey against ``analysis`` and write its outputs (for ``analyze --survey``).

    Returns the paths written: ``priorities`` (priorities.csv), ``survey_rejected``
    (survey_rejected.csv, header only when every row was accepted) and
    ``survey_report`` (survey_report.txt, the text of ``survey check``).

    Raises
    ------
    InputFileError
        If the survey cannot be read or lacks required columns, or the folder cannot be
        written.
    """
    from geo.surveys.read import read_survey

    survey = read_survey(
        Path(survey_path),
        taxonomy=analysis.taxonomy,
        district=analysis.district,
        coord_system=coord_system,
        score_kind=score_kind,
        score_range=score_range,
    )
    return write_survey_outputs(analysis, survey, out_dir=Path(out_dir))


def build_parser() -> argparse.ArgumentParser:
    """A ``lifecircle`` parser with only the ``survey`` command (for running this module)."""
    parser = argparse.ArgumentParser(prog="lifecircle")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``survey`` sub-commands like ``lifecircle`` does: errors are one line, status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_OK
    try:
        return int(handler(args))
    except LifecircleError as exc:
        # No key and no URL password on the terminal.
        message = redact_text(str(exc), secrets=secret_values(os.environ))
        print(f"lifecircle: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
