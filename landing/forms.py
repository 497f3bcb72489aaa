"""The landing lead form. Only shape and field validation here; guards and ingest are services."""

from __future__ import annotations

from django import forms

from config.errors import ApplicationError
from funnel.services.identity import phone_normalize
from funnel.textclean import controls_dropped
from landing import errors

CLICK_ID_FIELDS = ("bd_vid", "clickid", "callback", "click_id")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Copied from the URL into hidden inputs by landing.js, so cached pages still attribute.
ATTRIBUTION_FIELDS = (*CLICK_ID_FIELDS, *UTM_FIELDS, "kw", "keyword", "content", "ref")
ATTRIBUTION_MAX = 2000


class HiddenParamField(forms.CharField):
    """An ad parameter copied from the URL into a hidden input (click id, utm_*): the patient
    cannot see or fix it, so it never refuses the form. Control, format and surrogate
    characters (a NUL, a stray direction mark) are dropped at receipt and the value is cut to
    ATTRIBUTION_MAX (intake cuts it again to its column; the raw record keeps what is left)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)
        self.validators = []  # nothing left to refuse: NULs are stripped, not reported

    def to_python(self, value) -> str:
        text = value if isinstance(value, str) else "" if value is None else str(value)
        # The funnel's one sanitiser (intake applies its plain form to every payload); here
        # also the invisible characters, as nobody reads these values.
        text = controls_dropped(text, invisible=True)
        return text.strip()[:ATTRIBUTION_MAX]


class LeadForm(forms.Form):
    name = forms.CharField(label="您的称呼", max_length=30)
    # Longer than any number: people type spaces, dashes, full-width digits and autofill adds
    # invisible marks; the one normaliser decides what is a phone.
    phone = forms.CharField(label="手机号", max_length=40)
    age = forms.IntegerField(label="年龄", min_value=1, max_value=120, required=False)
    gender = forms.ChoiceField(
        label="性别", choices=[("", "请选择"), ("f", "女"), ("m", "男")], required=False
    )
    concern = forms.CharField(
        label="想咨询的问题",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Separate and unticked (PIPL Art. 29): checked in clean() with its own message.
    consent = forms.BooleanField(label="我已阅读并同意健康信息授权", required=False)
    consent_version = forms.CharField(widget=forms.HiddenInput, max_length=40)
    package = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)
    idem = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    ticket = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    # Honeypot: hidden from people by CSS and aria-hidden; bots fill every input.
    website = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ATTRIBUTION_FIELDS:
            # Copied from the ad's URL, never typed: a value too long must not refuse the
            # patient's form (they cannot see or fix it). Kept up to ATTRIBUTION_MAX in the
            # raw record; intake cuts each to its column.
            self.fields[name] = HiddenParamField()

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("consent"):
            self.add_error(
                "consent",
                forms.ValidationError("请阅读并勾选健康信息授权后再提交", code="consent_required"),
            )
        return data

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        try:
            phone_normalize(value)
        except ApplicationError as err:
            raise forms.ValidationError("请填写正确的手机号", code=err.code) from err
        return value


def lead_form_refused(*, form: LeadForm, error: ApplicationError, consent_version: str) -> LeadForm:
    """The form to show again after a refusal, so the next submission can succeed.

    - everything typed stays, the consent tick too (the visitor already agreed to this text);
    - a stale consent text: the form now carries the current version and the tick is cleared
      (nobody is held to a text they have not seen), so the next submission is accepted
      instead of answering 409 again;
    - the start-time ticket is kept, so the minimum fill time still counts from the first
      page load (re-ticking a box must not be ``too_fast``); a ticket refused as invalid is
      dropped and landing.js fetches a new one;
    - a quarantined submission was stored under its idempotency key: a corrected one needs a
      new key, or the inbox would replay the stored record.
    """
    data = form.data.copy()
    if error.code == errors.CONSENT_VERSION_STALE:
        data["consent_version"] = consent_version
        data.pop("consent", None)
    if error.code == errors.TICKET_INVALID:
        data["ticket"] = ""
    if "inbound_id" in error.extra:
        data["idem"] = ""
    refused = LeadForm(data)
    refused.full_clean()
    if error.code == errors.CONSENT_VERSION_STALE:
        # The untick is ours, not the visitor's mistake: the new text's message shows next
        # to the box instead of "please tick".
        refused.errors.pop("consent", None)
    return refused


def error_placement(error: ApplicationError | None, form: LeadForm | None) -> dict:
    """Template context for where the refusal shows: ``error_field`` (a field name or
    "submit") and the Chinese message for it."""
    if error is None:
        return {"error_field": "", "error_message": ""}
    if error.code == errors.INVALID_FORM or (form is not None and form.errors):
        return {"error_field": "", "error_message": errors.MESSAGES[errors.INVALID_FORM]}
    field = errors.ERROR_FIELD.get(error.code, "submit")
    if error.code == errors.RATE_LIMITED and error.extra.get("scope") == "phone":
        field = "phone"
    message = errors.MESSAGES.get(error.code) or (
        error.message if error.message != error.code else errors.DEFAULT_MESSAGE
    )
    return {"error_field": field, "error_message": message}
