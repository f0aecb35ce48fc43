"""The page cache: pages whose figures all come from locked reporting periods are rendered once
and served from the cache (Redis with REDIS_URL, else this process's memory) until something
that could change them is written.

What is cached is a page's own parts (its title, breadcrumbs, main content and page scripts),
never the shell around them: the header with the signed-in person's name and the sign-out
form's CSRF token, the navigation and any messages are rendered afresh for each request
(templates/core/pagecache_shell.html around the stored parts).

A key is made of:
- the generation: a token that changes whenever a model of PAGECACHE_APPS is saved or deleted
  (an amendment, an approval, a period locked or opened, an admin's change, an import's job),
  at once and again when the transaction commits (so a page rendered from the data
  before the commit is never stored under the new token), and whenever a service that writes
  in bulk calls ``bump()``;
- the viewer's scope: what decides what a person may see (their roles, superuser or not, and
  what each app's registered scope provider adds: plans adds the posts whose actions they
  report on and the portfolios they approve), so nobody is served a page made for someone who
  may see more;
- the path and the sorted query string, and today's date (target dates are overdue or not
  by today).

Every cache call is guarded: with the cache down a page is rendered as if nothing were
cached (logged as a warning), never a 500.
"""

import hashlib
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.template.response import TemplateResponse
from django.utils import timezone

from bromley_portal.core.navigation import nav_items, sections_for

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
PARTS = ("title", "head", "before_content", "content", "scripts")
MARK = "<!--pagecache:{}:{}-->"  # the part's name, then "start" or "end"
_MARKED = re.compile(r"<!--pagecache:(\w+):(start|end)-->")
SHELL_TEMPLATE = "core/pagecache_shell.html"

_scope_providers: list[Callable] = []


def register_scope(provider: Callable) -> None:
    """An app adds what decides what a person sees on its pages: ``provider(user)`` returns
    something with a stable ``repr`` (e.g. a sorted tuple of ids). Called from AppConfig.ready().
    It is remembered per person for a generation, so it may read only models whose writes make a new
    generation (PAGECACHE_APPS, PAGECACHE_MODELS)."""
    if provider not in _scope_providers:
        _scope_providers.append(provider)


def _cache():
    return caches[settings.PAGECACHE_ALIAS]


# The generation --------------------------------------------------------------------


def generation() -> str | None:
    """The current generation token, or None if the cache cannot be reached."""
    try:
        cache = _cache()
        token = cache.get(GENERATION_KEY)
        if token is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(GENERATION_KEY)
        return token
    except Exception:
        logger.warning("Page cache unavailable: serving uncached", exc_info=True)
        return None


def _set_new_generation() -> None:
    try:
        _cache().set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # The entries stored under the old token may outlive a write made while the cache was
        # down; they expire after PAGECACHE_SECONDS (logged so an operator can flush the cache).
        logger.error("Page cache unavailable: could not invalidate cached pages", exc_info=True)


def bump() -> None:
    """Everything cached so far is out of date: now, and again when the transaction commits."""
    _set_new_generation()
    transaction.on_commit(_set_new_generation, robust=True)


def _written(sender, **kwargs) -> None:
    label = f"{sender._meta.app_label}.{sender.__name__}"
    if sender._meta.app_label not in settings.PAGECACHE_APPS and label not in settings.PAGECACHE_MODELS:
        return
    if label in settings.PAGECACHE_IGNORED_MODELS:
        return
    bump()


def connect_signals() -> None:
    """Called once from the core's AppConfig.ready(). Bulk writes (COPY, bulk_create, bulk_update) send no
    save signals: core.bulk, which makes them all, sends ``bulk_written``, read with the same rule as a save."""
    from bromley_portal.core.bulk import bulk_written

    for signal in (post_save, post_delete, m2m_changed, bulk_written):
        signal.connect(_written, dispatch_uid=f"pagecache-{id(signal)}")


# Keys -------------------------------------------------------------------------------


def _groups(user) -> tuple:
    if not hasattr(user, "_group_names_cache"):  # the cache django-rules' is_group_member reads and fills
        user._group_names_cache = set(user.groups.values_list("name", flat=True))
    return tuple(sorted(user._group_names_cache))


def _extra_scope(user) -> tuple:
    return tuple(provider(user) for provider in _scope_providers)


def viewer_scope(user, extra=None) -> str:
    """What decides what this person may see, as text. ``extra`` is what the apps' scope providers
    say, if already known (remembered for the generation: posts and delegations are the apps' models,
    so a change to them makes a new generation); the roles are read for each request (they are not)."""
    if not user.is_authenticated:
        return "anonymous"
    extra = _extra_scope(user) if extra is None else extra
    return repr((_groups(user), bool(user.is_superuser), extra))


