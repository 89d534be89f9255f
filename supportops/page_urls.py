"""URLs of the pages people use (the subagent building pages fills this in)."""

from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import TemplateView

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", TemplateView.as_view(template_name="supportops/home.html"), name="home"),
    path("teams/", TemplateView.as_view(template_name="supportops/home.html"), name="team-list"),
    path("agents/", TemplateView.as_view(template_name="supportops/home.html"), name="agent-list"),
    path("conversations/", TemplateView.as_view(template_name="supportops/home.html"), name="conversation-list"),
]
