"""One error shape for the whole API, whatever raised the error:

    {"detail": "A sentence for a person", "errors": [{"field": "upn", "message": "..."}]}

`field` is the input field at fault (dotted for nested input), or null when the problem is
with the request as a whole. A 409 also carries `current_version`."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from nextsteps.schools.services import ConflictError


class FieldError(Schema):
    field: str | None
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class ConflictOut(ErrorOut):
    current_version: int


MESSAGES = {
    401: "Sign in, or send a personal API token as 'Authorization: Bearer ns_...'.",
    403: "You may see this, but you do not have permission to change it.",
    404: "Not found, or not yours to see.",
    422: "Some of what you sent is not valid; see errors for each field.",
}


def responses(*codes: int) -> dict:
    """The error responses an operation documents, beside its success response."""
    out = {}
    for code in (401, *codes):
        out[code] = ConflictOut if code == 409 else ErrorOut
    return out


class Refused(HttpError):
    """403: the caller may see the school but lacks the permission for this action."""

    def __init__(self, message: str = MESSAGES[403]):
        super().__init__(403, message)


class OutOfScope(HttpError):
    """404 for an id in the request body that names something outside the caller's scope,
    with the field at fault (a 422 would confirm that the thing exists)."""

    def __init__(self, field: str, message: str):
        super().__init__(404, message)
        self.field = field


def _body(detail: str, errors=()) -> dict:
    return {"detail": detail, "errors": list(errors)}


def _django_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [
            {"field": None if field == NON_FIELD_ERRORS else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in exc.messages]


# Where pydantic puts a value: ("body", "payload", "upn"), ("query", "sen"), ("path", "id").
# The first part and the name of the body parameter are ours, not the client's.
def _field_from_loc(loc) -> str | None:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts and parts[0] in {"query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
    return ".".join(parts) or None


def _ninja_errors(exc: NinjaValidationError) -> list[dict]:
    out = []
    for error in exc.errors:
        message = str(error.get("msg", "Not valid."))
        # pydantic's "Value error, ..." prefix is noise to a reader
        message = message.removeprefix("Value error, ")
        out.append({"field": _field_from_loc(error.get("loc", ())), "message": message})
    return out


def install(api) -> None:
    def respond(request, status, body):
        return api.create_response(request, body, status=status)

    @api.exception_handler(DjangoValidationError)
    def django_validation(request, exc):
        return respond(request, 422, _body(MESSAGES[422], _django_errors(exc)))

    @api.exception_handler(NinjaValidationError)
    def ninja_validation(request, exc):
        return respond(request, 422, _body(MESSAGES[422], _ninja_errors(exc)))

    @api.exception_handler(ConflictError)
    def conflict(request, exc):
        body = _body(str(exc))
        body["current_version"] = exc.current.version
        return respond(request, 409, body)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, _body(MESSAGES[404]))

    @api.exception_handler(PermissionDenied)
    def denied(request, exc):
        return respond(request, 403, _body(str(exc) or MESSAGES[403]))

    @api.exception_handler(OutOfScope)
    def out_of_scope(request, exc):
        return respond(
            request, 404, _body(MESSAGES[404], [{"field": exc.field, "message": str(exc)}])
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return respond(request, 401, _body(MESSAGES[401]))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return respond(request, exc.status_code, _body(str(exc)))
