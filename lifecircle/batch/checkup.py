"""Many districts or cities at once on Dask: ``lifecircle checkup SOURCES... --out DIR``.

Each source is a task (load, analyse, split by unit) and each of its units a task of its
own; then a report task per source. On a ``LocalCluster`` on 127.0.0.1 by default, or on
an existing scheduler (``tcp://HOST:PORT``). A source that fails is reported and the
others finish. The per-unit numbers are those of :func:`geo.checkup.pipeline.run_checkup`:
the same pure function runs either way.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from geo.checkup.indicators import CheckupResult, assemble, unit_indicators
from geo.checkup.pipeline import CheckupSpec, PreparedSource, prepare_source, source_summary
from geo.errors import InputFileError, LifecircleError
from geo.export import write_csv, write_text_atomic

REPORT_FORMATS = ("pdf", "html", "xlsx")


@dataclass(frozen=True)
class ClusterSettings:
    """Where the tasks run: an existing scheduler, or a LocalCluster of this size."""

    scheduler: str | None = None
    workers: int = 2
    threads_per_worker: int = 1
    connect_timeout_s: float = 20.0


@dataclass
class CheckupRun:
    """What a run produced: tables across sources, per-source reports and failures."""

    result: CheckupResult
    sources: list[dict[str, Any]] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    reports: dict[str, list[str]] = field(default_factory=dict)


def write_source_report(
    spec: CheckupSpec, checkup: CheckupResult, out_dir: str, formats: Sequence[str]
) -> list[str]:
    """A task: redo the source's analysis (the cache makes it quick) and write its reports."""
    from geo.checkup.pipeline import analyse_source
    from lifecircle.reports.document import ReportInputs
    from lifecircle.reports.writers import write_report

    analysis, units, _ = analyse_source(spec)
    inputs = ReportInputs(analysis=analysis, units=units, checkup=checkup)
    paths = []
    for fmt in formats:
        name = "ledger.xlsx" if fmt == "xlsx" else f"report.{fmt}"
        paths.append(str(write_report(inputs, Path(out_dir) / name)))
    return paths


@dataclass(frozen=True)
class SourceFailure:
    """A source that could not be checked, with the planner-readable reason."""

    source: str
    error: str


def prepare_or_fail(spec: CheckupSpec) -> PreparedSource | SourceFailure:
    """A task: :func:`prepare_source`, bad input returned as a failure (no worker traceback)."""
    try:
        return prepare_source(spec)
    except LifecircleError as exc:
        return SourceFailure(spec.source, str(exc))


def report_or_fail(
    spec: CheckupSpec, checkup: CheckupResult, out_dir: str, formats: Sequence[str]
) -> list[str] | SourceFailure:
    try:
        return write_source_report(spec, checkup, out_dir, formats)
    except LifecircleError as exc:
        return SourceFailure(spec.source, str(exc))


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "source"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _client(settings: ClusterSettings) -> Any:
    from distributed import Client, LocalCluster

    if settings.scheduler:
        try:
            return Client(settings.scheduler, timeout=settings.connect_timeout_s)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError) as exc:
            raise LifecircleError(
                f"cannot reach the Dask scheduler at {settings.scheduler}: {exc}"
            ) from exc
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=settings.workers,
        threads_per_worker=settings.threads_per_worker,
        host="127.0.0.1",
        dashboard_address=None,
        processes=True,
        silence_logs=logging.CRITICAL,  # failures are reported per source, not as logs
    )
    return Client(cluster)  # type: ignore[no-untyped-call]


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, LifecircleError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"  # a bug, reported as such rather than hidden


