from django.urls import path

from plans import import_views, views

app_name = "plans"

urlpatterns = [
    path("", views.PortfolioPlanListView.as_view(), name="plan_list"),
    path("actions/", views.ActionListView.as_view(), name="action_list"),
    path("actions/<int:pk>/", views.ActionDetailView.as_view(), name="action"),
    path(
        "actions/<int:action_pk>/updates/<int:period_pk>/", views.QuarterlyUpdateView.as_view(), name="update"
    ),
    path("actions/<int:pk>/reopen/<int:period_pk>/", views.ReopenActionView.as_view(), name="reopen_action"),
    path("my-actions/", views.MyActionsView.as_view(), name="my_actions"),
    path("approvals/e-mail/", views.MailPreferenceView.as_view(), name="mail_preferences"),
    path("approvals/", views.ApprovalQueueView.as_view(), name="approvals"),
    path("approvals/<int:pk>/", views.ApprovalView.as_view(), name="approval"),
    path("approvals/approve-green/", views.ApproveGreenView.as_view(), name="approve_green"),
    path("updates/<int:pk>/approve/", views.ApproveUpdateView.as_view(), name="approve"),
    path("updates/<int:pk>/return/", views.ReturnUpdateView.as_view(), name="return"),
    path("updates/<int:pk>/amend/", views.AmendUpdateView.as_view(), name="amend"),
    path("periods/", views.PeriodListView.as_view(), name="periods"),
    path("periods/<int:pk>/", views.PeriodDetailView.as_view(), name="period"),
    path("periods/<int:pk>/open/", views.PeriodMoveView.as_view(move="open"), name="open_period"),
    path("periods/<int:pk>/lock/", views.PeriodMoveView.as_view(move="lock"), name="lock_period"),
    path("import/", import_views.PlanImportView.as_view(), name="import"),
    path("import/confirm/", import_views.PlanImportConfirmView.as_view(), name="import_confirm"),
    path("import/<int:pk>/", views.PlanImportJobView.as_view(), name="import_job"),
    path(
        "import/<int:pk>/confirm/", import_views.PlanImportJobConfirmView.as_view(), name="import_job_confirm"
    ),
    path("dashboards/", views.CorporateOverviewView.as_view(), name="dashboard"),
    path(
        "dashboards/ambitions/<int:number>/", views.AmbitionDashboardView.as_view(), name="dashboard_ambition"
    ),
    path(
        "dashboards/portfolios/<str:code>/",
        views.PortfolioDashboardView.as_view(),
        name="dashboard_portfolio",
    ),
    path("dashboards/measures/<slug:slug>/", views.MeasureView.as_view(), name="measure"),
    # Last: a plan's address is two free words (portfolio code and year), so it must not shadow the others.
    path("<str:portfolio>/<str:year>/", views.PortfolioPlanDetailView.as_view(), name="plan"),
    path("<str:portfolio>/<str:year>/export/", views.PlanExportView.as_view(), name="plan_export"),
]
