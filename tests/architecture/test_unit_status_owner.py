"""Agreement unit statuses have one writer: services/agreement_store.py."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "annotations"
# A status written on units: `AgreementUnit.objects….update(…status=…)` (on one
# line or continued), or a unit row saved with `status` among its fields.
STATUS_WRITE = re.compile(
    r"AgreementUnit\.objects[\s\S]{0,200}?\.update\([^)]*\bstatus\s*=|"
    r"update_fields=\[[^\]]*\"status\""
)


def test_only_agreement_store_writes_unit_statuses():
    writers = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if "migrations" not in path.parts
        and STATUS_WRITE.search(path.read_text(encoding="utf-8"))
    )
    assert writers == ["services/agreement_store.py"], writers
