"""Page-matrix entries for importing results files (/results/import/). The cast gets a
sitting of the standardised reading test and an import job uploaded by the head, whose file
names Amara (whom the head may see) by UPN.

Who is let in: the upload page is for those who record results at the school (senior staff
and class teachers, not teaching assistants, governors, trust staff, families or providers);
a job is only ever shown to the person who uploaded it."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from nextsteps.results import importing, services
from nextsteps.results.models import AssessmentDefinition

RECORDERS = {"head", "leader", "senco", "teacher", "other_teacher"}
UPLOADER = {"head"}

ROUTES = {
    "results:import_upload": (lambda c: [c.import_sitting.pk], "get", RECORDERS),
    "results:import_columns": (lambda c: [c.import_job.pk], "get", UPLOADER),
    "results:import_job": (lambda c: [c.import_job.pk], "get", UPLOADER),
    "results:import_progress": (lambda c: [c.import_job.pk], "get", UPLOADER),
    "results:import_choose": (lambda c: [c.import_job.pk], "post", UPLOADER),
    "results:import_recheck": (lambda c: [c.import_job.pk], "post", UPLOADER),
    "results:import_commit": (lambda c: [c.import_job.pk], "post", UPLOADER),
    "results:import_report": (lambda c: [c.import_job.pk], "get", UPLOADER),
}


def extend_cast(cast) -> None:
    definition = AssessmentDefinition.objects.get(school=cast.school, code="standardised-reading")
    sitting = services.create_sitting(
        definition,
        date=date(cast.year.start_date.year + 1, 5, 12),
        by=cast.leader,
        name="Reading for the import matrix",
    )
    upload = SimpleUploadedFile(
        "reading.csv", f"UPN,Standardised score\n{cast.amara.upn},104\n".encode()
    )
    cast.objects["import_sitting"] = sitting
    cast.objects["import_job"] = importing.start(cast.head, sitting, upload)
