"""The page edit form with the compliance gate: "publish" is refused with a form error while
blocking findings are not covered by a reviewer's certificate; "save draft" works unless the
page holds more links than the check reads (`cms.compliance.page.check_link_budget`)."""

from __future__ import annotations

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm

CERTIFICATE_FIELD = "ad_review_certificate"
VALID_UNTIL_FIELD = "ad_review_valid_until"
CONFIRM_FIELD = "ad_review_confirm"
CONFIRM_REQUIRED = "记录或更改医疗广告审查证明时，须勾选确认已审查当前内容"
FALSE_MATCH_HELP = (
    "我已审查本页当前的全部内容，确认上面阻止发布的问题属于误报（科普等非广告页面不填写审查证明"
    "文号；仅审查人员）"
)
NOT_AN_AD_CERTIFICATE_HELP = "仅落地页、转化文章填写；科普文章、视频等非广告页面留空"


def _is_ad(obj) -> bool:
    from cms.compliance.gate import is_medical_ad

    return is_medical_ad(obj)


class ComplianceFormMixin(forms.Form):
    """The gate's part of an ad's edit form (a page, or a service package through
    `funnel.ad_gate`): the reviewer's certificate fields and confirmation, the check of what
    was typed, and 发布 refused while the gate refuses."""

    # Recording a certificate is a deliberate act of the reviewer, never a side effect of
    # saving or publishing: it binds the certificate to the text as it is now (review of
    # issue 17: a reviewer's — or a superuser's — plain save re-stamped an old certificate
    # onto new text, and an approved ad went live with a claim nobody reviewed).
    ad_review_confirm = forms.BooleanField(
        label="确认审查",
        required=False,
        help_text="我已审查本页当前的全部内容，为其记录上面的医疗广告审查证明（仅审查人员）",
    )

    def __init__(self, *args, **kwargs):
        from cms.compliance.gate import current_review_record, is_reviewer

        instance = kwargs.get("instance")
        if instance is not None:
            # before the form reads its initial values: a revert's old revision shows and
            # keeps the current certificate, never the one it carried (`current_review_record`)
            current_review_record(instance)
        super().__init__(*args, **kwargs)

        self.user_is_reviewer = is_reviewer(self.for_user)
        if not _is_ad(self.instance) and CONFIRM_FIELD in self.fields:
            # A page that is no medical ad takes no certificate (`gate.NOT_AN_AD_NO_CERTIFICATE`):
            # the reviewer's confirmation there rules its blocking findings false matches.
            self.fields[CONFIRM_FIELD].help_text = FALSE_MATCH_HELP
            if CERTIFICATE_FIELD in self.fields:
                self.fields[CERTIFICATE_FIELD].help_text = NOT_AN_AD_CERTIFICATE_HELP
        for name in (CERTIFICATE_FIELD, VALID_UNTIL_FIELD, CONFIRM_FIELD):
            field = self.fields.get(name)
            if field is not None and not self.user_is_reviewer:
                # A disabled field ignores whatever is posted: a non-reviewer cannot set it.
                field.disabled = True

    @property
    def is_publishing(self) -> bool:
        return "action-publish" in self.data

    def clean_ad_review_certificate(self) -> str:
        from cms.compliance.gate import certificate_is_valid

        value = (self.cleaned_data.get(CERTIFICATE_FIELD) or "").strip()
        if value and self.user_is_reviewer and not certificate_is_valid(value):
            raise forms.ValidationError(
                "医疗广告审查证明文号格式不正确，如：（京）医广【2026】第01-23-001号"
            )
        return value

    def clean(self):
        from cms.compliance.gate import (
            VALID_UNTIL_REQUIRED,
            certificate_year_error,
            valid_until_error,
        )

        cleaned = super().clean()
        if not self.user_is_reviewer or VALID_UNTIL_FIELD not in self.fields:
            return cleaned
        certificate = cleaned.get(CERTIFICATE_FIELD)
        value = cleaned.get(VALID_UNTIL_FIELD)
        if (
            not certificate
            or self.has_error(CERTIFICATE_FIELD)
            or self.has_error(VALID_UNTIL_FIELD)
            or not _is_ad(self.instance)  # a number there is refused whatever its date
        ):
            return cleaned
        # 《医疗广告管理办法》第十三条: the certificate prints its validity; we record that
        # date, never one of our own. An unchanged date of an earlier certificate that has
        # since passed is the gate's business (refused as expired), not a typo.
        error = valid_until_error(value)
        if error and (error == VALID_UNTIL_REQUIRED or VALID_UNTIL_FIELD in self.changed_data):
            self.add_error(VALID_UNTIL_FIELD, error)
        elif {CERTIFICATE_FIELD, VALID_UNTIL_FIELD} & set(self.changed_data):
            if year_error := certificate_year_error(certificate, value):
                self.add_error(CERTIFICATE_FIELD, year_error)
        return cleaned

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        if getattr(self, "_compliance_done", False):
            return not self.non_field_errors()
        self._compliance_done = True
        from cms.compliance.gate import VALID_UNTIL_REQUIRED, certificate_apply, publish_decision
        from cms.compliance.page import check_link_budget, check_page, check_text_budget
        from config.errors import ApplicationError

        # _post_clean has copied the cleaned fields onto self.instance: check what was typed.
        page = self.instance
        # Tags and child rows (InlinePanel) reach the instance only in save(); until then it
        # holds the draft's, and a tag removed in the form was still refused at 发布
        # (twenty-third verification A). modelcluster applies both in memory, without a
        # database write, and save() applying them again replaces the same rows.
        if hasattr(self, "save_cluster_m2m"):  # a ClusterForm (Wagtail's admin forms are)
            self.save_cluster_m2m()
        for formset in getattr(self, "formsets", {}).values():
            formset.instance = page
            formset.save(commit=False)
        try:
            # a page with thousands of links is refused before they are read (minutes)
            check_link_budget(page)
            # and a page with more text than a request reads (minutes: round 33)
            check_text_budget(page)
        except ApplicationError as exc:
            self.add_error(None, exc.message)
            return False
        report = check_page(page)
        # what a draft save tells the editor (a package's editor shows it; pages have hooks)
        self.compliance_problems = [f"“{f.text}”（{f.reference}）" for f in report.blocking]
        if self.user_is_reviewer and CERTIFICATE_FIELD in self.fields and not _is_ad(page):
            # judged on what was posted: an article switched to 转化 in this save is an ad
            if not self._false_match_record(page, report):
                return False
        elif self.user_is_reviewer and CERTIFICATE_FIELD in self.fields:
            certificate = self.cleaned_data.get(CERTIFICATE_FIELD, "")
            typed = {CERTIFICATE_FIELD, VALID_UNTIL_FIELD} & set(self.changed_data)
            if self.cleaned_data.get(CONFIRM_FIELD) or (typed and not certificate):
                if certificate and self.cleaned_data.get(VALID_UNTIL_FIELD) is None:
                    # a page that became an ad in this very save skipped `clean`'s check
                    self.add_error(VALID_UNTIL_FIELD, VALID_UNTIL_REQUIRED)
                    return False
                if certificate and self._wrote_it(page):
                    return False
                if certificate and not self._certificate_available(page, certificate):
                    return False
                # The reviewer confirms: the certificate vouches for what the page shows now
                # (or, the number emptied, the page has none).
                certificate_apply(
                    page=page,
                    user=self.for_user,
                    certificate=certificate,
                    report=report,
                    valid_until=self.cleaned_data.get(VALID_UNTIL_FIELD),
                )
            elif typed:
                self.add_error(CONFIRM_FIELD, CONFIRM_REQUIRED)
                return False
        if self.is_publishing:
            decision = publish_decision(page=page, report=report)
            if not decision.allowed:
                self.add_error(None, decision.message)
                return False
        return True

    def _false_match_record(self, page, report) -> bool:
        """The reviewer's part on a page that is no medical ad: a number typed is refused;
        the confirmation rules the blocking findings false matches (`gate.false_match_apply`);
        the number of an earlier certificate emptied clears what was recorded."""
        from cms.compliance.gate import (
            NOT_AN_AD_NO_CERTIFICATE,
            certificate_apply,
            false_match_apply,
        )

        certificate = self.cleaned_data.get(CERTIFICATE_FIELD, "")
        typed = {CERTIFICATE_FIELD, VALID_UNTIL_FIELD} & set(self.changed_data)
        if certificate and CERTIFICATE_FIELD in self.changed_data:
            self.add_error(CERTIFICATE_FIELD, NOT_AN_AD_NO_CERTIFICATE)
            return False
        if self.cleaned_data.get(CONFIRM_FIELD):
            if self._wrote_it(page):
                return False
            false_match_apply(page=page, user=self.for_user, report=report)
        elif typed and not certificate:
            certificate_apply(page=page, user=self.for_user, certificate="", report=report)
        return True

    def _wrote_it(self, page) -> bool:
        """Whether the reviewer wrote the text she confirms (in this save or her last one):
        a form error then, another reviewer confirms (`gate.reviewer_wrote_it`)."""
        from cms.compliance.gate import SELF_REVIEW, reviewer_wrote_it

        if reviewer_wrote_it(page, self.for_user, form=True):
            self.add_error(CONFIRM_FIELD if CONFIRM_FIELD in self.fields else None, SELF_REVIEW)
            return True
        return False

    def _certificate_available(self, page, certificate: str) -> bool:
        """Registers the number to this ad (a saved one) or finds it free (a new one: the
        publication registers it); a number another ad holds is a field error."""
        from django.core.exceptions import ValidationError

        from cms.compliance.gate import CERTIFICATE_TAKEN, certificate_claim, certificate_taken

        if page.pk is None:
            if certificate_taken(obj=page, certificate=certificate):
                self.add_error(CERTIFICATE_FIELD, CERTIFICATE_TAKEN)
                return False
            return True
        try:
            certificate_claim(obj=page, certificate=certificate)
        except ValidationError as error:
            self.add_error(CERTIFICATE_FIELD, error.messages[0])
            return False
        return True


class CompliancePageForm(ComplianceFormMixin, WagtailAdminPageForm):
    """A gated page's edit form (`BasePage.base_form_class`)."""


class ComplianceModelForm(ComplianceFormMixin, WagtailAdminModelForm):
    """A gated snippet's edit form (a service package, registered in `funnel.ad_gate`)."""
