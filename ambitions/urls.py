from django.urls import path

from ambitions import views

app_name = "ambitions"

urlpatterns = [
    path("", views.StrategyView.as_view(), name="strategy"),
    path("ambitions/<int:number>/", views.AmbitionView.as_view(), name="ambition"),
]
