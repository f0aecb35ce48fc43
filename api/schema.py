"""What the OpenAPI schema says of the API's own pieces: the bearer token, and the pages' filtersets'
filters whose type drf-spectacular cannot guess (they take ids)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from plans.filters import ActionFilterSet


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token made on your account page (API tokens): bp_…",
        }


class ActionFilters(ActionFilterSet):
    """The actions page's filterset, unchanged; only its method filters that take an id say so."""

    @extend_schema_field(OpenApiTypes.INT)
    def filter_period(self, queryset, name, period):
        return super().filter_period(queryset, name, period)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_lead(self, queryset, name, post):
        return super().filter_lead(queryset, name, post)
