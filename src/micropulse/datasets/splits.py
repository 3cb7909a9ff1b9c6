"""Dataset splits: the toolbox's BEGIN/END fractions, VIPL-HR's fixed folds, and named protocols
from YAML (``datasets/rppg/protocols.yaml``; a user's own YAML file works the same way).

BEGIN/END (``split_fraction``) follows ``split_raw_data`` (spec §3.6): with ``unit="subject"`` the
sorted subject ids are cut at ``int(begin*n)`` .. ``int(end*n)`` and all their videos kept; with
``unit="video"`` the sorted video list is cut. Sorting is natural (``subject2`` < ``subject10``) by
default; ``order="lexicographic"`` reproduces the RhythmFormer/Mamba forks (trap §9.10).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from micropulse.datasets.base import Entry
from micropulse.datasets.frames import natural_key
from micropulse.errors import FileFormatError, InputError, UnknownNameError

ORDERS = ("natural", "lexicographic")
UNITS = ("subject", "video")


def _sort(items: Sequence[str], order: str) -> list[str]:
    if order not in ORDERS:
        raise InputError(f"order must be one of {ORDERS}, got {order!r}")
    return sorted(items, key=natural_key) if order == "natural" else sorted(items)


def split_fraction(
    entries: Sequence[Entry], begin: float, end: float, unit: str = "subject", order: str = "natural"
) -> list[Entry]:
    """Entries in the [begin, end) fraction of the sorted subjects (or videos), toolbox style."""
    if not 0.0 <= begin <= end <= 1.0:
        raise InputError(f"split fractions must satisfy 0 <= begin <= end <= 1, got {begin}, {end}")
    if unit not in UNITS:
        raise InputError(f"unit must be one of {UNITS}, got {unit!r}")
    if unit == "video":
        ids = _sort([e.id for e in entries], order)
        n = len(ids)
        keep = set(ids[int(begin * n) : int(end * n)])
        return [e for e in _ordered(entries, order) if e.id in keep]
    subjects = _sort(list({e.subject for e in entries}), order)
    n = len(subjects)
    keep = set(subjects[int(begin * n) : int(end * n)])
    return [e for e in _ordered(entries, order) if e.subject in keep]


def _ordered(entries: Sequence[Entry], order: str) -> list[Entry]:
    by_id = {e.id: e for e in entries}
    return [by_id[i] for i in _sort(list(by_id), order)]


@lru_cache(maxsize=1)
def vipl_folds() -> dict[int, tuple[int, ...]]:
    """RhythmMamba's five VIPL-HR test folds: fold number -> subject numbers."""
    text = resources.files("micropulse.datasets.rppg").joinpath("vipl_folds.yaml").read_text()
    return {int(k): tuple(int(s) for s in v) for k, v in yaml.safe_load(text)["folds"].items()}


def vipl_fold(
    entries: Sequence[Entry],
    fold: int,
    part: str = "test",
    folds: dict[int, Sequence[int]] | None = None,
    reproduce_prefix_bug: bool = False,
) -> list[Entry]:
    """The test subjects of ``fold`` (``part="test"``) or all others (``part="train"``).

    Args:
        folds: fold membership (default: RhythmMamba's, :func:`vipl_folds`); pass your own to change it.
        reproduce_prefix_bug: read subject ids as RhythmMamba's loader does (first two digits, so
            p100..p107 count as subject 10).
    """
    table = {int(k): set(v) for k, v in (folds or vipl_folds()).items()}
    if fold not in table:
        raise InputError(f"fold must be one of {sorted(table)}, got {fold}")
    if part not in ("train", "test"):
        raise InputError(f"part must be 'train' or 'test', got {part!r}")

    def subject(e: Entry) -> int:
        return int(e.subject[:2]) if reproduce_prefix_bug else int(e.subject)

    inside = [e for e in entries if subject(e) in table[fold]]
    return inside if part == "test" else [e for e in entries if subject(e) not in table[fold]]


