"""The landing lead form. Only shape and field validation here; guards and ingest are services."""

from __future__ import annotations

from django import forms

from config.errors import ApplicationError
from funnel.services.identity import phone_normalize

CLICK_ID_FIELDS = ("bd_vid", "clickid", "callback", "click_id")
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# Copied from the URL into hidden inputs by landing.js, so cached pages still attribute.
ATTRIBUTION_FIELDS = (*CLICK_ID_FIELDS, *UTM_FIELDS, "kw", "keyword", "content", "ref")
ATTRIBUTION_MAX = 2000

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
            self.fields[name] = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict:
        data = super().clean()
        for name in ATTRIBUTION_FIELDS:
            if data.get(name):
                data[name] = data[name][:ATTRIBUTION_MAX]
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


