"""Field types shared by every input record (ids, lists, flags, coordinates inside the UK)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from engine.core.calendar import DAYS

# A box around the United Kingdom (with a margin for the coast): coordinates outside it are
# almost always swapped or mistyped columns.
UK_LAT = (49.8, 60.95)


UK_LON = (-8.7, 1.9)


class Sex(str, Enum):
    F = "F"
    M = "M"


class TravelMode(str, Enum):
    car = "car"
    walk = "walk"
    public_transport = "public_transport"


def _split_list(v: object) -> object:
    """';'-separated list cell -> sorted tuple of trimmed, lower-case names."""
    if v is None:
        return ()
    if isinstance(v, str):
        parts = [p.strip().lower().replace(" ", "_") for p in v.split(";")]
        return tuple(sorted({p for p in parts if p}))
    if isinstance(v, (list, tuple, set, frozenset)):
        return tuple(sorted({str(p).strip() for p in v if str(p).strip()}))
    return v


def _split_ids(v: object) -> object:
    if isinstance(v, str):
        return tuple(sorted({p.strip() for p in v.split(";") if p.strip()}))
    return _split_list(v)


def upper(v: object) -> object:
    return v.strip().upper() if isinstance(v, str) else v


def empty_to_none(v: object) -> object:
    if isinstance(v, str) and not v.strip():
        return None
    return v.strip() if isinstance(v, str) else v


def _bool(v: object) -> object:
    if isinstance(v, str) and not v.strip():
        return False
    return v


SkillList = Annotated[tuple[str, ...], BeforeValidator(_split_list)]


IdList = Annotated[tuple[str, ...], BeforeValidator(_split_ids)]


Flag = Annotated[bool, BeforeValidator(_bool)]


# A cell starting with one of these is run as a formula when a CSV is opened in a spreadsheet
# (OWASP, CSV injection): never the start of an id, and escaped in every file written.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _not_formula(v: str) -> str:
    if v.startswith(FORMULA_STARTS):
        raise ValueError(f"may not start with {v[0]!r} (a spreadsheet would run it as a formula)")
    return v


Id = Annotated[
    str,
    BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
    Field(min_length=1),
    AfterValidator(_not_formula),
]


Latitude = Annotated[float, Field(ge=UK_LAT[0], le=UK_LAT[1])]


Longitude = Annotated[float, Field(ge=UK_LON[0], le=UK_LON[1])]


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", str_strip_whitespace=True)

    def at_most(self, part: str, whole: str) -> None:
        """Refuse a row whose `part` field exceeds its `whole` field (hours done of hours
        ordered, say), naming both with their values."""
        a, b = getattr(self, part), getattr(self, whole)
        if a > b:
            raise ValueError(f"{part} ({a:g}) exceeds {whole} ({b:g})")


def _days(v: object) -> object:
    """'mon; Sat' -> ('Mon', 'Sat'), checked against the week's day names."""
    if isinstance(v, str):
        out = []
        for part in (p.strip() for p in v.split(";")):
            if not part:
                continue
            name = part[:1].upper() + part[1:3].lower()
            if name not in DAYS or len(part) not in (3,):
                raise ValueError(f"{part!r} is not a day (use {';'.join(DAYS)})")
            out.append(name)
        return tuple(sorted(set(out), key=DAYS.index))
    return v


DayList = Annotated[tuple[str, ...], BeforeValidator(_days)]


def exclusion_pairs(
    person_ids: Iterable[str], excluded: Iterable[Iterable[str]]
) -> list[tuple[int, int]]:
    """People who must never share a session or a group (co-defendants, victims), as sorted
    pairs of row indices; an id not among the people is ignored (they are not being planned)."""
    ids = list(person_ids)
    index = {p: k for k, p in enumerate(ids)}
    pairs: set[tuple[int, int]] = set()
    for a, others in zip(ids, excluded):
        for b in others:
            if b in index:
                i, j = sorted((index[a], index[b]))
                pairs.add((i, j))
    return sorted(pairs)
