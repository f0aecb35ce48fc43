from django.urls import path

from complaints import import_views, report_views, views

app_name = "complaints"

urlpatterns = [
    path("", views.CaseloadView.as_view(), name="caseload"),
    path("new/", views.LogComplaintView.as_view(), name="log"),
    path("<int:pk>/", views.ComplaintView.as_view(), name="complaint"),
    path("<int:pk>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("<int:pk>/extend/", views.ExtendView.as_view(), name="extend"),
    path("<int:pk>/aspects/<int:aspect_pk>/", views.RespondView.as_view(), name="respond"),
    path("<int:pk>/close/", views.CloseView.as_view(), name="close"),
    path("<int:pk>/escalate/", views.EscalateView.as_view(), name="escalate"),
    path("import/", import_views.ComplaintImportView.as_view(), name="import"),
    path("import/confirm/", import_views.ComplaintImportConfirmView.as_view(), name="import_confirm"),
    path("statistics/", views.DashboardView.as_view(), name="dashboard"),
    path("statistics/divisions/<int:pk>/", views.DivisionDashboardView.as_view(), name="dashboard_division"),
    path("statistics/complaints/", views.AnonymisedComplaintListView.as_view(), name="statistics_cases"),
    # The Annual Complaints Report's words per year (complaints/report_views.py).
    path("annual-report/<str:year>/", report_views.ReportTextView.as_view(), name="report_text"),
    path(
        "annual-report/<str:year>/text/<slug:section>/",
        report_views.NarrativeView.as_view(),
        name="report_narrative",
    ),
    path(
        "annual-report/<str:year>/chapter/<int:division>/",
        report_views.ChapterNarrativeView.as_view(),
        name="report_chapter",
    ),
    path(
        "annual-report/<str:year>/code/<slug:provision>/",
        report_views.SelfAssessmentView.as_view(),
        name="report_self_assessment",
    ),
]
