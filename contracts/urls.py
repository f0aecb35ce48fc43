from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract_list"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="contract"),
    path("<int:pk>/commentary/", views.ContractCommentaryView.as_view(), name="commentary"),
    path("kpi-duty/", views.KPIDutyView.as_view(), name="kpi_duty"),
    path("portfolios/<str:code>/", views.PortfolioRegisterView.as_view(), name="portfolio_register"),
]
