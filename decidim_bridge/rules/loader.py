"""Load the mappings folder: the one module that reads rule files from disk.

Each file is read once; its bytes are both parsed (``yamlsource``) and fingerprinted into
``Mappings.digest``.

``check(directory)`` returns the validated ``Mappings`` (or None) and *every* problem
found, each with file, line and field; ``load(directory)`` raises ``MappingError`` carrying
that list; ``inspect(directory)`` also gives what loaded despite problems. Per-file schema
errors, cross-file references and texts are all checked in one pass, so a rule owner sees
everything that is wrong at once.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from marshmallow import Schema, ValidationError

from decidim_bridge.errors import MappingError
from decidim_bridge.rules import crosscheck, languages, model, schemas, textcheck
from decidim_bridge.rules.crosscheck import Files, Loaded
from decidim_bridge.rules.yamlsource import Problem, SourceDocument, parse

TEXTS_DIR = "texts"


def _vocabulary() -> list[str]:
    names: set[str] = set()

    def walk(schema: Schema) -> None:
        for name, field in schema.fields.items():
            names.add(field.data_key or name)
            inner = getattr(field, "inner", None) or getattr(field, "value_field", None)
            nested = getattr(inner, "schema", None) or getattr(field, "schema", None)
            if isinstance(nested, Schema):
                walk(nested)

    for schema_cls in (*schemas.FILE_SCHEMAS.values(), *schemas.OPTIONAL_FILE_SCHEMAS.values()):
        walk(schema_cls())
    walk(schemas.TextsFileSchema())
    names.update({"word", "forms", "compounds", "exclude", "lang"})
    return sorted(names)


def flatten(
    messages: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """marshmallow's nested error dict -> ``(path, message)`` pairs."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("_schema", "value", "key"):  # schema-level, or a Dict field's value/key
                yield from flatten(value, path)
            else:
                yield from flatten(value, (*path, key))
    elif isinstance(messages, list):
        for message in messages:
            yield from flatten(message, path)
    else:
        yield path, str(messages)


def _schema_problems(
    doc: SourceDocument, error: ValidationError, vocabulary: list[str]
) -> list[Problem]:
    problems = []
    for path, message in flatten(error.messages):
        if message == "Unknown field." and path and isinstance(path[-1], str):
            close = difflib.get_close_matches(path[-1], vocabulary, n=1, cutoff=0.75)
            if close and close[0] == path[-1]:
                message = "Unknown field here (it belongs to another part of the rules)."
            elif close:
                message = f"Unknown field. Did you mean '{close[0]}'?"
        problems.append(doc.problem(path, message))
    return problems


def _read(path: Path, name: str) -> tuple[bytes | None, list[Problem]]:
    """The file's bytes, read once: they are parsed and fingerprinted."""
    if not path.is_file():
        return None, [Problem(name, None, "", "File is missing.")]
    try:
        return path.read_bytes(), []
    except OSError as exc:
        return None, [Problem(name, None, "", f"Cannot read the file: {exc}.")]


def _load_file(
    raw: bytes | None, name: str, schema: Schema, vocabulary: list[str]
) -> tuple[Loaded, list[Problem]]:
    if raw is None:
        return Loaded(SourceDocument(name, None), None), []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        doc = SourceDocument(name, None)
        return Loaded(doc, None), [Problem(name, None, "", f"Cannot read the file: {exc}.")]
    doc, problems = parse(text, name)
    if problems and doc.data is None:
        return Loaded(doc, None), problems
    if not isinstance(doc.data, dict):
        problems.append(Problem(name, 1, "", "The file must contain keys such as 'advisors:'."))
        return Loaded(doc, None), problems
    try:
        value = schema.load(doc.data)
    except ValidationError as exc:
        partial = exc.valid_data if isinstance(exc.valid_data, dict) else None
        return Loaded(doc, None, partial), problems + _schema_problems(doc, exc, vocabulary)
    return Loaded(doc, None if problems else value), problems


@dataclass(frozen=True)
class Inspection:
    """What one read of a mappings folder found."""

    #: The mappings, when nothing is wrong.
    mappings: model.Mappings | None
    #: The mappings as far as they could be put together despite problems: lets
    #: ``check-mappings`` render the templates and plan the examples even when, say, a
    #: reason line has an unknown placeholder, so one run reports everything. Never used
    #: to plan for real.
    best_effort: model.Mappings | None
    problems: list[Problem]
    #: The default language's texts as far as they loaded, when scope.yaml's
    #: ``organization`` and that texts file load, even when other rule files are broken:
    #: ``check-mappings`` words its count of problems with them.
    default_texts: model.LocaleTexts | None = None


def check(
    directory: str | Path, *, today: date | None = None
) -> tuple[model.Mappings | None, list[Problem]]:
    """Validate every file in ``directory``; the mappings only when nothing is wrong.

    ``today`` (default: the current date) is the year public holiday names are checked around.
    """
    found = inspect(directory, today=today)
    return found.mappings, found.problems


