"""Every response and request schema of the API has its own name: django-ninja names the
OpenAPI components after the classes, so two classes of one name in different modules would
silently describe each other's bodies in the published schema."""

import inspect
from collections import defaultdict

from ninja import Schema

import nextsteps.api.api  # noqa: F401  (imports every router module)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_schema_class_names_are_unique_across_the_api():
    where = defaultdict(set)
    for cls in _subclasses(Schema):
        module = inspect.getmodule(cls)
        if module is not None and module.__name__.startswith("nextsteps."):
            where[cls.__name__].add(module.__name__)
    clashes = {name: sorted(mods) for name, mods in where.items() if len(mods) > 1}
    assert not clashes, f"rename one of each: {clashes}"
