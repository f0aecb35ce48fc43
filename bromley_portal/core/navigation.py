"""The service navigation and the home page's sections.

The core knows no domain app: each app registers its sections in its
``AppConfig.ready()``; a section shows only to people who hold its permission.
"""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    label: str
    url_name: str
    permission: str | None  # a rules permission; None means any signed-in person
    order: int = 100
    description: str = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    description: str


_sections: dict[str, Section] = {}


def register_section(section: Section) -> None:
    _sections[section.url_name] = section


def sections_for(user) -> list[Section]:
    if not user.is_authenticated:
        return []
    return [
        section
        for section in sorted(_sections.values(), key=lambda s: (s.order, s.label))
        if section.permission is None or user.has_perm(section.permission)
    ]


def nav_items(request) -> list[NavItem]:
    items = []
    for section in sections_for(request.user):
        url = section.url
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append(NavItem(section.label, url, active, section.description))
    return items
