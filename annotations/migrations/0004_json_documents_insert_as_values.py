# Field class only (DocumentField: bulk_create inserts VALUES rows); no schema change.

import annotations.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('annotations', '0003_gold_accepted_version'),
    ]

    operations = [
        migrations.AlterField(
            model_name='agreementreport',
            name='payload',
            field=annotations.models.DocumentField(default=dict),
        ),
        migrations.AlterField(
            model_name='exportjob',
            name='params',
            field=annotations.models.DocumentField(default=dict),
        ),
        migrations.AlterField(
            model_name='goldspan',
            name='source_versions',
            field=annotations.models.DocumentField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name='reliabilityreport',
            name='payload',
            field=annotations.models.DocumentField(default=dict),
        ),
        migrations.AlterField(
            model_name='reliabilityscore',
            name='evidence',
            field=annotations.models.DocumentField(blank=True, default=list),
        ),
    ]
