"""Forms of the onboarding pages: they parse what the agent or reviewer posts; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from supportops.models import Agent

from .models import Question, QuestionKind
from .services.progress import EVIDENCE_EXTENSIONS


class QuizAnswersForm(forms.Form):
    """The answers to one quiz attempt: a field per question, in the attempt's order, choices without the key."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            name = f"q{question.pk}"
            choices = [(choice.pk, choice.text) for choice in question.choices.all()]
            if question.kind == QuestionKind.SHORT_TEXT:
                self.fields[name] = forms.CharField(
                    label=question.text, required=False, widget=forms.Textarea(attrs={"rows": 3})
                )
            elif question.kind == QuestionKind.MULTIPLE:
                self.fields[name] = forms.TypedMultipleChoiceField(
                    label=question.text, choices=choices, coerce=int, required=False,
                    widget=forms.CheckboxSelectMultiple,
                )  # fmt: skip
            else:
                self.fields[name] = forms.TypedChoiceField(
                    label=question.text, choices=choices, coerce=int, required=False, widget=forms.RadioSelect
                )

    def answers(self) -> list[dict[str, Any]]:
        """The answers as the quiz service takes them: question id with chosen choice ids or a text."""
        result: list[dict[str, Any]] = []
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if question.kind == QuestionKind.SHORT_TEXT:
                result.append({"question": question.pk, "text": value or ""})
            elif question.kind == QuestionKind.MULTIPLE:
                result.append({"question": question.pk, "choice_ids": list(value or [])})
            else:
                result.append({"question": question.pk, "choice_ids": [value] if value not in (None, "") else []})
        return result


class ShadowingForm(forms.Form):
    """A shadowing session: who was shadowed, when, for how long."""

    tenured_agent = forms.ModelChoiceField(queryset=Agent.objects.none(), label="Tenured agent")
    started_at = forms.DateTimeField(
        label="Started", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=12 * 60)
    notes = forms.CharField(label="Notes", required=False)

    def __init__(self, *args: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tenured_agent"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = colleagues


class TaskSubmissionForm(forms.Form):
    """Evidence for a practical task: a text, a link and/or a file (at least one)."""

    text = forms.CharField(label="What you did", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    link = forms.URLField(label="Link", required=False, assume_scheme="https")
    file = forms.FileField(label="File", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        field.help_text = f"Up to {settings.ONBOARDING_EVIDENCE_MAX_MB} MB: PDF, images, text, office documents."
        field.widget.attrs["accept"] = ",".join(f".{extension}" for extension in sorted(EVIDENCE_EXTENSIONS))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("text", "").strip() or cleaned.get("link") or cleaned.get("file")):
            raise forms.ValidationError("Add a text, a link or a file as evidence.")
        return cleaned


class TaskReviewForm(forms.Form):
    """A reviewer's verdict on practical-task evidence; feedback goes to the agent, the private note does not."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("return", "Return with feedback")])
    feedback = forms.CharField(label="Feedback for the agent", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    private_note = forms.CharField(
        label="Private note (reviewers only)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class GradeForm(forms.Form):
    """Points for a short-text quiz answer, with a comment for the agent."""

    points = forms.FloatField(label="Points", min_value=0)
    comment = forms.CharField(label="Comment", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SignOffForm(forms.Form):
    """A manager's sign-off notes."""

    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
