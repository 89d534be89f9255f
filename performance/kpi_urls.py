"""Pages of the team KPI dashboard, under /kpis/."""

from django.urls import path

from . import views_kpis

urlpatterns = [
    path("", views_kpis.kpi_dashboard, name="kpi-dashboard"),
    path("market/", views_kpis.kpi_market, name="kpi-market"),
    path("conversations/", views_kpis.kpi_conversations, name="kpi-conversations"),
    path("export.csv", views_kpis.kpi_export_csv, name="kpi-export-csv"),
    path("export.xlsx", views_kpis.kpi_export_xlsx, name="kpi-export-xlsx"),
]
