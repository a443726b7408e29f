"""The SPOs' decisions on an allocation run's proposals: confirm, reject or override one
(judged by the engine's rules, a rule break recorded only when accepted), confirm the rest, and
the log of who decided what."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
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


@router.get(
    "/recommendations",
    summary="Who should take this one case now: ranked against the night, with each term's "
    "difference and the rules that exclude the rest",
)
def recommendations(
    case_id: str,
    run: str | None = None,
    top: int = Query(5, ge=1, le=50),
    who: Principal = Depends(principal),
    svc: Service = Depends(service),
) -> dict:
    """Against the run named, or the newest finished night this key sees that holds the case;
    practitioners already rejected for the case are left out."""
    return svc.recommend(svc.night_with_case(who, case_id, run), who, case_id, top)


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
