"""Django admin for superusers: a back door for support, not a way round the scope rules for
school staff (only superusers reach it). Changes made here are audit-logged like any other."""

from django.contrib import admin

from . import models


@admin.register(models.Trust)
class TrustAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "trust"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "urn"]


class TermInline(admin.TabularInline):
    model = models.Term
    extra = 0


class AssessmentPointInline(admin.TabularInline):
    model = models.AssessmentPoint
    extra = 0


@admin.register(models.AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "start_date", "end_date"]
    list_filter = ["school"]
    inlines = [TermInline, AssessmentPointInline]


@admin.register(models.YearGroup)
class YearGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "school"]
    list_filter = ["school"]


class ClassStaffInline(admin.TabularInline):
    model = models.ClassStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["name", "school", "academic_year", "year_group"]
    list_filter = ["school", "academic_year__name"]
    search_fields = ["name"]
    inlines = [ClassStaffInline]


class CharacteristicInline(admin.TabularInline):
    model = models.Characteristic
    extra = 0
    fk_name = "pupil"
    readonly_fields = ["recorded_by", "recorded_at"]


class EnrolmentInline(admin.TabularInline):
    model = models.Enrolment
    extra = 0


class GuardianInline(admin.TabularInline):
    model = models.Guardian
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["legal_last_name", "legal_first_name", "upn", "date_of_birth"]
    search_fields = ["legal_last_name", "legal_first_name", "preferred_first_name", "upn"]
    readonly_fields = ["version", "created_at", "updated_at"]
    autocomplete_fields = ["user"]
    inlines = [CharacteristicInline, EnrolmentInline, GuardianInline]


@admin.register(models.Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "school"]
    list_filter = ["kind", "school"]
    search_fields = ["name"]


@admin.register(models.Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "email"]
    search_fields = ["name"]


@admin.register(models.Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["pupil", "provider", "school", "start_date", "end_date"]
    list_filter = ["provider", "school"]
    autocomplete_fields = ["pupil"]


@admin.register(models.Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "school", "trust", "provider"]
    list_filter = ["kind", "school"]
    autocomplete_fields = ["user"]
