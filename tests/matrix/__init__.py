"""Page-matrix entries kept beside the features they cover. Each module here defines ROUTES
(name -> (args from the cast, method, roles let in)) and may define `extend_cast(cast)` to add
the objects its routes need; tests/test_permission_matrix.py merges them all."""

import importlib
import pkgutil

MODULES = [
    importlib.import_module(f"{__name__}.{info.name}")
    for info in pkgutil.iter_modules(__path__)
    if not info.name.startswith("_")
]


def extra_routes() -> dict:
    routes = {}
    for module in MODULES:
        clash = set(routes) & set(module.ROUTES)
        assert not clash, f"{module.__name__} repeats {sorted(clash)}"
        routes.update(module.ROUTES)
    return routes


def extend_cast(cast) -> None:
    for module in MODULES:
        extend = getattr(module, "extend_cast", None)
        if extend is not None:
            extend(cast)
