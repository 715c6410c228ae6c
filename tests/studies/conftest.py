from __future__ import annotations

from typing import Any

import pytest

from revoyure.assessments import services as a
from revoyure.studies import services
from revoyure.studies.models import ImpactStudy

# Answers that complete every required question of the working-conditions study and change working
# conditions (lasting workload increase, jobs transformed).
FULL_ANSWERS: dict[str, dict[str, Any]] = {
    "purpose": {
        "purpose_description": "Plan shifts automatically",
        "change_kind": "new_tool",
        "headcount_reduction_expected": "no",
        "planned_go_live": "2027-03-01",
    },
    "prevention": {
        "workload_change": "lasting_increase",
        "workload_measures": "Two more people during deployment",
        "mental_load": 3,
        "physical_health": "some",
        "duerp_update": "yes",
        "prevention_programme": "Training on breaks",
    },
    "hr": {"jobs_affected": "jobs", "jobs_affected_detail": "Planners become reviewers"},
    "it": {"overlaps_existing": "no"},
    "dpo": {"personal_data": "yes", "dpia_status": "in_progress"},
}


def new_study(personas: Any, tool: Any, **kwargs: Any) -> ImpactStudy:
    kwargs.setdefault("kind", "new_tool")
    kwargs.setdefault("title", "Study of the planning assistant")
    return services.create_study(tool, personas.manager, **kwargs)


def fill_and_complete(
    study: ImpactStudy, user: Any, answers: dict[str, dict[str, Any]] = FULL_ANSWERS
) -> None:
    for section, values in answers.items():
        a.save_answers(study.response, user, values)
        a.complete_section(study.response, user, section)


@pytest.fixture
def study(personas: Any, tool: Any) -> ImpactStudy:
    return new_study(personas, tool)
