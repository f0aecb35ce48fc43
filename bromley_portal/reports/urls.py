from django.urls import path

from bromley_portal.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.ReportIndexView.as_view(), name="index"),
    path("new/<slug:name>/", views.RequestReportView.as_view(), name="request"),
    path("<int:pk>/", views.JobView.as_view(), name="job"),
    path("<int:pk>/status/", views.JobStatusView.as_view(), name="job_status"),
    path("<int:pk>/download/", views.DownloadView.as_view(), name="download"),
    path("<int:pk>/html/", views.HtmlVersionView.as_view(), name="html"),
    path("<int:pk>/retry/", views.RetryView.as_view(), name="retry"),
    path("<int:pk>/publish/", views.PublishView.as_view(), name="publish"),
]
