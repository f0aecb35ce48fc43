"""Demo data that apps load for the one-command portal (``manage.py setup_demo``).

The core knows no domain app: each app registers a loader in its ``AppConfig.ready()``::

    register_demo_data("Portfolio plans", load_demo_data, order=20)

``setup_demo`` creates the demo people first (so loaders can give them posts), then
calls each loader in ``order`` (then label), as ``loader(stdout)``. A loader writes a
line for what it loads, and must be safe to run again: a second run changes nothing
that is already there.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoData:
    label: str  # printed as "Loading <label> ..."
    loader: Callable  # loader(stdout): stdout has write(str), like a management command's
    order: int = 100


_loaders: dict[str, DemoData] = {}


def register_demo_data(label: str, loader: Callable, order: int = 100) -> None:
    """Register (or replace) the loader for ``label``; lower ``order`` loads first."""
    _loaders[label] = DemoData(label, loader, order)


def demo_data() -> list[DemoData]:
    """The registered loaders in the order they run."""
    return sorted(_loaders.values(), key=lambda item: (item.order, item.label))
