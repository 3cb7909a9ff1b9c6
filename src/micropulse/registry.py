"""One small registry type, used by every family of methods, models, backends and datasets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from micropulse.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """A named mapping ``name -> object`` with a decorator to register entries.

    >>> methods: Registry[Callable] = Registry("rPPG method")
    >>> @methods.register("green")
    ... def green(rgb, fs): ...
    >>> methods.get("green") is green
    True
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        key = name.lower()

        def deco(obj: T) -> T:
            if key in self._entries and self._entries[key] is not obj:
                raise ValueError(f"{self.kind} {key!r} is registered twice")
            self._entries[key] = obj
            return obj

        return deco

    def get(self, name: str) -> T:
        key = str(name).lower()
        try:
            return self._entries[key]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)