def page_key(request, token: str, extra=None) -> str:
    query = sorted((key, value) for key, values in request.GET.lists() for value in values)
    scope = viewer_scope(request.user, extra)
    text = repr((token, scope, request.path, query, timezone.localdate().isoformat()))
    return "pagecache:page:" + hashlib.sha256(text.encode()).hexdigest()


def _memo_key(token: str, name: str) -> str:
    return "pagecache:memo:" + hashlib.sha256(repr((token, name)).encode()).hexdigest()


# Storing and serving -------------------------------------------------------------------


def split_parts(html: str) -> tuple[dict[str, str] | None, str]:
    """The marked parts of a rendered page, and the page without its marks. None if a part is
    missing or the page carries a CSRF token in its own parts (a form that must not be shared)."""
    parts: dict[str, str] = {}
    for name in PARTS:
        start, end = MARK.format(name, "start"), MARK.format(name, "end")
        if html.count(start) != 1 or html.count(end) != 1:
            return None, _MARKED.sub("", html)
        parts[name] = html[html.index(start) + len(start) : html.index(end)]
    if any("csrfmiddlewaretoken" in part for part in parts.values()):
        return None, _MARKED.sub("", html)
    return parts, _MARKED.sub("", html)


class PageCacheMixin:
    """For a view rendering a TemplateResponse on GET whose page may be cached when
    ``page_is_cacheable()`` says so. A cached page is never out of date whatever it shows, since
    every write to what pages show makes a new generation; what a view chooses is whether caching
    pays: pages of locked periods (which change only by an amendment) and the actions list (the
    most read page) are cached, pages of open periods being written to all day are not. Permission
    checks run first (the mixin comes after LoginRequiredMixin/PermissionRequiredMixin in dispatch)."""

    def page_is_cacheable(self) -> bool:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        if not getattr(settings, "PAGECACHE_ENABLED", True) or "_export" in request.GET:
            return super().get(request, *args, **kwargs)
        if len(get_messages(request)):  # messages are shown once: render the page as usual
            return super().get(request, *args, **kwargs)
        try:
            parts, key, nav = self._cached_parts(request)
        except Exception:
            logger.warning("Page cache unavailable: serving uncached", exc_info=True)
            return super().get(request, *args, **kwargs)
        if key is None:
            return super().get(request, *args, **kwargs)
        if parts is not None:
            context = {"pagecache": parts, "portal_nav": nav_items(request, nav)}
            response = TemplateResponse(request, SHELL_TEMPLATE, context)
            response["X-Page-Cache"] = "hit"
            return response
        request.pagecache_marks = True
        response = super().get(request, *args, **kwargs)
        if isinstance(response, TemplateResponse) and response.status_code == 200:
            response.add_post_render_callback(lambda rendered: _store(rendered, key))
        return response

    def _cached_parts(self, request) -> tuple[dict | None, str | None, list | None]:
        """(the cached parts or None, the page's key, the navigation's sections), or a None key when
        the page is not to be cached. What is remembered for the generation (whether the page is a
        locked period's, the viewer's posts, the navigation's sections this person may use: their
        permission checks cost queries) is read in one go, so a hit costs three cache reads and no
        query but the session's user and their roles. People's roles are read for each request and
        are in every key; a change to their permissions is a new generation (PAGECACHE_MODELS)."""
        cache = _cache()
        token = generation()
        if token is None:
            return None, None, None
        user = request.user
        query = sorted((key, value) for key, values in request.GET.lists() for value in values)
        locked_key = _memo_key(token, ("locked", type(self).__name__, request.path, query))
        scope_key = _memo_key(token, ("scope", user.pk))
        nav_key = _memo_key(token, ("nav", user.pk, _groups(user), user.is_superuser, user.is_active))
        memo = cache.get_many([locked_key, scope_key, nav_key])
        if locked_key not in memo:
            memo[locked_key] = bool(self.page_is_cacheable())
            cache.set(locked_key, memo[locked_key], timeout=settings.PAGECACHE_SECONDS)
        if not memo[locked_key]:
            return None, None, None
        if scope_key not in memo and user.is_authenticated:
            memo[scope_key] = _extra_scope(user)
            cache.set(scope_key, memo[scope_key], timeout=settings.PAGECACHE_SECONDS)
        key = page_key(request, token, memo.get(scope_key))
        parts = cache.get(key)
        if parts is not None and nav_key not in memo and user.is_authenticated:
            memo[nav_key] = [section.url_name for section in sections_for(user)]
            cache.set(nav_key, memo[nav_key], timeout=settings.PAGECACHE_SECONDS)
        return parts, key, memo.get(nav_key)


def _store(response, key: str) -> None:
    parts, html = split_parts(response.content.decode(response.charset))
    response.content = html
    response["X-Page-Cache"] = "miss"
    if parts is None:
        return
    try:
        _cache().set(key, parts, timeout=settings.PAGECACHE_SECONDS)
    except Exception:
        logger.warning("Page cache unavailable: page not stored", exc_info=True)
