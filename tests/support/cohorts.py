"""A synthetic clinic's follow-up as import files (``hsct.outcomes.synthetic``), for tests
that need a cohort large enough to publish."""

from __future__ import annotations

from typing import Any

import pandas as pd

from hsct.outcomes.synthetic import generate
from hsct.registry.imports import ImportFile


def _csv(frame: Any, columns: list[str]) -> bytes:
    out = frame[columns].copy()
    for column in columns:
        if str(out[column].dtype).startswith("datetime64"):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
    return bytes(out.to_csv(index=False), "utf-8")


def synthetic_files(n: int, seed: int = 3) -> list[ImportFile]:
    """``n`` patients' transplants (regimen), MS types, visits, relapses and MRI as CSV files:
    the synthetic cohort's, transplants before 2015 and visits before 2025."""
    cohort = generate(n, seed=seed)
    patients = cohort.patients.assign(
        patient_id=cohort.patients["patient_id"].map("S-{}".format),
        diagnosis_date=cohort.patients["transplant_date"] - pd.Timedelta(days=1800),
    )
    visits = cohort.visits.assign(
        patient_id=cohort.visits["patient_id"].map("S-{}".format), rater="neurologist"
    )
    relapses = cohort.relapses.assign(patient_id=cohort.relapses["patient_id"].map("S-{}".format))
    # one visit and one relapse per patient and day, as the import asks
    visits = visits.drop_duplicates(["patient_id", "date"])
    relapses = relapses.drop_duplicates(["patient_id", "date"])
    mri = cohort.mri.assign(patient_id=cohort.mri["patient_id"].map("S-{}".format))
    return [
        ImportFile("patients.csv", _csv(patients, ["patient_id", "diagnosis_date", "ms_type"])),
        ImportFile("transplants.csv", _csv(patients, ["patient_id", "transplant_date", "regimen"])),
        ImportFile("visits.csv", _csv(visits, ["patient_id", "date", "edss", "rater"])),
        ImportFile("relapses.csv", _csv(relapses, ["patient_id", "date"])),
        ImportFile("mri.csv", _csv(mri, ["patient_id", "date", "gd_enhancing", "new_t2"])),
    ]


def import_synthetic(world: Any, n: int, *, facility_id: str | None = None) -> None:
    """``n`` synthetic patients imported into the world's clinic X (by the system), the
    clinic linked to ``facility_id`` in the directory when given."""
    from hsct.registry import imports  # noqa: PLC0415
    from hsct.registry.tables import Clinic  # noqa: PLC0415

    with world.db() as session:
        imports.import_commit(
            session,
            actor=None,
            clinic_id=world.clinic_x,
            files=synthetic_files(n),
            options=imports.ImportOptions(),
            now=world.now(),
        )
        if facility_id is not None:
            clinic = session.get(Clinic, world.clinic_x)
            assert clinic is not None
            clinic.facility_id = facility_id
