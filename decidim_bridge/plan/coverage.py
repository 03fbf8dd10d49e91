"""Who can lead what: every wijk x theme with its lead candidates, and who stands in.

The lead rules (``plan.assign``) choose among advisors other than the coordinator who
cover the wijk and the main theme. A combination nobody covers always falls to the
coordinator; one with a single candidate has no stand-in. For each absence in the coming
weeks, the advisors who would take over that person's combinations are listed (the one
the rules would choose first when nobody is busy), or the coordinator when nobody is
left. Pure: rules and dates in, plain data out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from decidim_bridge.rules.model import Absence, Advisor, Mappings
from decidim_bridge.rules.notices import Notice


@dataclass(frozen=True)
class Cell:
    district_id: str
    theme_id: str
    candidates: tuple[str, ...]  # advisor ids, coordinator excluded, in the rules' order


@dataclass(frozen=True)
class StandIn:
    district_id: str
    theme_id: str
    advisor_id: str | None  # who takes over; None: nobody but the coordinator


@dataclass(frozen=True)
class AbsenceCover:
    advisor_id: str
    absence: Absence
    stand_ins: tuple[StandIn, ...]


@dataclass(frozen=True)
class Coverage:
    cells: tuple[Cell, ...]
    absences: tuple[AbsenceCover, ...]
    first: date
    last: date

    @property
    def uncovered(self) -> tuple[Cell, ...]:
        """Combinations only the coordinator covers."""
        return tuple(c for c in self.cells if not c.candidates)

    @property
    def single(self) -> tuple[Cell, ...]:
        """Combinations with one candidate: a single point of failure."""
        return tuple(c for c in self.cells if len(c.candidates) == 1)


def _order(advisor: Advisor) -> tuple[str, str]:
    """With nobody busy the lead rules fall back to the name, then the id."""
    return (advisor.name.casefold(), advisor.id)


def _candidates(mappings: Mappings, district: str, theme: str) -> list[Advisor]:
    team = mappings.advisors
    found = [
        a
        for a in team.advisors
        if a.id != team.coordinator_id and theme in a.themes and a.covers_district(district)
    ]
    return sorted(found, key=_order)


def _cells(mappings: Mappings) -> tuple[Cell, ...]:
    """Every wijk x theme with its lead candidates (absences do not count here)."""
    return tuple(
        Cell(d.id, t.id, tuple(a.id for a in _candidates(mappings, d.id, t.id)))
        for d in mappings.districts
        for t in mappings.themes
    )


def coverage(mappings: Mappings, first: date, last: date) -> Coverage:
    """The coverage of every wijk x theme, and stand-ins for absences between ``first``
    and ``last`` (inclusive)."""
    cells = _cells(mappings)
    covers: list[AbsenceCover] = []
    for advisor in mappings.advisors.advisors:
        if advisor.id == mappings.advisors.coordinator_id:
            continue
        for absence in advisor.absences:
            if not absence.overlaps(first, last):
                continue
            start, end = max(absence.start, first), min(absence.end, last)
            stand_ins = []
            for cell in cells:
                if advisor.id not in cell.candidates:
                    continue
                present = [
                    a
                    for a in _candidates(mappings, cell.district_id, cell.theme_id)
                    if a.id != advisor.id and a.absence_between(start, end) is None
                ]
                taker = present[0].id if present else None
                stand_ins.append(StandIn(cell.district_id, cell.theme_id, taker))
            covers.append(AbsenceCover(advisor.id, absence, tuple(stand_ins)))
    covers.sort(key=lambda c: (c.absence.start, c.advisor_id))
    return Coverage(cells, tuple(covers), first, last)


def uncovered_warnings(mappings: Mappings) -> list[Notice]:
    """``check-mappings`` warnings: combinations only the coordinator would lead."""
    return [
        Notice("uncovered", {"district": cell.district_id, "theme": cell.theme_id})
        for cell in _cells(mappings)
        if not cell.candidates
    ]
