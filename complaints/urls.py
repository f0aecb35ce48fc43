from django.urls import path

from complaints import views

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
]
