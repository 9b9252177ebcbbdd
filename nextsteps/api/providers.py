"""Providers (who place pupils at alternative-provision centres) and their placements.
Provider staff see only their own organisation and its placements."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from nextsteps.schools import policy, services
from nextsteps.schools.models import Placement, Provider, Pupil

from .errors import OutOfScope, Refused, responses
from .scope import acting, caller, require, visible_school_ids

router = Router(tags=["providers"])


class ProviderOut(Schema):
    id: int
    name: str
    kind: str
    email: str
    phone: str
    address: str


class ProviderIn(Schema):
    name: str = Field(..., max_length=200)
    kind: Provider.Kind = Provider.Kind.SCHOOL
    email: str = ""
    phone: str = Field("", max_length=40)
    address: str = ""


class ProviderPatch(Schema):
    name: str | None = Field(None, max_length=200)
    kind: Provider.Kind | None = None
    email: str | None = None
    phone: str | None = Field(None, max_length=40)
    address: str | None = None


class PlacementOut(Schema):
    id: int
    pupil_id: int
    pupil_name: str = Field(..., alias="pupil.name")
    provider_id: int
    provider: str = Field(..., alias="provider.name")
    school_id: int
    school: str = Field(..., alias="school.name")
    start_date: date
    end_date: date | None
    reason: str
    contact_name: str
    contact_email: str
    contact_phone: str
    report_frequency: str
    report_format: str


class PlacementFields(Schema):
    reason: str = ""
    contact_name: str = Field("", max_length=200)
    contact_email: str = ""
    contact_phone: str = Field("", max_length=40)
    report_frequency: Placement.Frequency = Placement.Frequency.WEEKLY
    report_format: Placement.Format = Placement.Format.PDF


class PlacementIn(PlacementFields):
    pupil_id: int
    provider_id: int
    school_id: int = Field(..., description="The alternative-provision centre")
    start_date: date
    end_date: date | None = None


class PlacementPatch(Schema):
    start_date: date | None = None
    end_date: date | None = None
    reason: str | None = None
    contact_name: str | None = Field(None, max_length=200)
    contact_email: str | None = None
    contact_phone: str | None = Field(None, max_length=40)
    report_frequency: Placement.Frequency | None = None
    report_format: Placement.Format | None = None


class PlacementFilters(Schema):
    provider_id: int | None = None
    school_id: int | None = None
    pupil_id: int | None = None
    active: bool | None = Field(None, description="true: in force today; false: ended or future")


def _providers_for(user):
    if user.is_superuser or policy.school_ids_with(user, "view_school"):
        return Provider.objects.all()
    return Provider.objects.filter(pk__in=policy.provider_ids(user))


def _placements_for(user):
    queryset = Placement.objects.filter(pupil__in=Pupil.objects.visible_to(user))
    if not user.is_superuser:
        queryset = queryset.filter(
            Q(provider_id__in=policy.provider_ids(user))
            | Q(school_id__in=policy.school_ids_with(user, "view_school"))
        )
    return queryset.select_related("pupil", "provider", "school")


def _placement_for(request, placement_id: int) -> Placement:
    placement = _placements_for(caller(request)).filter(pk=placement_id).first()
    if placement is None:
        raise Http404
    return placement


@router.get("/providers", response={200: list[ProviderOut], **responses()})
def list_providers(request):
    """Every provider for school staff; your own organisation for provider staff."""
    return _providers_for(caller(request))


@router.get("/providers/{provider_id}", response={200: ProviderOut, **responses(404)})
def get_provider(request, provider_id: int):
    provider = _providers_for(caller(request)).filter(pk=provider_id).first()
    if provider is None:
        raise Http404
    return provider


@router.post("/providers", response={201: ProviderOut, **responses(403, 422)})
def create_provider(request, payload: ProviderIn):
    """Add a provider (permission manage_placements at any school)."""
    if not policy.school_ids_with(caller(request), "manage_placements"):
        raise Refused()
    with acting(request):
        return Status(201, services.create_provider(**payload.model_dump()))


@router.patch("/providers/{provider_id}", response={200: ProviderOut, **responses(403, 404, 422)})
def update_provider(request, provider_id: int, payload: ProviderPatch):
    """Change a provider's name or contact details (permission manage_placements)."""
    user = caller(request)
    provider = _providers_for(user).filter(pk=provider_id).first()
    if provider is None:
        raise Http404
    if not policy.school_ids_with(user, "manage_placements"):
        raise Refused()
    with acting(request):
        return services.update_provider(provider, **payload.model_dump(exclude_unset=True))


@router.get("/placements", response={200: list[PlacementOut], **responses(422)})
def list_placements(request, filters: Query[PlacementFilters]):
    """Placements of pupils you may see: provider staff see their own organisation's, centre
    staff those at their centre."""
    queryset = _placements_for(caller(request))
    for name in ("provider_id", "school_id", "pupil_id"):
        value = getattr(filters, name)
        if value is not None:
            queryset = queryset.filter(**{name: value})
    if filters.active is not None:
        today = timezone.localdate()
        in_force = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        queryset = queryset.filter(in_force) if filters.active else queryset.exclude(in_force)
    return queryset


@router.get("/placements/{placement_id}", response={200: PlacementOut, **responses(404)})
def get_placement(request, placement_id: int):
    return _placement_for(request, placement_id)


@router.post("/placements", response={201: PlacementOut, **responses(403, 404, 422)})
def create_placement(request, payload: PlacementIn):
    """Place a pupil at a centre (permission manage_placements at the centre)."""
    user = caller(request)
    if payload.school_id not in visible_school_ids(user):
        raise OutOfScope("school_id", "There is no centre with that id that you can see.")
    require(user, "manage_placements", payload.school_id)
    pupil = Pupil.objects.visible_to(user).filter(pk=payload.pupil_id).first()
    if pupil is None:
        raise OutOfScope("pupil_id", "There is no pupil with that id that you can see.")
    provider = Provider.objects.filter(pk=payload.provider_id).first()
    if provider is None:
        raise ValidationError({"provider_id": "There is no provider with that id."})
    details = payload.model_dump(include=set(PlacementFields.model_fields))
    with acting(request):
        placement = services.place_pupil(
            pupil,
            provider,
            policy.School.objects.get(pk=payload.school_id),
            start_date=payload.start_date,
            end_date=payload.end_date,
            **details,
        )
    return Status(201, _placement_for(request, placement.pk))


@router.patch(
    "/placements/{placement_id}", response={200: PlacementOut, **responses(403, 404, 422)}
)
def update_placement(request, placement_id: int, payload: PlacementPatch):
    """Change dates, contacts or reporting preferences (permission manage_placements at the
    centre). Send "end_date": null to make a placement open-ended again."""
    user = caller(request)
    placement = _placement_for(request, placement_id)
    require(user, "manage_placements", placement.school_id)
    changes = payload.model_dump(exclude_unset=True)
    for key, value in changes.items():
        if value is None and key != "end_date":
            raise ValidationError({key: "This field cannot be empty."})
    with acting(request):
        services.update_placement(placement, **changes)
    return _placement_for(request, placement_id)
