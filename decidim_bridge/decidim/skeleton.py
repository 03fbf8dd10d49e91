"""Starting points for the rule files from what Decidim shows (``decidim spaces``).

A new municipality needs space types, slugs, ids, component ids and the exact taxonomy
names in scope.yaml, districts.yaml and themes.yaml. This turns the organization's spaces
and taxonomies (``models.SpacesOverview``) into a listing and YAML skeletons to copy from.
The root taxonomy whose name says wijk/district/gebied/buurt becomes districts.yaml, one
that says thema/theme/onderwerp/categorie becomes themes.yaml; other roots are listed.
Pure: plain data in, text out.
"""

from __future__ import annotations

import json
import re
import unicodedata

from decidim_bridge.decidim.models import SpacesOverview, TaxonomyNode

_TYPE_NAMES = {
    "Decidim::ParticipatoryProcess": "participatory_process",
    "Decidim::Assembly": "assembly",
    "Decidim::Conference": "conference",
    "Decidim::Initiative": "initiative",
}
_DISTRICT_ROOT = re.compile(r"wijk|district|gebied|buurt|scope|area|kern", re.IGNORECASE)
_THEME_ROOT = re.compile(r"thema|theme|onderwerp|categor|topic", re.IGNORECASE)


def _text(value: dict[str, str], locale: str) -> str:
    return value.get(locale) or next(iter(value.values()), "")


def _quoted(value: str) -> str:
    """A YAML scalar that is always read back as this text."""
    return json.dumps(value, ensure_ascii=False)


def slug_id(name: str) -> str:
    """``Spelen en sport`` -> ``spelen-en-sport``: an id the rule files accept."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "x"


def listing(overview: SpacesOverview, locale: str) -> str:
    """Every space with its components, then every taxonomy, with ids."""
    out = [f"# {_text(overview.organization, locale)}: participatory spaces"]
    for space, components in overview.spaces:
        kind = _TYPE_NAMES.get(space.type, space.type)
        out.append(
            f"#   {kind} id {space.id} slug {space.slug or '-'}: {_text(space.title, locale)}"
        )
        for component in components:
            out.append(
                f"#     component {component.id} ({component.type}): "
                f"{_text(component.name, locale)}"
            )
    out.append("# taxonomies (use these exact names in districts.yaml and themes.yaml)")

    def walk(node: TaxonomyNode, depth: int) -> None:
        out.append(f"#   {'  ' * depth}{node.id}: {_text(node.name, locale)}")
        for child in node.children:
            walk(child, depth + 1)

    for root in overview.taxonomies:
        walk(root, 0)
    return "\n".join(out)


def scope_skeleton(overview: SpacesOverview, host: str, locales: list[str]) -> str:
    """scope.yaml: every space with a proposals component under ``act_on``."""
    default = locales[0]
    out = [
        "# scope.yaml: keep under act_on the spaces where residents post citizen initiatives;",
        "# move the others (a budget consultation, an assembly's own proposals) to ignore.",
        "organization:",
        f"  name: {_quoted(_text(overview.organization, default))}",
        f"  host: {host}",
        f"  default_locale: {default}",
        f"  locales: [{', '.join(locales)}]",
        "  timezone: Europe/Amsterdam",
        "",
        "act_on:",
    ]
    for space, components in overview.spaces:
        proposals = [c.id for c in components if c.is_proposals]
        if not proposals:
            continue
        kind = _TYPE_NAMES.get(space.type, space.type)
        slug = f"slug: {space.slug}, " if space.slug else ""
        out += [
            f"  - name: {_quoted(_text(space.title, default))}",
            f"    space: {{type: {kind}, {slug}id: {space.id}}}",
            f"    components: [{', '.join(proposals)}]",
        ]
    out += ["", "ignore: []"]
    return "\n".join(out)


def _roots(overview: SpacesOverview, pattern: re.Pattern[str], locale: str) -> list[TaxonomyNode]:
    return [r for r in overview.taxonomies if pattern.search(_text(r.name, locale))]


def districts_skeleton(overview: SpacesOverview, locale: str) -> str:
    roots = _roots(overview, _DISTRICT_ROOT, locale)
    out = [
        "# districts.yaml: one entry per wijk; fill in the postcodes (four digits or a range)",
        "# and the places (neighbourhoods, streets, parks) that mean the wijk.",
        "districts:",
    ]
    for root in roots:
        for child in root.children:
            name = _text(child.name, locale)
            out += [
                f"  - id: {slug_id(name)}",
                f"    name: {_quoted(name)}",
                f"    taxonomy: [{_quoted(name)}]",
                "    postcodes: []",
                "    places: []",
            ]
    if not roots:
        out.append("  []  # no taxonomy named like 'Wijk' or 'District': write the wijken here")
    return "\n".join(out)


def themes_skeleton(overview: SpacesOverview, locales: list[str]) -> str:
    default = locales[0]
    roots = _roots(overview, _THEME_ROOT, default)
    out = [
        "# themes.yaml: one entry per theme; add the keywords that mean it.",
        "matching: {title_weight: 3, body_weight: 1, taxonomy_weight: 10, min_score: 2, "
        "min_part: 3, max_themes: 3}",
        "themes:",
    ]
    for root in roots:
        for child in root.children:
            name = _text(child.name, default)
            names = ", ".join(f"{loc}: {_quoted(child.name.get(loc) or name)}" for loc in locales)
            out += [
                f"  - id: {slug_id(name)}",
                f"    name: {{{names}}}",
                f"    taxonomy: [{_quoted(name)}]",
                "    keywords: []",
            ]
    if not roots:
        out.append("  []  # no taxonomy named like 'Thema' or 'Theme': write the themes here")
    return "\n".join(out)


def skeletons(overview: SpacesOverview, host: str, locales: list[str]) -> str:
    """The listing and the three skeletons, separated by file headers."""
    default = locales[0]
    return "\n\n".join(
        [
            listing(overview, default),
            "# --- scope.yaml ---\n" + scope_skeleton(overview, host, locales),
            "# --- districts.yaml ---\n" + districts_skeleton(overview, default),
            "# --- themes.yaml ---\n" + themes_skeleton(overview, locales),
        ]
    )
