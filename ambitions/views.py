from django.db.models import Count, Prefetch
from django.http import Http404
from django.views.generic import DetailView
from rules.contrib.views import PermissionRequiredMixin

from ambitions.models import Ambition, KeyStrategy, Strategy
from ambitions.services import current_strategy
from bromley_portal.core.panels import panels_for


class StrategyView(PermissionRequiredMixin, DetailView):
    """The strategy on a page: vision, the five ambitions and the key strategies matrix."""

    permission_required = "ambitions.view_strategy"
    template_name = "ambitions/strategy.html"
    context_object_name = "strategy"

    def get_object(self, queryset=None):
        strategy = current_strategy()
        if strategy is None:
            raise Http404("No strategy has been loaded.")
        return Strategy.objects.prefetch_related(
            Prefetch("ambitions", Ambition.objects.annotate(commitment_count=Count("commitments"))),
            Prefetch("key_strategies", KeyStrategy.objects.prefetch_related("ambitions")),
        ).get(pk=strategy.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ambitions = list(self.object.ambitions.all())
        context["ambitions"] = ambitions
        context["matrix"] = [
            (key_strategy, [ambition in key_strategy.ambitions.all() for ambition in ambitions])
            for key_strategy in self.object.key_strategies.all()
        ]
        return context


class AmbitionView(PermissionRequiredMixin, DetailView):
    permission_required = "ambitions.view_ambition"
    template_name = "ambitions/ambition.html"
    context_object_name = "ambition"

    def get_object(self, queryset=None):
        strategy = current_strategy()
        if strategy is None:
            raise Http404("No strategy has been loaded.")
        try:
            return (
                Ambition.objects.select_related("strategy")
                .prefetch_related("commitments", "outcome_themes", "key_strategies")
                .get(strategy=strategy, number=self.kwargs["number"])
            )
        except Ambition.DoesNotExist:
            raise Http404("There is no ambition with that number.") from None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["commitment_groups"] = self.object.commitment_groups()
        context["panels"] = panels_for("ambition", self.request, self.object)
        return context
