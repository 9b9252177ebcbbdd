"""Forms for closing an alert and for a school's alert rules. Saving is the services' job; the
forms check what a person typed and carry the version they read."""

from django import forms

from . import rules
from .services import OUTCOME_LIMIT


class CloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.CharField(
        max_length=OUTCOME_LIMIT,
        label="Outcome",
        help_text="What was done and what came of it, e.g. the action plan agreed with the "
        "provider and the student back to Green in engagement.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what was done and what came of it."},
    )


def field_name(rule: str, name: str) -> str:
    return f"{rule}__{name}"


class RulesForm(forms.Form):
    """One field per rule and setting (rules.FIELDS), named "<rule>__<setting>"."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, values: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        values = values or rules.defaults()
        for rule in rules.RULES:
            for name in rules.DEFAULTS[rule]:
                kind, low, high, meaning = rules.FIELDS[name]
                initial = values[rule][name]
                key = field_name(rule, name)
                if kind is bool:
                    field = forms.BooleanField(required=False, label=meaning, initial=initial)
                elif name == "plan_owner":
                    field = forms.ChoiceField(
                        choices=list(rules.OWNERS.items()), label=meaning, initial=initial
                    )
                else:
                    field = forms.IntegerField(
                        min_value=low,
                        max_value=high,
                        label=_int_label(rule, name, meaning),
                        initial=initial,
                        error_messages={
                            "required": f"Give a whole number from {low} to {high}.",
                            "invalid": f"Give a whole number from {low} to {high}.",
                            "min_value": f"Give a whole number from {low} to {high}.",
                            "max_value": f"Give a whole number from {low} to {high}.",
                        },
                    )
                    field.widget.attrs.update({"min": low, "max": high, "inputmode": "numeric"})
                self.fields[key] = field

    def groups(self):
        """(rule, label, [bound fields]) for the template, one fieldset a rule."""
        return [
            (rule, rules.LABELS[rule], [self[field_name(rule, n)] for n in rules.DEFAULTS[rule]])
            for rule in rules.RULES
        ]

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            rule: {name: data[field_name(rule, name)] for name in rules.DEFAULTS[rule]}
            for rule in rules.RULES
        }

    def add_setting_errors(self, errors: dict) -> None:
        """Errors from the rules' own check ("rule.setting": sentence) beside their fields."""
        for where, message in errors.items():
            rule, _, name = where.partition(".")
            key = field_name(rule, name)
            self.add_error(key if key in self.fields else None, message)


def _int_label(rule: str, name: str, meaning: str) -> str:
    if name == "weeks" and rule == rules.RAG:
        return "Alert when the run of deterioration is longer than this many weeks"
    if name == "weeks":
        return "Alert after this many weeks with no judgement or evidence"
    return meaning
