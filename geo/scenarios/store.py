"""Saving scenarios safely while several people edit them at once.

A :class:`ScenarioStore` keeps one human-readable GeoJSON file per scenario in a folder
(``<folder>/<id>.geojson``, the format of :mod:`geo.scenarios.model`) and every revision ever
saved in ``<folder>/.history/<id>/<revision>.geojson``.

Several browser sessions (threads of one Streamlit server) and several processes may
save at once. A save names the revision it started from (``base_revision``):

- if the file is still at that revision, the scenario is written as the next revision;
- otherwise the changes are merged three ways (:mod:`geo.scenarios.merge`); when both
  sides changed the same thing differently nothing is written and a
  :class:`~geo.scenarios.merge.ConflictError` carries both versions.

Safety rules
------------
- Saves are serialised by a per-process :class:`threading.Lock` (shared by every store
  of the same folder) and an OS lock, ``fcntl.flock`` on ``<folder>/.lock``, which the
  OS releases if a process dies. Windows has no ``fcntl``: it would need
  ``msvcrt.locking``, which is not implemented, so there only the thread lock applies
  (:attr:`ScenarioStore.cross_process_safe` is then ``False``): one server process is
  safe, several are not.
- Writes are atomic (:mod:`geo.scenarios.files`): a crash leaves the old file or the
  new one, never half of one.
- User-given names never become paths: ids must match ``^[a-z0-9][a-z0-9-]{0,63}$``
  everywhere, and titles only reach file names through :func:`~geo.scenarios.model.slugify`.
- Nothing saved is lost: every revision is kept in the history; a file changed outside
  the store (by hand, by ``git checkout``) is recorded as a revision of its own before
  anything is written over it; :meth:`ScenarioStore.delete` only removes the current
  file (the history stays) and :meth:`ScenarioStore.revert` saves old content as a new
  revision.
- A file that cannot be read is never overwritten: :meth:`ScenarioStore.list` reports
  it in :attr:`ScenarioStore.problems`, :meth:`ScenarioStore.load` and
  :meth:`ScenarioStore.save` refuse with a :class:`~geo.scenarios.model.ScenarioError`,
  :meth:`ScenarioStore.create` picks another id, and :meth:`ScenarioStore.delete` or
  :meth:`ScenarioStore.revert` set its bytes aside as
  ``.history/<id>/corrupt-<time>-<random>.geojson``.

Features without an ``id`` in a hand-written file get one derived from their position
and content, so loading the same file twice gives the same ids (which the three-way
merge relies on).
"""

from __future__ import annotations

import builtins
import contextlib
import re
import secrets
import sys
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from shapely.errors import ShapelyError

from geo.limits import parse_json_text
from geo.scenarios.files import atomic_write, fsync_dir, locked_folder, read_bytes
from geo.scenarios.merge import (
    ConflictError,
    merge_edits,
)
from geo.scenarios.model import (
    SCENARIO_ID_PATTERN,
    Scenario,
    ScenarioError,
    ScenarioMeta,
    check_revision,
    check_scenario_id,
    now_iso,
    parse_scenario,
    slugify,
    with_stable_ids,
)
from geo.standards.taxonomy import Taxonomy

if sys.platform != "win32":
    pass

__all__ = ["SaveResult", "ScenarioInfo", "ScenarioStore"]


_HISTORY = ".history"
_LOCK_FILE = ".lock"
_SUFFIX = ".geojson"
_REVISION_FILE = re.compile(r"([0-9]{1,12})\.geojson")
_SLUG_BASE_CHARS = 41  # slug + "-" + 6 random hex characters stays within slugify's 48
_TEXT_LIMIT = 200  # what geo.scenario keeps of a title or an author on load


@dataclass(frozen=True)
class ScenarioInfo:
    """One line of :meth:`ScenarioStore.list`."""

    id: str
    title: str
    author: str
    updated: str
    revision: int
    n_features: int
    path: Path


@dataclass(frozen=True)
class SaveResult:
    """What a save wrote.

    Attributes
    ----------
    scenario
        The scenario as now on disk (with its new revision): keep editing this one.
    revision
        The revision written.
    merged
        Whether the file had moved on since ``base_revision`` and the save was merged.
    merged_features
        Ids of features changed by others since the base (added, edited or deleted)
        whose changes were kept alongside the saved ones.
    merged_fields
        Metadata fields changed by others since the base, kept likewise.
    """

    scenario: Scenario
    revision: int
    merged: bool = False
    merged_features: tuple[str, ...] = ()
    merged_fields: tuple[str, ...] = ()


