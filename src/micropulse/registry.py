"""One small registry type, used by every family of methods, models, backends, datasets and tasks.

The vocabulary is the same in every family (torchvision style):

* ``list_<family>()`` -> the sorted registered names (``list_methods()``, ``list_models()``...);
* ``get_<thing>(name)`` -> the registered entry itself, nothing built (a method, a recipe, a model spec);
* ``create_<thing>(name, ...)`` -> a new object built from the entry (a model, a face backend, a task).

An unknown name raises :class:`~micropulse.errors.UnknownNameError` listing the known names.

The fill pattern is the same everywhere too: an entry registers itself with the family's decorator in
its own module (``@METHODS.register("pos")``) and the family's package imports its entry modules, or the
family's registry names the entry as a ``"module:attribute"`` string (:meth:`Registry.register_lazy`)
that is imported on first use — the form used for entries whose code needs torch, so listing names
never imports torch. A registry module never imports its entries, so registries make no import cycles.

:data:`FAMILIES` lists every family a user can list, each by the ``list_*`` function that answers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Generic, TypeVar

from micropulse.errors import UnknownNameError

T = TypeVar("T")


def resolve(target: str) -> object:
    """Import ``"package.module:attribute"`` and return the attribute."""
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        raise ValueError(f"a lazy registry target is 'module:attribute', got {target!r}")
    return getattr(importlib.import_module(module), attr)


class _Lazy:
    """A registry entry given as ``"module:attribute"``, imported on first :meth:`Registry.get`."""

    __slots__ = ("target",)

    def __init__(self, target: str) -> None:
        self.target = target


class Registry(Generic[T]):
    """A named mapping ``name -> object`` with a decorator to register entries.

    >>> methods: Registry[Callable] = Registry("rPPG method")
    >>> @methods.register("green")
    ... def green(rgb, fs): ...
    >>> methods.get("green") is green
    True

    Names are case-insensitive. ``aliases`` are extra names accepted by :meth:`get` but not listed by
    :meth:`names` (``"me-tst-plus"`` for ``"me-tst+"``).
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T | _Lazy] = {}
        self._aliases: dict[str, str] = {}

    def _add(self, key: str, obj: T | _Lazy, aliases: Iterable[str]) -> None:
        old = self._entries.get(key)
        same = old is obj or (
            isinstance(old, _Lazy) and isinstance(obj, _Lazy) and old.target == obj.target
        )
        if old is not None and not same:
            raise ValueError(f"{self.kind} {key!r} is registered twice")
        self._entries[key] = obj
        for alias in aliases:
            a = alias.lower()
            if a in self._entries or self._aliases.get(a, key) != key:
                raise ValueError(f"{self.kind} alias {a!r} is already taken")
            self._aliases[a] = key

    def register(self, name: str, *, aliases: Iterable[str] = ()) -> Callable[[T], T]:
        """Decorator registering an object under ``name`` (and ``aliases``)."""
        key = name.lower()

        def deco(obj: T) -> T:
            self._add(key, obj, aliases)
            return obj

        return deco

    def register_lazy(self, name: str, target: str, *, aliases: Iterable[str] = ()) -> None:
        """Register ``"module:attribute"`` under ``name``; the module is imported on first :meth:`get`."""
        self._add(name.lower(), _Lazy(target), aliases)

    def canonical(self, name: str) -> str:
        """The registered name for ``name`` or one of its aliases; unknown names list the known ones."""
        key = str(name).lower()
        key = self._aliases.get(key, key)
        if key not in self._entries:
            known = ", ".join(self.names()) or "(none)"
            also = f" (also accepted: {', '.join(sorted(self._aliases))})" if self._aliases else ""
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {known}{also}")
        return key

    def get(self, name: str) -> T:
        """The entry registered as ``name`` (or an alias); a lazy entry is imported now."""
        key = self.canonical(name)
        obj = self._entries[key]
        if isinstance(obj, _Lazy):
            obj = resolve(obj.target)  # type: ignore[assignment]
            self._entries[key] = obj
        return obj  # type: ignore[return-value]

    def names(self) -> list[str]:
        """Registered names, sorted (aliases not included)."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = name.lower()
        return key in self._entries or key in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)


#: Every family a user can list: family -> the ``"module:function"`` returning its sorted names (or the
#: ``"module:MAPPING"`` keyed by them). Targets are imported only when asked, so this table costs nothing
#: and links no packages.
FAMILIES: dict[str, str] = {
    "methods": "micropulse.rppg.classic:list_methods",
    "video-methods": "micropulse.rppg.classic:list_trace_methods",
    "models": "micropulse.rppg.deep.registry:list_models",
    "weights": "micropulse.rppg.deep.catalog:list_weights",
    "me-models": "micropulse.me.models:list_models",
    "datasets": "micropulse.datasets:list_datasets",
    "me-datasets": "micropulse.datasets.me:list_datasets",
    "recipes": "micropulse.signals.recipes:list_recipes",
    "hr-methods": "micropulse.signals.hr:list_hr_methods",
    "face-backends": "micropulse.face:list_backends",
    "flows": "micropulse.me.flow:list_flows",
    "decoders": "micropulse.me.infer:list_decoders",
    "tasks": "micropulse.train.task:list_tasks",
    "crops": "micropulse.face.geometry:CONVENTIONS",
}


def list_families() -> list[str]:
    """Names of the families :func:`list_names` answers for."""
    return sorted(FAMILIES)


def list_names(family: str) -> list[str]:
    """The registered names of a family (``"methods"``, ``"models"``...); imports that family only."""
    try:
        target = FAMILIES[str(family).lower()]
    except KeyError:
        raise UnknownNameError(
            f"unknown family {family!r}; known: {', '.join(list_families())}"
        ) from None
    found = resolve(target)
    return sorted(found) if isinstance(found, Mapping) else list(found())  # type: ignore[operator]
