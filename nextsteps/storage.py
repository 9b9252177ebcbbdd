from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files after `collectstatic`. Before it (tests, a fresh clone)
    a file keeps its plain name and WhiteNoise serves it from the app folders, instead of the
    page failing with a missing-manifest error."""

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            return name
