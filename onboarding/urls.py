"""Onboarding pages, mounted at /onboarding/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.my_onboarding, name="my-onboarding"),
    path("progress/<int:pk>/", views.module_page, name="onboarding-module"),
    path("progress/<int:pk>/complete/", views.lesson_done, name="onboarding-lesson-complete"),
    path("progress/<int:pk>/quiz/", views.quiz_start, name="onboarding-quiz-start"),
    path("progress/<int:pk>/quiz/<int:attempt_pk>/", views.quiz_submit, name="onboarding-quiz-submit"),
    path("progress/<int:pk>/shadowing/", views.shadowing_add, name="onboarding-shadowing"),
    path("progress/<int:pk>/evidence/", views.task_add, name="onboarding-task"),
    path("evidence/<int:pk>/", views.evidence_file, name="onboarding-evidence"),
    path("team/", views.team_dashboard, name="onboarding-team"),
    path("enrollments/<int:pk>/", views.enrollment_page, name="onboarding-enrollment"),
    path("enrollments/<int:pk>/waive/<int:progress_pk>/", views.enrollment_waive, name="onboarding-enrollment-waive"),
    path("enrollments/<int:pk>/withdraw/", views.enrollment_withdraw, name="onboarding-enrollment-withdraw"),
    path("reviews/", views.reviews, name="onboarding-reviews"),
    path("reviews/tasks/<int:pk>/", views.review_task, name="onboarding-review-task"),
    path("reviews/answers/<int:pk>/", views.review_answer, name="onboarding-review-answer"),
    path("reviews/sign-offs/<int:pk>/", views.review_sign_off, name="onboarding-review-sign-off"),
]