@dataclass(frozen=True)
class PartSpec:
    """One part (train/valid/test) of a protocol.

    Attributes:
        dataset: registered dataset name.
        begin, end: toolbox BEGIN/END fractions.
        fold, part: VIPL-HR fold number and ``test``/``train`` (instead of begin/end).
        exclude: video ids left out (the toolbox's EXCLUSION_LIST).
        tasks: keep only videos whose ``meta["task"]`` is listed (the toolbox's TASK_LIST); empty: all.
    """

    dataset: str
    begin: float = 0.0
    end: float = 1.0
    fold: int | None = None
    part: str = "test"
    exclude: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Protocol:
    """A named protocol: its parts, sort order and a note on its provenance; ``extra["select"]`` is the
    epoch the protocol tests (``best`` validation loss or ``last``), where it says."""

    name: str
    parts: dict[str, PartSpec]
    order: str = "natural"
    note: str = ""
    unit: str | None = None
    extra: dict = field(default_factory=dict)

    def select(self, part: str, dataset) -> list[Entry]:
        """Entries of ``dataset`` (an opened loader) in ``part`` of this protocol."""
        if part not in self.parts:
            raise UnknownNameError(
                f"protocol {self.name} has no part {part!r}; known: {', '.join(self.parts)}"
            )
        spec = self.parts[part]
        if spec.dataset != dataset.name:
            raise InputError(f"protocol {self.name} part {part} is on {spec.dataset}, not {dataset.name}")
        entries = [e for e in dataset.entries if e.id not in set(spec.exclude)]
        if spec.tasks:
            entries = [e for e in entries if str(e.meta.get("task", "")) in set(spec.tasks)]
        if spec.fold is not None:
            return vipl_fold(entries, spec.fold, spec.part)
        unit = self.unit or dataset.split_unit
        return split_fraction(entries, spec.begin, spec.end, unit=unit, order=self.order)


def _parse(name: str, doc: dict, where: str) -> Protocol:
    if not isinstance(doc, dict):
        raise FileFormatError(f"protocol {name!r} must be a mapping", where)
    parts = {}
    for part in ("train", "valid", "test"):
        if part in doc:
            try:
                fields = dict(doc[part])
                for key in ("exclude", "tasks"):
                    if key in fields:
                        fields[key] = tuple(str(v) for v in fields[key])
                parts[part] = PartSpec(**fields)
            except TypeError as exc:
                raise FileFormatError(f"protocol {name!r} part {part}: {exc}", where) from None
    if not parts:
        raise FileFormatError(f"protocol {name!r} has none of train/valid/test", where)
    select = doc.get("select")
    if select is not None and select not in ("best", "last"):
        raise FileFormatError(f"protocol {name!r}: select must be 'best' or 'last', got {select!r}", where)
    extra = {"select": select} if select else {}
    return Protocol(name, parts, doc.get("order", "natural"), doc.get("note", ""), doc.get("unit"), extra)


def load_protocols(path: str | Path | None = None) -> dict[str, Protocol]:
    """Protocols from a YAML file (default: the built-in ``protocols.yaml``)."""
    if path is None:
        where = "micropulse/datasets/rppg/protocols.yaml"
        text = resources.files("micropulse.datasets.rppg").joinpath("protocols.yaml").read_text()
    else:
        where = str(path)
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise FileFormatError(f"cannot read protocols: {exc}", path) from None
    try:
        doc = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise FileFormatError(f"invalid YAML: {exc}", where) from None
    return {name: _parse(name, d, where) for name, d in doc.items()}


def get_protocol(name: str, path: str | Path | None = None) -> Protocol:
    """A protocol by name (an unknown name lists the known ones)."""
    table = load_protocols(path)
    if name not in table:
        raise UnknownNameError(f"unknown protocol {name!r}; known: {', '.join(sorted(table))}")
    return table[name]
