"""``decidim-bridge coverage`` as readable text, labelled in the rules' language."""

from __future__ import annotations

from decidim_bridge.plan.coverage import Cell, Coverage
from decidim_bridge.plan.texts import format_date, label, name_of, texts_for
from decidim_bridge.rules.model import Mappings


def coverage_report(result: Coverage, mappings: Mappings, locale: str | None = None) -> str:
    locale = locale or mappings.organization.default_locale
    texts = texts_for(mappings, locale)

    def w(key: str) -> str:
        return label(texts, "coverage", key)

    def who(advisor_id: str) -> str:
        return name_of("advisor", advisor_id, mappings, locale)

    def cell_name(cell: Cell | tuple[str, str]) -> str:
        district, theme = (cell.district_id, cell.theme_id) if isinstance(cell, Cell) else cell
        return (
            f"{name_of('district', district, mappings, locale)} x "
            f"{name_of('theme', theme, mappings, locale)}"
        )

    out = [w("heading"), "=" * len(w("heading"))]
    for cell in result.cells:
        names = ", ".join(who(a) for a in cell.candidates) or "-"
        out.append(f"  {cell_name(cell):<40} {w('candidates')}: {names}")
    out.append("")
    out.append(w("only_coordinator") + ":")
    out += [f"  {cell_name(c)}" for c in result.uncovered] or [f"  {w('all_covered')}"]
    out.append("")
    out.append(w("single") + ":")
    out += [f"  {cell_name(c)}: {who(c.candidates[0])}" for c in result.single] or ["  -"]
    out.append("")
    out.append(
        w("absences").format(
            from_date=format_date(result.first, texts), to_date=format_date(result.last, texts)
        )
        + ":"
    )
    if not result.absences:
        out.append("  -")
    for cover in result.absences:
        absence = cover.absence
        out.append(
            f"  {who(cover.advisor_id)} {w('absent')} {format_date(absence.start, texts)} - "
            f"{format_date(absence.end, texts)}"
            + (f" ({absence.reason})" if absence.reason else "")
        )
        for stand_in in cover.stand_ins:
            taker = who(stand_in.advisor_id) if stand_in.advisor_id else w("nobody")
            where = cell_name((stand_in.district_id, stand_in.theme_id))
            out.append(f"    {where}: {w('takes_over')}: {taker}")
    return "\n".join(out)
