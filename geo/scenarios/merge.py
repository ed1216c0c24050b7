"""Three-way merge of two edits of one scenario, and the conflict when they disagree.

A save names the revision it started from. When the file has moved on, the changes are
merged against that base revision: features (compared by
:meth:`~geo.scenarios.model.Intervention.signature`) and the metadata fields ``title``,
``description``, ``author`` and ``district`` changed on one side only are taken from that
side. When both sides changed the same feature or field differently, a
:class:`ConflictError` carries both versions so the user can choose with :func:`resolve`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from geo.scenarios.model import (
    Intervention,
    Scenario,
    ScenarioError,
    ScenarioMeta,
)

MERGED_FIELDS = ("title", "description", "author", "district")
"""Metadata fields merged three ways (``created``, ``updated`` and ``revision`` are the
store's)."""
META_CHOICE_PREFIX = "metadata."
"""Key prefix of a metadata field in the ``take`` mapping of :func:`resolve`."""


class ConflictError(ScenarioError):
    """Both sides changed the same features or metadata fields differently.

    Nothing was written. ``mine`` is the scenario that was being saved, ``theirs`` the
    one on disk (its revision is ``theirs.meta.revision``), ``base`` the revision both
    started from (``None`` if it is no longer in the history: then every difference
    counts as a conflict). Let the user choose with :func:`resolve`, then save the result
    with ``base_revision=conflict.theirs.meta.revision``.
    """

    def __init__(
        self,
        message: str,
        *,
        mine: Scenario,
        theirs: Scenario,
        base: Scenario | None,
        feature_ids: tuple[str, ...],
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.mine = mine
        self.theirs = theirs
        self.base = base
        self.feature_ids = feature_ids
        self.fields = fields

    @property
    def choices(self) -> tuple[str, ...]:
        """The keys :func:`resolve` needs: feature ids, then ``metadata.<field>``."""
        return (*self.feature_ids, *(META_CHOICE_PREFIX + f for f in self.fields))

    def __reduce__(self) -> tuple[Any, ...]:
        args = (str(self), self.mine, self.theirs, self.base, self.feature_ids, self.fields)
        return (_rebuild_conflict, args)


def _rebuild_conflict(
    message: str,
    mine: Scenario,
    theirs: Scenario,
    base: Scenario | None,
    feature_ids: tuple[str, ...],
    fields: tuple[str, ...],
) -> ConflictError:
    return ConflictError(
        message, mine=mine, theirs=theirs, base=base, feature_ids=feature_ids, fields=fields
    )


# --- three-way merge -------------------------------------------------------------------

_NO_BASE = object()


@dataclass(frozen=True)
class _Merge:
    scenario: Scenario
    conflicts: tuple[str, ...]
    conflict_fields: tuple[str, ...]
    theirs_features: tuple[str, ...]
    theirs_fields: tuple[str, ...]


def _pick(
    base: object, mine: object, theirs: object, choice: str | None
) -> Literal["mine", "theirs", "conflict"]:
    if mine in (theirs, base):
        return "theirs"
    if theirs == base:
        return "mine"
    if choice in ("mine", "theirs"):
        return "mine" if choice == "mine" else "theirs"
    return "conflict"


def merge_edits(
    base: Scenario | None,
    mine: Scenario,
    theirs: Scenario,
    take: Mapping[str, str] | None = None,
) -> _Merge:
    take = take or {}
    sig_base = {i.id: i.signature() for i in base.interventions} if base else {}
    sig_mine = {i.id: i.signature() for i in mine.interventions}
    sig_theirs = {i.id: i.signature() for i in theirs.interventions}
    items_mine = {i.id: i for i in mine.interventions}
    items_theirs = {i.id: i for i in theirs.interventions}

    chosen: dict[str, Intervention | None] = {}
    conflicts: list[str] = []
    theirs_features: list[str] = []
    for fid in dict.fromkeys([*sig_theirs, *sig_mine, *sig_base]):
        b, m, t = sig_base.get(fid), sig_mine.get(fid), sig_theirs.get(fid)
        side = _pick(b, m, t, take.get(fid))
        if side == "conflict":
            conflicts.append(fid)
        elif side == "theirs":
            chosen[fid] = items_theirs.get(fid)
            if m != t and t != b:
                theirs_features.append(fid)
        else:
            chosen[fid] = items_mine.get(fid)
    # Their order, with my additions at the end in my order.
    ordered = [chosen[fid] for fid in sig_theirs if chosen.get(fid) is not None]
    ordered += [chosen[fid] for fid in sig_mine if fid not in sig_theirs and chosen.get(fid)]

    values: dict[str, str] = {}
    conflict_fields: list[str] = []
    theirs_fields: list[str] = []
    for name in MERGED_FIELDS:
        b_value: object = getattr(base.meta, name) if base else _NO_BASE
        m_value, t_value = getattr(mine.meta, name), getattr(theirs.meta, name)
        side = _pick(b_value, m_value, t_value, take.get(META_CHOICE_PREFIX + name))
        if side == "conflict":
            conflict_fields.append(name)
            values[name] = t_value
        elif side == "theirs":
            values[name] = t_value
            if m_value != t_value and t_value != b_value:
                theirs_fields.append(name)
        else:
            values[name] = m_value
    meta = ScenarioMeta(
        title=values["title"],
        description=values["description"],
        author=values["author"],
        created=theirs.meta.created,
        updated=theirs.meta.updated,
        revision=theirs.meta.revision,
        district=values["district"],
        decision=mine.meta.decision if mine.meta.decision is not None else theirs.meta.decision,
    )
    merged = Scenario(id=theirs.id, meta=meta, interventions=tuple(i for i in ordered if i))
    return _Merge(
        scenario=merged,
        conflicts=tuple(conflicts),
        conflict_fields=tuple(conflict_fields),
        theirs_features=tuple(theirs_features),
        theirs_fields=tuple(theirs_fields),
    )


def resolve(conflict: ConflictError, *, take: Mapping[str, Literal["mine", "theirs"]]) -> Scenario:
    """Build the version the user chose after a :class:`ConflictError`.

    Parameters
    ----------
    conflict
        The conflict raised by :meth:`ScenarioStore.save`.
    take
        For each key of ``conflict.choices`` (a feature id, or ``"metadata.<field>"``
        for a metadata field), ``"mine"`` or ``"theirs"``. Keys that were not in
        conflict are ignored.

    Returns
    -------
    Scenario
        Everything that merged cleanly plus the chosen versions, at the revision of
        ``conflict.theirs``: save it with ``base_revision=result.meta.revision``.
    """
    missing = [key for key in conflict.choices if key not in take]
    if missing:
        raise ScenarioError(f"choose 'mine' or 'theirs' for: {', '.join(missing)}")
    bad = sorted(key for key, value in take.items() if value not in ("mine", "theirs"))
    if bad:
        raise ScenarioError(f"the choice must be 'mine' or 'theirs' for: {', '.join(bad)}")
    return merge_edits(conflict.base, conflict.mine, conflict.theirs, take).scenario
