"""Forms for review areas. Saving is the services' job; the forms check what a person typed and
carry the version they read."""

from django import forms

from .services import NAME_LIMIT


class AreaForm(forms.Form):
    name = forms.CharField(max_length=NAME_LIMIT, label="Area", help_text="e.g. Engagement")
    description = forms.CharField(
        max_length=300,
        required=False,
        label="What Red, Amber and Green mean here",
        help_text="Shown to staff on the weekly screen, so that everyone rates alike.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AreaEditForm(AreaForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    active = forms.BooleanField(
        required=False,
        label="In use on the weekly screen (untick to retire it: its ratings are kept)",
    )
