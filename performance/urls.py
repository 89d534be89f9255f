"""Pages of conversation QA, under /qa/."""

from django.urls import include, path

from . import views, views_disputes

urlpatterns = [
    path("", views.qa_home, name="qa-home"),
    path("assignments/<int:pk>/review/", views.assignment_review, name="qa-assignment-review"),
    path("reviews/<int:pk>/", views.review_page, name="qa-review"),
    path("reviews/<int:pk>/save/", views.review_post, name="qa-review-save"),
    path("reviews/<int:pk>/acknowledge/", views.review_acknowledge, name="qa-review-acknowledge"),
    path("reviews/<int:pk>/dispute/", views_disputes.review_dispute, name="qa-review-dispute"),
    path("disputes/", views_disputes.dispute_list, name="qa-disputes"),
    path("disputes/<int:pk>/", views_disputes.dispute_page, name="qa-dispute"),
    path("disputes/<int:pk>/escalate/", views_disputes.dispute_escalate, name="qa-dispute-escalate"),
    path("disputes/<int:pk>/resolve/", views_disputes.dispute_resolve, name="qa-dispute-resolve"),
    path("mine/", views.my_reviews, name="qa-mine"),
    path("mine/self-review/<int:conversation_id>/", views.self_review, name="qa-self-review"),
    path("dashboard/", views.dashboard, name="qa-dashboard"),
    path("calibration/", include("performance.calibration_urls")),
]
