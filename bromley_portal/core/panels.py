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
