"""Django admin for superusers, for support. Results are read-only here: they are recorded
through the grid, imports and the API (services.record_result), which work out what each one
means; an edit here would leave the derived values behind. Changes are audit-logged."""

from django.contrib import admin

from . import models


class BandInline(admin.TabularInline):
    model = models.Band
    extra = 0


@admin.register(models.AssessmentDefinition)
class AssessmentDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "kind", "measure", "subject_code", "sensitive", "active"]
    list_filter = ["kind", "sensitive", "active", "shipped"]
    search_fields = ["name", "code", "school__name"]
    inlines = [BandInline]


@admin.register(models.NormTable)
class NormTableAdmin(admin.ModelAdmin):
    list_display = ["name", "definition", "min_age_months", "max_age_months", "created_at"]
    search_fields = ["name", "definition__name"]
    readonly_fields = ["min_age_months", "max_age_months", "min_raw", "max_raw", "uploaded_by"]


@admin.register(models.Sitting)
class SittingAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "definition", "date", "academic_year"]
    list_filter = ["school"]
    search_fields = ["name", "definition__name"]
    raw_id_fields = ["definition", "academic_year", "assessment_point", "norm_table"]


@admin.register(models.Result)
class ResultAdmin(admin.ModelAdmin):
    list_display = ["pupil", "sitting", "component", "raw_score", "score", "band", "recorded_at"]
    list_select_related = ["pupil", "sitting", "band"]
    search_fields = ["pupil__legal_last_name", "sitting__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
