"""The interactive docs (Swagger UI) served with the copy of Swagger UI that django-ninja ships,
so /api/v1/docs works on a school network with no internet access. ninja itself only uses its
bundled copy when "ninja" is in INSTALLED_APPS; otherwise it points the browser at a CDN."""

from pathlib import Path

import ninja
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import Swagger

ASSET_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}


class OfflineSwagger(Swagger):
    template = "api/docs.html"

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        asset = reverse(f"{api.urls_namespace}:docs_asset", kwargs={"name": "x"})[:-1]
        context = {
            "swagger_settings": self.settings,
            "api": api,
            "asset_url": asset,
            "add_csrf": True,
        }
        return render(request, self.template, context)


def serve_asset(name: str):
    """Only the files named in ASSETS; the name never reaches the filesystem otherwise."""
    if name not in ASSETS:
        raise Http404(name)
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response
