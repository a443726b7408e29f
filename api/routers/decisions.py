"""The SPOs' decisions on an allocation run's proposals: confirm, reject or override one
(judged by the engine's rules, a rule break recorded only when accepted), confirm the rest, and
the log of who decided what."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.auth import Principal, principal
from api.service import Service, service

router = APIRouter(tags=["decisions"])


class DecisionIn(BaseModel):
    """An SPO's decision on one proposal."""

    case_id: str
    action: str  # confirm | reject | override
    practitioner_id: str | None = None  # for an override
    reason: str = ""
    accept_rule_break: bool = False


@router.post(
    "/runs/{job_id}/decisions",
    status_code=201,
    summary="Confirm, reject or override a proposal",
)
def decide_case(
    job_id: str,
    body: DecisionIn,
    who: Principal = Depends(principal),
    svc: Service = Depends(service),
) -> dict:
    return svc.decide(
        svc.job(job_id, who),
        who,
        body.case_id,
        body.action,
        body.practitioner_id,
        body.reason,
        body.accept_rule_break,
    )


@router.post(
    "/runs/{job_id}/decisions/confirm-rest",
    status_code=201,
    summary="Confirm every proposal not yet decided (those this key sees)",
)
def confirm_rest(
    job_id: str, who: Principal = Depends(principal), svc: Service = Depends(service)
) -> list[dict]:
    return svc.confirm_rest(svc.job(job_id, who), who)


@router.get(
    "/runs/{job_id}/decisions", summary="Every decision on this run: who, when, what changed"
)
def decisions(
    job_id: str, who: Principal = Depends(principal), svc: Service = Depends(service)
) -> list[dict]:
    return svc.decisions(svc.job(job_id, who), who)
