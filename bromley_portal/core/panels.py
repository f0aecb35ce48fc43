"""Panels that one app contributes to another app's page, without an import between them.

The ambition page, for example, shows the plans and actions that serve the ambition;
``plans`` registers that panel here, so ``ambitions`` never imports ``plans``.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


_providers: dict[str, list[Callable]] = defaultdict(list)


def register_panel(page: str, provider: Callable[..., Panel | None]) -> None:
    """``provider(request, obj)`` returns a Panel for ``obj`` on ``page``, or None."""
    if provider not in _providers[page]:
        _providers[page].append(provider)


def panels_for(page: str, request, obj) -> list[Panel]:
    panels = [provider(request, obj) for provider in _providers[page]]
    return sorted((panel for panel in panels if panel is not None), key=lambda panel: panel.order)


# Linked items: what one app links to another app's objects, for a report --------------


@dataclass(frozen=True)
class LinkedItem:
    """Something another app links to an object (a contract that delivers an action), as a committee
    report prints it: what it is, its reference and title, a line of detail, and its status (a value
    of ``status_set``, rendered by the status tag)."""

    kind: str
    reference: str
    title: str
    detail: str = ""
    status: str = ""
    status_set: str = ""


_linkers: dict[str, list[Callable]] = defaultdict(list)


def register_linked(target: str, provider: Callable) -> None:
    """``provider(ids, as_at)`` returns ``{id: [LinkedItem, ...]}`` for the objects of ``target``
    (e.g. "plans.action") with those ids, in a fixed number of queries however many ids."""
    if provider not in _linkers[target]:
        _linkers[target].append(provider)


def linked_to(target: str, ids, as_at) -> dict[int, list[LinkedItem]]:
    """Every app's linked items for the objects with these ids: one call per registered provider."""
    ids = list(ids)
    result: dict[int, list[LinkedItem]] = defaultdict(list)
    if not ids:
        return result
    for provider in _linkers[target]:
        for key, items in provider(ids, as_at).items():
            result[key].extend(items)
    return result
