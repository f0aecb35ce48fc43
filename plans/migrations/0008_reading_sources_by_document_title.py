"""Readings loaded from the seed documents named their source by the extract's file name
("004_5e6e92cb38429302.txt, ..."): name the document by its title and date instead (as
plans.seeds.SEED_DOCUMENTS does for new loads)."""

from django.db import migrations

DOCUMENTS = {
    "000_f7b348c66cff8627.txt": "Making Bromley Even Better 2021-2031, the corporate strategy (2021)",
    "001_e8e78d54940f3605.txt": "Children, Education and Families Portfolio Plan 2023-24, with its updates",
    "002_bb7ee6a6faa8b027.txt": "Scrutiny of the Chief Executive, committee report (September 2022)",
    "003_dda3255221cf2eea.txt": "Children, Education and Families and Renewal, Recreation and Housing plans by "
    "priorities, 2018-19, with quarter 4 updates",
    "004_5e6e92cb38429302.txt": "Children, Education and Families PDS Committee agenda pack (17 November 2022)",
}


def name_documents(apps, schema_editor):
    Reading = apps.get_model("plans", "Reading")
    for seed, title in DOCUMENTS.items():
        for reading in Reading.objects.filter(source__startswith=seed).only("pk", "source"):
            reading.source = title + reading.source[len(seed) :]
            reading.save(update_fields=["source"])


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0007_quarterlyupdate_period_status_index"),
    ]

    operations = [migrations.RunPython(name_documents, migrations.RunPython.noop)]