def _set_aside_stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


class ScenarioStore:
    """A folder of scenario files that several sessions and processes can save into.

    Parameters
    ----------
    folder
        The folder holding ``<id>.geojson`` files (created on the first write).
    taxonomy
        If given, categories are checked (and aliases resolved) on load and save.

    Attributes
    ----------
    problems
        Messages about the files the last :meth:`list` could not read.
    cross_process_safe
        Whether saves from several processes are serialised (``False`` on Windows).
    """

    def __init__(self, folder: Path, *, taxonomy: Taxonomy | None = None) -> None:
        self.folder = Path(folder).resolve()
        self.taxonomy = taxonomy
        self.problems: builtins.list[str] = []
        self.cross_process_safe = sys.platform != "win32"

    # -- paths --

    def path_of(self, scenario_id: str) -> Path:
        """The file of a scenario (``<folder>/<id>.geojson``); the id is checked."""
        return self.folder / f"{check_scenario_id(scenario_id)}{_SUFFIX}"

    def _history_dir(self, scenario_id: str) -> Path:
        return self.folder / _HISTORY / check_scenario_id(scenario_id)

    def _history_path(self, scenario_id: str, revision: int) -> Path:
        return self._history_dir(scenario_id) / f"{revision}{_SUFFIX}"

    # -- reading --

    def _parse(self, data: bytes, scenario_id: str, where: str) -> Scenario:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ScenarioError(f"{where} cannot be read: it is not UTF-8 text") from exc
        # Also refuses NaN/Infinity and numbers of thousands of digits (a revision).
        try:
            doc = parse_json_text(text, name="it", error=ScenarioError)
        except ScenarioError as exc:
            raise ScenarioError(f"{where} cannot be read: {exc}") from exc
        try:
            scenario = parse_scenario(
                with_stable_ids(doc), taxonomy=self.taxonomy, scenario_id=scenario_id
            )
        except ScenarioError as exc:
            raise ScenarioError(f"{where} cannot be read: {exc}") from exc
        except ShapelyError as exc:
            raise ScenarioError(f"{where} cannot be read: bad geometry ({exc})") from exc
        # The file name is the id (slugify would shorten or reshape a long valid id).
        return replace(scenario, id=scenario_id)

    def load(self, scenario_id: str) -> Scenario:
        """The scenario saved as ``scenario_id``, with its revision from the file.

        Raises
        ------
        ScenarioError
            If the id is invalid, there is no such scenario, or its file cannot be read.
        """
        path = self.path_of(scenario_id)
        data = read_bytes(path)
        if data is None:
            if self.history(scenario_id):
                raise ScenarioError(
                    f"scenario '{scenario_id}' was deleted; its revisions are kept and "
                    "can be restored with revert"
                )
            raise ScenarioError(f"there is no scenario '{scenario_id}' in {self.folder}")
        return self._parse(data, scenario_id, path.name)

    def load_revision(self, scenario_id: str, revision: int) -> Scenario:
        """A saved revision of a scenario, from its history."""
        path = self._history_path(scenario_id, check_revision(revision))
        data = read_bytes(path)
        if data is None:
            raise ScenarioError(f"scenario '{scenario_id}' has no saved revision {revision}")
        return self._parse(data, scenario_id, f"revision {revision} of '{scenario_id}'")

    def history(self, scenario_id: str) -> builtins.list[int]:
        """The revisions kept for a scenario, oldest first (also after a delete)."""
        folder = self._history_dir(scenario_id)
        try:
            names = [p.name for p in folder.iterdir()]
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise ScenarioError(f"cannot read the history of '{scenario_id}': {exc}") from exc
        matches = (_REVISION_FILE.fullmatch(name) for name in names)
        return sorted(int(m.group(1)) for m in matches if m)

    def list(self) -> builtins.list[ScenarioInfo]:
        """Every readable scenario, most recently updated first.

        Files that cannot be read are skipped and described in :attr:`problems`.
        """
        infos: builtins.list[ScenarioInfo] = []
        problems: builtins.list[str] = []
        paths = sorted(self.folder.glob(f"*{_SUFFIX}")) if self.folder.is_dir() else []
        for path in paths:
            sid = path.name[: -len(_SUFFIX)]
            if SCENARIO_ID_PATTERN.fullmatch(sid) is None:
                problems.append(
                    f"{path.name}: the file name is not a scenario id (lower-case letters, "
                    f"digits and '-'); rename it, for example to '{slugify(sid)}{_SUFFIX}'"
                )
                continue
            try:
                data = path.read_bytes()
                scenario = self._parse(data, sid, path.name)
            except OSError as exc:
                problems.append(f"{path.name} cannot be read: {exc.strerror or exc}")
                continue
            except ScenarioError as exc:
                problems.append(str(exc))
                continue
            meta = scenario.meta
            infos.append(
                ScenarioInfo(
                    id=sid,
                    title=meta.title,
                    author=meta.author,
                    updated=meta.updated,
                    revision=meta.revision,
                    n_features=len(scenario.interventions),
                    path=path,
                )
            )
        infos.sort(key=lambda info: info.id)
        infos.sort(key=lambda info: info.updated, reverse=True)
        self.problems = problems
        return infos

    # -- locking --

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        """Hold the folder's thread lock and OS lock (creating the folder if needed)."""
        return locked_folder(self.folder, lock_name=_LOCK_FILE)

    # -- writing (callers hold the lock) --

    def _make_history_dir(self, scenario_id: str) -> None:
        try:
            self._history_dir(scenario_id).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError(
                f"cannot create the history of '{scenario_id}': {exc.strerror or exc}"
            ) from exc

    def _taken(self, scenario_id: str) -> bool:
        path = self.path_of(scenario_id)
        history = self._history_dir(scenario_id)
        return path.is_symlink() or path.exists() or history.exists()

    def _next_revision(self, scenario_id: str, current: Scenario | None) -> int:
        revisions = self.history(scenario_id)
        if current is not None:
            revisions.append(current.meta.revision)
        return max(revisions, default=-1) + 1

    def _commit(self, scenario: Scenario, revision: int) -> Scenario:
        """Write ``scenario`` as ``revision`` to the history, then to the current file."""
        sid = scenario.id
        meta = replace(scenario.meta, revision=revision, updated=now_iso())
        data = replace(scenario, meta=meta).dumps().encode("utf-8")
        saved = self._parse(data, sid, f"scenario '{sid}'")  # refuse before writing
        history_path = self._history_path(sid, revision)
        self._make_history_dir(sid)
        atomic_write(history_path, data)
        try:
            atomic_write(self.path_of(sid), data)
        except BaseException:
            with contextlib.suppress(OSError):
                history_path.unlink()
            raise
        return saved

    def _set_aside(self, scenario_id: str, data: bytes) -> Path:
        """Keep the bytes of an unreadable file in the history."""
        target = self._history_dir(scenario_id) / f"corrupt-{_set_aside_stamp()}{_SUFFIX}"
        self._make_history_dir(scenario_id)
        atomic_write(target, data)
        return target

    def _register(self, scenario_id: str, data: bytes, current: Scenario) -> Scenario:
        """Make sure the current file's content is in the history before it is replaced.

        A file whose revision is not in the history (written by hand) is copied there as
        it is; one that differs from the history's copy of its revision (edited outside
        the store) is saved as a new revision. Returns the current scenario.
        """
        revision = current.meta.revision
        kept = self._history_path(scenario_id, revision)
        kept_data = read_bytes(kept)
        if kept_data == data:
            return current
        if kept_data is None:
            self._make_history_dir(scenario_id)
            atomic_write(kept, data)
            return current
        return self._commit(current, self._next_revision(scenario_id, current))

    def _current(self, scenario_id: str) -> tuple[bytes, Scenario] | None:
        path = self.path_of(scenario_id)
        data = read_bytes(path)
        if data is None:
            return None
        try:
            current = self._parse(data, scenario_id, path.name)
        except ScenarioError as exc:
            raise ScenarioError(
                f"{exc}. The file is left untouched: fix it by hand, or delete the "
                f"scenario (its file is then kept in the history)"
            ) from exc
        return data, self._register(scenario_id, data, current)

    # -- public writes --

    def create(self, title: str, *, author: str = "", district: str = "") -> Scenario:
        """Start a new, empty scenario and save it as revision 0.

        Its id is ``slugify(title)`` (ASCII; ``scenario`` for a title without Latin
        letters or digits), plus ``-`` and six random hex digits if that id is taken by
        a file (even an unreadable one) or by the history of a deleted scenario.
        """

        def clean(text: str) -> str:
            return "".join(ch for ch in str(text) if ch.isprintable()).strip()[:_TEXT_LIMIT]

        meta = ScenarioMeta(
            title=clean(title) or ScenarioMeta.title,
            author=clean(author),
            district=clean(district),
            revision=0,
        )
        stem = slugify(meta.title)[:_SLUG_BASE_CHARS].strip("-") or "scenario"
        with self._locked():
            sid = stem
            while self._taken(sid):
                sid = f"{stem}-{secrets.token_hex(3)}"
            return self._commit(Scenario(id=sid, meta=meta), revision=0)

    def save(self, scenario: Scenario, *, base_revision: int) -> SaveResult:
        """Save ``scenario``, edited from revision ``base_revision`` of its file.

        If the file is still at ``base_revision`` the scenario is written as the next
        revision; otherwise it is merged with what others saved meanwhile.
        ``scenario.meta.revision``, ``created`` and ``updated`` are ignored: the store sets
        them.

        Raises
        ------
        ConflictError
            If others changed the same features or metadata fields differently; nothing
            is written.
        ScenarioError
            If the id or a feature is invalid, the current file cannot be read (it is
            left untouched), the scenario was deleted, or the file cannot be written.
        """
        sid = check_scenario_id(scenario.id)
        check_revision(base_revision, "base revision")
        with self._locked():
            found = self._current(sid)
            if found is None:
                if self.history(sid):
                    raise ScenarioError(
                        f"scenario '{sid}' was deleted by someone else; restore it with "
                        "revert, or save your version as a new scenario"
                    )
                if base_revision != 0:
                    raise ScenarioError(f"there is no scenario '{sid}' to update")
                saved = self._commit(scenario, revision=1)
                return SaveResult(scenario=saved, revision=1)
            _, theirs = found
            revision = self._next_revision(sid, theirs)
            if theirs.meta.revision == base_revision:
                meta = replace(scenario.meta, created=theirs.meta.created)
                saved = self._commit(replace(scenario, meta=meta), revision)
                return SaveResult(scenario=saved, revision=revision)
            try:
                base: Scenario | None = self.load_revision(sid, base_revision)
            except ScenarioError:
                base = None  # not in the history: every difference is then a conflict
            outcome = merge_edits(base, scenario, theirs)
            if outcome.conflicts or outcome.conflict_fields:
                what = [f"feature '{fid}'" for fid in outcome.conflicts]
                what += [f"the {name}" for name in outcome.conflict_fields]
                raise ConflictError(
                    f"scenario '{sid}' was saved by someone else meanwhile (now revision "
                    f"{theirs.meta.revision}), who also changed {', '.join(what)}; nothing "
                    "was saved: choose which version to keep",
                    mine=scenario,
                    theirs=theirs,
                    base=base,
                    feature_ids=outcome.conflicts,
                    fields=outcome.conflict_fields,
                )
            saved = self._commit(outcome.scenario, revision)
            return SaveResult(
                scenario=saved,
                revision=revision,
                merged=True,
                merged_features=outcome.theirs_features,
                merged_fields=outcome.theirs_fields,
            )

    def delete(self, scenario_id: str) -> None:
        """Remove a scenario's file; its revisions stay in the history (see :meth:`revert`).

        An unreadable file is kept in the history as ``corrupt-<time>-<random>.geojson``.
        """
        path = self.path_of(scenario_id)
        with self._locked():
            data = read_bytes(path)
            if data is None:
                raise ScenarioError(f"there is no scenario '{scenario_id}' in {self.folder}")
            try:
                current = self._parse(data, scenario_id, path.name)
            except ScenarioError:
                self._set_aside(scenario_id, data)
            else:
                self._register(scenario_id, data, current)
            try:
                path.unlink()
            except OSError as exc:
                raise ScenarioError(f"cannot delete {path.name}: {exc.strerror}") from exc
            fsync_dir(self.folder)

    def revert(self, scenario_id: str, revision: int) -> SaveResult:
        """Save the content of an old revision as a new revision (an undo that loses nothing).

        This also restores a deleted scenario, or replaces an unreadable file (whose
        bytes are kept in the history).
        """
        with self._locked():
            old = self.load_revision(scenario_id, revision)
            path = self.path_of(scenario_id)
            data = read_bytes(path)
            current: Scenario | None = None
            if data is not None:
                try:
                    current = self._parse(data, scenario_id, path.name)
                except ScenarioError:
                    self._set_aside(scenario_id, data)
                else:
                    current = self._register(scenario_id, data, current)
            created = current.meta.created if current else old.meta.created
            new_revision = self._next_revision(scenario_id, current)
            restored = replace(old, meta=replace(old.meta, created=created))
            saved = self._commit(restored, new_revision)
            return SaveResult(scenario=saved, revision=new_revision)
