from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.PortfolioPlanListView.as_view(), name="plan_list"),
    path("actions/", views.ActionListView.as_view(), name="action_list"),
    path("actions/<int:pk>/", views.ActionDetailView.as_view(), name="action"),
    path("import/", views.PlanImportView.as_view(), name="import"),
    path("<str:portfolio>/<str:year>/", views.PortfolioPlanDetailView.as_view(), name="plan"),
]