def inspect(directory: str | Path, *, today: date | None = None) -> Inspection:
    """Every problem in ``directory``, with the rules as far as they go (``Inspection``)."""
    root = Path(directory)
    if not root.is_dir():
        return Inspection(None, None, [Problem(str(root), None, "", "Not a directory.")])
    vocabulary = _vocabulary()
    files: Files = {}
    problems: list[Problem] = []
    digest = hashlib.sha256()

    def read(path: Path, name: str) -> bytes | None:
        raw, found = _read(path, name)
        problems.extend(found)
        if raw is not None:
            digest.update(name.encode() + b"\0" + raw)
        return raw

    for name, schema_cls in schemas.FILE_SCHEMAS.items():
        if name in schemas.OPTIONAL_FILES and not (root / name).is_file():
            files[name] = Loaded(SourceDocument(name, None), schemas.OPTIONAL_FILES[name])
            continue
        loaded, found = _load_file(read(root / name, name), name, schema_cls(), vocabulary)
        files[name] = loaded
        problems += found
    optional: Files = {}
    for name, schema_cls in schemas.OPTIONAL_FILE_SCHEMAS.items():
        if (root / name).is_file():
            loaded, found = _load_file(read(root / name, name), name, schema_cls(), vocabulary)
            optional[name] = loaded
            problems += found
    files.update(optional)
    texts: dict[str, model.LocaleTexts] = {}
    text_files = sorted((root / TEXTS_DIR).glob("*.yaml")) if (root / TEXTS_DIR).is_dir() else []
    for path in text_files:
        name = f"{TEXTS_DIR}/{path.name}"
        raw = read(path, name)
        loaded, found = _load_file(raw, name, schemas.TextsFileSchema(), vocabulary)
        problems += found
        if loaded.value is not None:
            problems += textcheck.check_texts(loaded.doc, loaded.value, path.stem)
            texts[path.stem] = loaded.value
    problems += crosscheck.run_all(files, today or date.today())
    scope = files["scope.yaml"].value
    if scope is not None:
        organization = scope["organization"]
        problems += languages.missing_translations(files, organization.locales)
        for locale in organization.locales:
            if not (root / TEXTS_DIR / f"{locale}.yaml").is_file():
                problems.append(
                    Problem(
                        f"{TEXTS_DIR}/{locale}.yaml",
                        None,
                        "",
                        f"File is missing: scope.yaml lists locale '{locale}'.",
                    )
                )
    usable = {locale: textcheck.usable(t) for locale, t in texts.items()}
    organization = _organization(files["scope.yaml"])
    default_texts = usable.get(organization.default_locale) if organization else None
    best_effort = None
    if default_texts is not None and all(loaded.value is not None for loaded in files.values()):
        try:
            best_effort = _assemble(files, usable, root, digest.hexdigest())
        except (KeyError, AttributeError, TypeError, ValueError):
            best_effort = None
    if problems:
        return Inspection(None, best_effort, problems, default_texts)
    mappings = _assemble(files, texts, root, digest.hexdigest())
    return Inspection(mappings, best_effort, [], default_texts)


def _organization(scope: Loaded) -> model.Organization | None:
    """scope.yaml's ``organization``, also when other parts of the file are broken."""
    loaded = scope.value if scope.value is not None else scope.partial
    organization = loaded.get("organization") if isinstance(loaded, dict) else None
    return organization if isinstance(organization, model.Organization) else None


def _assemble(
    files: Files, texts: dict[str, model.LocaleTexts], root: Path, digest: str
) -> model.Mappings:
    scope = files["scope.yaml"].value
    themes = files["themes.yaml"].value
    advisors = files["advisors.yaml"].value
    mappings = model.Mappings(
        organization=scope["organization"],
        scope=model.Scope(act_on=tuple(scope["act_on"]), ignore=tuple(scope["ignore"])),
        districts=tuple(files["districts.yaml"].value["districts"]),
        themes=tuple(themes["themes"]),
        matching=themes["matching"],
        advisors=model.AdvisorTeam(
            advisors=tuple(advisors["advisors"]), coordinator_id=advisors["coordinator"]
        ),
        resources=tuple(files["resources.yaml"].value["resources"]),
        budgets=tuple(files["budgets.yaml"].value["budgets"]),
        stakeholders=tuple(files["stakeholders.yaml"].value["stakeholders"]),
        expectations=files["expectations.yaml"].value,
        service_purchase=files["service_purchase.yaml"].value,
        texts=texts,
        source=str(root),
        digest=digest,
        policy=files["policy.yaml"].value if "policy.yaml" in files else model.Policy(),
        kinds=tuple(files["kinds.yaml"].value["kinds"]),
    )
    return mappings


def load(directory: str | Path, *, today: date | None = None) -> model.Mappings:
    """The validated mappings, or ``MappingError`` listing every problem."""
    mappings, problems = check(directory, today=today)
    if mappings is None:
        raise MappingError(
            f"{len(problems)} problem(s) in the mappings in {directory}",
            errors=[p.as_dict() for p in problems],
        )
    return mappings
