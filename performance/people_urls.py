"""Pages of review cycles and improvement plans, under /people/."""

from django.urls import path

from . import views_people

urlpatterns = [
    path("", views_people.people_home, name="people-home"),
    path("reviews/<int:pk>/", views_people.review_page, name="people-review"),
    path("reviews/<int:pk>/answers/", views_people.review_answers, name="people-review-answers"),
    path("reviews/<int:pk>/calibrate/", views_people.review_calibrate, name="people-review-calibrate"),
    path("reviews/<int:pk>/sign/", views_people.review_sign, name="people-review-sign"),
    path("reviews/<int:pk>/print/", views_people.review_print, name="people-review-print"),
    path("cycles/<int:pk>/calibration/", views_people.cycle_calibration, name="people-cycle-calibration"),
    path("plans/<int:pk>/", views_people.plan_page, name="people-plan"),
    path("plans/<int:pk>/check-in/", views_people.plan_check_in, name="people-plan-check-in"),
    path("plans/<int:pk>/close/", views_people.plan_close, name="people-plan-close"),
]
