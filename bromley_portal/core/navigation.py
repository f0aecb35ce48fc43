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
    short_label: str = (
        ""  # the navigation's word for it, where the label is long (the home page says it in full)
    )

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool
    description: str
    short_label: str = ""

    @property
    def nav_label(self) -> str:
        return self.short_label or self.label


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


def nav_items(request, url_names=None) -> list[NavItem]:
    """The sections this person may use (``url_names`` if already known: the page cache remembers
    them). The current one is the section the page names (``request.nav_section``, a section's
    url_name, when this person has that section), else the one whose address is the longest prefix
    of this page's."""
    allowed = (
        sections_for(request.user)
        if url_names is None
        else [_sections[name] for name in url_names if name in _sections]
    )
    sections = [(section, section.url) for section in allowed]
    named = getattr(request, "nav_section", None)
    current = next((url for section, url in sections if section.url_name == named), None)
    if current is None:
        matches = [
            url for _, url in sections if request.path == url or (url != "/" and request.path.startswith(url))
        ]
        current = max(matches, key=len, default=None)
    return [
        NavItem(section.label, url, url == current, section.description, section.short_label)
        for section, url in sections
    ]
