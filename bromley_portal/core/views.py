from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.http import JsonResponse
from django.views.generic import TemplateView

from bromley_portal.core.models import WorkerHeartbeat
from bromley_portal.core.navigation import sections_for


class HomeView(LoginRequiredMixin, TemplateView):
    """The home page: what this person's roles let them do."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["roles"] = sorted(user.role_names)
        context["sections"] = [s for s in sections_for(user) if s.url_name != "home"]
        return context


class AccessibilityView(TemplateView):
    template_name = "pages/accessibility.html"


def health(request):
    """For load balancers and monitoring: the database answers; when a worker last ran."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    heartbeat = WorkerHeartbeat.objects.first()
    return JsonResponse(
        {"database": "ok", "worker_last_seen": heartbeat.last_seen.isoformat() if heartbeat else None}
    )
