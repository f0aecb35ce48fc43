"""The complaints team's pages for the Annual Complaints Report's words (issue 13, item 8): a year's page
listing each section's paragraphs and, for years under the Complaint Handling Code, the self-assessment;
a page to change one section's paragraphs, and one to answer one provision of the Code. The report itself
is asked for and read through the report pipeline (complaints.reports). Thin views: complaints.report_text
keeps the rules."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView
from rules.contrib.views import PermissionRequiredMixin

from bromley_portal.core.financial_year import FinancialYear
from complaints import report_text
from complaints.models import Division
from complaints.report_forms import NarrativeForm, SelfAssessmentForm
from complaints.report_text import CodeProvision, NarrativeSection


def _year(text: str) -> FinancialYear:
    try:
        year = FinancialYear.parse(text)
    except ValueError:
        raise Http404("No such financial year") from None
    if not 2000 <= year.start_year <= 2100:
        raise Http404("No such financial year")
    return year


class YearMixin(PermissionRequiredMixin):
    permission_required = "complaints.edit_report_text"

    @property
    def year(self) -> FinancialYear:
        return _year(self.kwargs["year"])

    def year_url(self) -> str:
        return reverse("complaints:report_text", args=[self.year.label])

    def get_context_data(self, **kwargs):
        kwargs["year"] = self.year  # the address's text becomes the year it names
        kwargs["year_url"] = self.year_url()
        return super().get_context_data(**kwargs)


class CheckedMixin:
    """Comes after the permission check (YearMixin) in the views' order: ``check()`` raises Http404 for
    an address that names nothing, once the person is known to be allowed."""

    def check(self):
        _year(self.kwargs["year"])

    def dispatch(self, request, *args, **kwargs):
        self.check()
        return super().dispatch(request, *args, **kwargs)


class ReportTextView(YearMixin, CheckedMixin, TemplateView):
    template_name = "complaints/report_text.html"

    def get_context_data(self, **kwargs):
        year = self.year
        kept = report_text.narratives_for(year)
        sections = [
            (section, kept.get(section))
            for section in NarrativeSection
            if section not in (NarrativeSection.CHAPTER, NarrativeSection.CODE)
            or (section == NarrativeSection.CODE and report_text.code_applies(year))
        ]
        chapters = [
            (d, kept.get((NarrativeSection.CHAPTER, d.pk))) for d in Division.objects.order_by("order")
        ]
        under_code = report_text.code_applies(year)
        return super().get_context_data(
            sections=sections,
            chapters=chapters,
            under_code=under_code,
            assessment=report_text.self_assessment_for(year) if under_code else [],
            previous=FinancialYear(year.start_year - 1),
            following=FinancialYear(year.start_year + 1),
            **kwargs,
        )


class NarrativeView(YearMixin, CheckedMixin, FormView):
    template_name = "complaints/report_narrative.html"
    form_class = NarrativeForm

    def check(self):
        section = self.kwargs["section"]
        if section not in NarrativeSection.values or section == NarrativeSection.CHAPTER:
            raise Http404("No such section")
        if section == NarrativeSection.CODE and not report_text.code_applies(_year(self.kwargs["year"])):
            raise Http404("The year is before the Complaint Handling Code")

    @property
    def section(self) -> str:
        return self.kwargs["section"]

    def division(self):
        return None

    def title(self) -> str:
        return NarrativeSection(self.section).label

    def get_initial(self):
        narrative = report_text.ReportNarrative.objects.filter(
            year=self.year.start_year, section=self.section, division=self.division()
        ).first()
        return {"text": narrative.text if narrative else ""}

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title(), **kwargs)

    def form_valid(self, form):
        with transaction.atomic():
            report_text.save_narrative(
                self.request.user,
                self.year,
                self.section,
                form.cleaned_data["text"],
                division=self.division(),
            )
        messages.success(self.request, f"{self.title()}, {self.year.label}: saved.")
        return redirect(self.year_url())


class ChapterNarrativeView(NarrativeView):
    def check(self):
        _year(self.kwargs["year"])
        self._division = get_object_or_404(Division, pk=self.kwargs["division"])

    @property
    def section(self) -> str:
        return NarrativeSection.CHAPTER

    def division(self):
        return self._division

    def title(self) -> str:
        return f"{self._division.name}: the chapter's opening"


class SelfAssessmentView(YearMixin, CheckedMixin, FormView):
    template_name = "complaints/report_self_assessment.html"
    form_class = SelfAssessmentForm

    def check(self):
        if self.kwargs["provision"] not in CodeProvision.values:
            raise Http404("No such provision of the Code")
        if not report_text.code_applies(_year(self.kwargs["year"])):
            raise Http404("The year is before the Complaint Handling Code")

    @property
    def provision(self) -> CodeProvision:
        return CodeProvision(self.kwargs["provision"])

    def get_initial(self):
        row = report_text.CodeSelfAssessment.objects.filter(
            year=self.year.start_year, provision=self.provision
        ).first()
        if row is None or row.compliance == report_text.Compliance.NOT_ASSESSED:
            return {"evidence": row.evidence if row else "", "explanation": row.explanation if row else ""}
        return {"compliance": row.compliance, "evidence": row.evidence, "explanation": row.explanation}

    def get_context_data(self, **kwargs):
        return super().get_context_data(provision=self.provision, **kwargs)

    def form_valid(self, form):
        with transaction.atomic():
            report_text.save_self_assessment(
                self.request.user, self.year, self.provision, **form.cleaned_data
            )
        messages.success(self.request, f"{self.provision.label}, {self.year.label}: saved.")
        return redirect(self.year_url())
