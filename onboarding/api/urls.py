"""Routes of the onboarding API, under /api/onboarding/."""

from rest_framework.routers import SimpleRouter

from .certifications import CertificationGrantViewSet, CertificationViewSet
from .cohorts import CohortViewSet
from .curricula import CurriculumVersionViewSet, CurriculumViewSet, ModuleViewSet
from .enrollments import (
    EnrollmentViewSet,
    ModuleProgressViewSet,
    QuizAttemptViewSet,
    ShadowingSessionViewSet,
    TaskSubmissionViewSet,
)

app_name = "onboarding-api"

router = SimpleRouter()
router.register("curricula", CurriculumViewSet, basename="curriculum")
router.register("curriculum-versions", CurriculumVersionViewSet, basename="curriculum-version")
router.register("modules", ModuleViewSet, basename="module")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("progress", ModuleProgressViewSet, basename="progress")
router.register("quiz-attempts", QuizAttemptViewSet, basename="quiz-attempt")
router.register("shadowing-sessions", ShadowingSessionViewSet, basename="shadowing-session")
router.register("task-submissions", TaskSubmissionViewSet, basename="task-submission")
router.register("certifications", CertificationViewSet, basename="certification")
router.register("cohorts", CohortViewSet, basename="cohort")
router.register("certification-grants", CertificationGrantViewSet, basename="certification-grant")

urlpatterns = router.urls
