"""Who may use each reviews API route (merged into nextsteps.api.routes.ROUTES).

Areas are read by the school's staff and changed by manage_reviews holders; a class's or
group's week by the staff who see it; ratings written by record_reviews holders; a student's
history read by their school's staff and the provider who placed them; provider updates read
by that provider's staff and the school's manage_reviews holders (the list answers everyone,
filtered), previewed and sent by the latter."""

from nextsteps.api.routes import CLASS_READERS, EVERYONE, SENIOR, Access, K, P, _perm

ROUTES: dict = {
    ("GET", f"{P}/schools/{{school_id}}/review-areas"): Access(CLASS_READERS),
    ("POST", f"{P}/schools/{{school_id}}/review-areas"): _perm("manage_reviews"),
    ("PATCH", f"{P}/review-areas/{{area_id}}"): _perm("manage_reviews"),
    ("GET", f"{P}/classes/{{class_id}}/weekly-ratings"): Access(CLASS_READERS),
    ("GET", f"{P}/groups/{{group_id}}/weekly-ratings"): Access(CLASS_READERS),
    ("PUT", f"{P}/pupils/{{pupil_id}}/weekly-ratings"): _perm("record_reviews"),
    ("GET", f"{P}/pupils/{{pupil_id}}/weekly-ratings"): Access(CLASS_READERS | {K.PROVIDER_STAFF}),
    ("GET", f"{P}/provider-updates"): Access(EVERYONE, scoped=True),
    ("GET", f"{P}/provider-updates/{{update_id}}"): Access(frozenset(SENIOR | {K.PROVIDER_STAFF})),
    ("GET", f"{P}/schools/{{school_id}}/provider-updates/preview"): _perm("manage_reviews"),
    ("POST", f"{P}/schools/{{school_id}}/provider-updates/send"): _perm("manage_reviews"),
    ("POST", f"{P}/update-deliveries/{{delivery_id}}/send-again"): _perm("manage_reviews"),
}
