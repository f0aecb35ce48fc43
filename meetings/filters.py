"""Filters for a committee's scrutiny actions."""

import django_filters
from django.db.models import Q

from ambitions.models import Post
from bromley_portal.core.forms import PortalFilterForm
from meetings.choices import ACTION_STATUS_ORDER
from meetings.models import Meeting, ScrutinyAction


class ScrutinyActionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Words in the request or the response"
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=[(member.value, member.short_label) for member in ACTION_STATUS_ORDER],
        empty_label="Any status",
    )
    meeting = django_filters.ModelChoiceFilter(
        label="Meeting it came from", queryset=Meeting.objects.none(), empty_label="Any meeting"
    )
    post = django_filters.ModelChoiceFilter(
        label="Officer responsible", queryset=Post.objects.none(), empty_label="Any post"
    )

    class Meta:
        model = ScrutinyAction
        form = PortalFilterForm
        fields = ["q", "status", "meeting", "post"]

    def __init__(self, *args, committee=None, **kwargs):
        super().__init__(*args, **kwargs)
        meetings = Meeting.objects.filter(committee=committee).select_related("committee")
        self.filters["meeting"].queryset = meetings
        self.form.fields["meeting"].queryset = meetings
        posts = Post.objects.filter(scrutiny_actions__meeting__committee=committee).distinct()
        self.filters["post"].queryset = posts
        self.form.fields["post"].queryset = posts

    def search(self, queryset, name, value):
        for word in value.split()[:10]:
            queryset = queryset.filter(Q(request__icontains=word) | Q(response__icontains=word))
        return queryset
