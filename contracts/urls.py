from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract_list"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="contract"),
    path("<int:pk>/commentary/", views.ContractCommentaryView.as_view(), name="commentary"),
    path("mine/", views.MyContractsView.as_view(), name="my_contracts"),
    path("approvals/", views.ApproverQueueView.as_view(), name="approvals"),
    path("procurement/", views.ProcurementScreenView.as_view(), name="procurement"),
    path("<int:pk>/comment/", views.OwnerCommentView.as_view(), name="owner_comment"),
    path("<int:pk>/procurement/", views.ProcurementView.as_view(), name="procurement_status"),
    path("<int:pk>/vouch/", views.VouchView.as_view(), name="vouch"),
    path("kpi-duty/", views.KPIDutyView.as_view(), name="kpi_duty"),
    path("import/", views.ContractImportView.as_view(), name="import"),
    path("import/confirm/", views.ContractImportConfirmView.as_view(), name="import_confirm"),
    path("portfolios/<str:code>/", views.PortfolioRegisterView.as_view(), name="portfolio_register"),
]
