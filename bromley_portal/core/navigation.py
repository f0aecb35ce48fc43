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
    """The sections this person may use; the one whose address is the longest prefix of this page is current."""
    sections = [(section, section.url) for section in sections_for(request.user)]
    matches = [
        url for _, url in sections if request.path == url or (url != "/" and request.path.startswith(url))
    ]
    current = max(matches, key=len, default=None)
    return [NavItem(section.label, url, url == current, section.description) for section, url in sections]