def run_checkups(
    specs: Sequence[CheckupSpec],
    out_dir: Path,
    *,
    cluster: ClusterSettings,
    formats: Sequence[str] = ("pdf",),
) -> CheckupRun:
    """Every source on Dask; the tables across sources and a report per source in
    ``out_dir``."""
    from distributed import as_completed

    unknown = sorted(set(formats) - set(REPORT_FORMATS))
    if unknown:
        raise InputFileError(f"unknown report format {', '.join(unknown)} (pdf, html, xlsx)")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputFileError(f"cannot create the output folder {out_dir}: {exc.strerror}") from exc
    client = _client(cluster)
    run = CheckupRun(result=assemble([]))
    try:
        prepared_futures = {
            client.submit(prepare_or_fail, spec, pure=False): (i, spec)
            for i, spec in enumerate(specs)
        }
        per_source: dict[int, tuple[PreparedSource, CheckupResult]] = {}
        unit_futures: dict[int, tuple[PreparedSource, list[Any]]] = {}
        for future in as_completed(list(prepared_futures)):  # type: ignore[no-untyped-call]
            i, spec = prepared_futures[future]
            # Any failure of one source (a bug included) is reported; the others go on.
            try:
                prepared = future.result()
            except Exception as exc:
                run.failed.append({"source": spec.source, "error": _error_text(exc)})
                continue
            if isinstance(prepared, SourceFailure):
                run.failed.append({"source": prepared.source, "error": prepared.error})
                continue
            # One task per unit: small arrays in, one row and its ledger out.
            unit_futures[i] = (prepared, client.map(unit_indicators, prepared.inputs, pure=False))
        report_futures = {}
        taken: set[str] = set()
        for i, (prepared, futures) in sorted(unit_futures.items()):
            spec = specs[i]
            try:
                checkup = assemble(client.gather(futures))
            except Exception as exc:
                run.failed.append({"source": spec.source, "error": _error_text(exc)})
                continue
            per_source[i] = (prepared, checkup)
            folder = out_dir / _slug(prepared.name, taken)
            report_futures[i] = (
                client.submit(
                    report_or_fail, spec, checkup, str(folder), tuple(formats), pure=False
                ),
                spec,
                prepared.name,
            )
        for _i, (future, spec, name) in sorted(report_futures.items()):
            try:
                written = future.result()
            except Exception as exc:
                run.failed.append({"source": spec.source, "error": _error_text(exc)})
                continue
            if isinstance(written, SourceFailure):
                run.failed.append({"source": written.source, "error": written.error})
            else:
                run.reports[name] = list(written)
    finally:
        cluster_obj = getattr(client, "cluster", None)
        client.close()
        if cluster_obj is not None and not cluster.scheduler:
            cluster_obj.close()
    order = sorted(per_source)
    run.result = _concat([per_source[i][1] for i in order])
    run.sources = [source_summary(per_source[i][0]) for i in order]
    _write_tables(run, out_dir)
    return run


def _concat(results: Sequence[CheckupResult]) -> CheckupResult:
    if not results:
        return assemble([])
    ledger = pd.concat([r.ledger for r in results], ignore_index=True)
    if len(ledger):
        ledger = ledger.assign(_nodata=ledger["status"] == "no data")
        ledger = ledger.sort_values(
            ["_nodata", "residents_affected", "source", "unit_id", "item"],
            ascending=[True, False, True, True, True],
            kind="mergesort",
        ).drop(columns="_nodata")
    return CheckupResult(
        indicators=pd.concat([r.indicators for r in results], ignore_index=True),
        unit_items=pd.concat([r.unit_items for r in results], ignore_index=True),
        ledger=ledger.reset_index(drop=True),
    )


def _write_tables(run: CheckupRun, out_dir: Path) -> None:
    write_csv(out_dir / "indicators.csv", run.result.indicators)
    write_csv(out_dir / "unit_items.csv", run.result.unit_items)
    write_csv(out_dir / "ledger.csv", run.result.ledger)
    doc = {"sources": run.sources, "failed": run.failed, "reports": run.reports}
    write_text_atomic(out_dir / "checkup.json", json.dumps(doc, ensure_ascii=False, indent=2))


__all__ = ["REPORT_FORMATS", "CheckupRun", "ClusterSettings", "run_checkups", "write_source_report"]
