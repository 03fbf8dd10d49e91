"""One marshmallow schema per rule file; loading one gives the plain model objects.

Unknown keys are errors (a misspelled ``capaciteit`` must not be silently ignored).
Checks that need other files (does this district exist?) live in ``crosscheck``.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from decidim_bridge.rules import model
from decidim_bridge.rules.fields import (
    Day,
    Everywhere,
    Id,
    KeywordField,
    KeywordList,
    Localized,
    Money,
    Postcodes,
    ThemesOrAll,
)
from decidim_bridge.rules.keywords import fold

_positive = validate.Range(min=1)
_not_negative = validate.Range(min=0)
_positive_len = validate.Length(min=1)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _int(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


def _text(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1), **kwargs)


def _id_of(item: Any) -> Any:
    """An item's id whether it loaded (model object) or not (raw dict, when invalid)."""
    return item.get("id") if isinstance(item, dict) else getattr(item, "id", None)


def _unique_ids(items: list[Any]) -> dict[Any, Any]:
    """Errors for items whose ``id`` an earlier item already uses (objects or dicts)."""
    seen: dict[str, int] = {}
    problems: dict[Any, Any] = {}
    for index, item in enumerate(items):
        key = _id_of(item)
        if key is None or not isinstance(key, (str, int)):
            continue
        if key in seen:
            problems[index] = {"id": [f"'{key}' is already used by item {seen[key]}."]}
        else:
            seen[key] = index
    return problems


# --- scope.yaml ----------------------------------------------------------------------------


class OrganizationSchema(_Strict):
    name = _text(required=True)
    host = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9.-]+$"))
    default_locale = fields.String(required=True, validate=validate.Regexp(r"^[a-z]{2,3}$"))
    locales = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z]{2,3}$")),
        required=True,
        validate=validate.Length(min=1),
    )
    timezone = fields.String(load_default="Europe/Amsterdam")

    @validates_schema
    def _default_is_listed(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("locales") and data.get("default_locale") not in data["locales"]:
            raise ValidationError("Must be one of 'locales'.", "default_locale")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Organization:
        return model.Organization(
            name=data["name"],
            host=data["host"],
            default_locale=data["default_locale"],
            locales=tuple(data["locales"]),
            timezone=data["timezone"],
        )


class SpaceRefSchema(_Strict):
    type = fields.String(required=True, validate=validate.OneOf(sorted(model.SPACE_TYPES)))
    id = fields.Raw(load_default=None)
    slug = fields.String(load_default=None)

    @validates_schema
    def _identified(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("id") is None and not data.get("slug"):
            raise ValidationError("Give the space's 'slug' or 'id' (or both).")


class SpaceRuleSchema(_Strict):
    name = _text(required=True)
    space = fields.Nested(SpaceRefSchema, required=True)
    components = fields.List(fields.Raw(), load_default=list)
    reason = fields.String(load_default="")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.SpaceRule:
        space = data["space"]
        return model.SpaceRule(
            name=data["name"],
            space_type=space["type"],
            space_id=None if space.get("id") is None else str(space["id"]),
            slug=space.get("slug"),
            components=tuple(str(c) for c in data["components"]),
            reason=data["reason"],
            publication=data.get("publication"),
        )


class ActOnRuleSchema(SpaceRuleSchema):
    """A space the bridge acts on; only these choose how public writes are published."""

    publication = fields.String(load_default=None, validate=validate.OneOf(model.PUBLICATION_MODES))


class ScopeFileSchema(_Strict):
    organization = fields.Nested(OrganizationSchema, required=True)
    act_on = fields.List(fields.Nested(ActOnRuleSchema), required=True, validate=_positive_len)
    ignore = fields.List(fields.Nested(SpaceRuleSchema), load_default=list)


# --- districts.yaml and themes.yaml --------------------------------------------------------


class DistrictSchema(_Strict):
    id = Id(required=True)
    name = _text(required=True)
    taxonomy = fields.List(_text(), load_default=list)
    postcodes = fields.List(Postcodes(), load_default=list)
    places = fields.List(KeywordField(), load_default=list)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.District:
        names = [data["name"], *data["taxonomy"]]
        return model.District(
            id=data["id"],
            name=data["name"],
            taxonomy_names=tuple(dict.fromkeys(fold(n).strip() for n in names)),
            postcodes=tuple(data["postcodes"]),
            places=tuple(data["places"]),
        )


class DistrictsFileSchema(_Strict):
    districts = fields.List(fields.Nested(DistrictSchema), required=True, validate=_positive_len)

    @validates_schema(skip_on_field_errors=False)
    def _unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        problems = _unique_ids(data.get("districts", []))
        items = [d if isinstance(d, model.District) else None for d in data.get("districts", [])]
        for i, first in enumerate(items):
            for j in range(i + 1, len(items)):
                second = items[j]
                if first is None or second is None:
                    continue
                for a in first.postcodes:
                    for b in second.postcodes:
                        if a.low <= b.high and b.low <= a.high:
                            problems.setdefault(j, {})["postcodes"] = [
                                f"Range {b} overlaps {a} of district '{first.id}'."
                            ]
        if problems:
            raise ValidationError(problems, "districts")


class MatchingSchema(_Strict):
    title_weight = _int(load_default=3, validate=_not_negative)
    body_weight = _int(load_default=1, validate=_not_negative)
    taxonomy_weight = _int(load_default=10, validate=_not_negative)
    min_score = _int(load_default=2, validate=_positive)
    min_part = _int(load_default=3, validate=validate.Range(min=2, max=8))
    max_themes = _int(load_default=3, validate=validate.Range(min=1, max=10))
    languages = fields.List(
        fields.String(validate=validate.Regexp(r"^[a-z]{2}$")), load_default=list
    )

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Matching:
        return model.Matching(**{**data, "languages": tuple(data["languages"])})


class ThemeSchema(_Strict):
    id = Id(required=True)
    name = Localized(required=True)
    taxonomy = fields.List(_text(), load_default=list)
    keywords = KeywordList(required=True, validate=_positive_len)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Theme:
        names = [*data["name"].values(), *data["taxonomy"]]
        return model.Theme(
            id=data["id"],
            name=data["name"],
            taxonomy_names=tuple(dict.fromkeys(fold(n).strip() for n in names)),
            keywords=tuple(data["keywords"]),
        )


class ThemesFileSchema(_Strict):
    matching = fields.Nested(MatchingSchema, load_default=lambda: model.Matching())
    themes = fields.List(fields.Nested(ThemeSchema), required=True, validate=_positive_len)

    @validates_schema(skip_on_field_errors=False)
    def _unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        if problems := _unique_ids(data.get("themes", [])):
            raise ValidationError(problems, "themes")


# --- advisors.yaml ---------------------------------------------------------------------------


class AbsenceSchema(_Strict):
    start = Day(required=True, data_key="from")
    end = Day(required=True, data_key="to")
    reason = fields.String(load_default="")

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ValidationError("'to' is before 'from'.", "to")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Absence:
        return model.Absence(**data)


#: Decidim's nickname rule (``Decidim::UserBaseEntity::REGEXP_NICKNAME`` and
#: ``Nicknamizable.nickname_max_length``): lower-case letters, digits, ``_`` and ``-``, at
#: most 20 characters.
NICKNAME_PATTERN = r"^[a-z0-9_-]+$"
NICKNAME_MAX_LENGTH = 20


class AdvisorSchema(_Strict):
    id = Id(required=True)
    name = _text(required=True)
    nickname = fields.String(load_default=None, validate=lambda v: _nickname(v))
    email = fields.Email(required=True)
    phone = fields.String(load_default=None)
    themes = fields.List(Id(), required=True, validate=_positive_len)
    districts = Everywhere(required=True)
    capacity = _int(required=True, validate=_positive)
    absences = fields.List(fields.Nested(AbsenceSchema), load_default=list)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Advisor:
        return model.Advisor(
            id=data["id"],
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            themes=tuple(data["themes"]),
            districts=data["districts"],
            capacity=data["capacity"],
            absences=tuple(data["absences"]),
            nickname=data["nickname"],
        )


def _nickname(value: str) -> None:
    if not value:
        raise ValidationError("Give the advisor's Decidim nickname, or leave 'nickname' out.")
    if len(value) > NICKNAME_MAX_LENGTH:
        raise ValidationError(f"A Decidim nickname has at most {NICKNAME_MAX_LENGTH} characters.")
    if not re.match(NICKNAME_PATTERN, value):
        raise ValidationError(
            f"'{value}' is not a Decidim nickname: use lower-case letters, digits, '_' or '-', "
            "without '@'."
        )


def _nickname_of(item: Any) -> Any:
    return item.get("nickname") if isinstance(item, dict) else getattr(item, "nickname", None)


def _unique_nicknames(items: list[Any]) -> dict[Any, Any]:
    """Errors for advisors whose nickname an earlier advisor already has."""
    seen: dict[str, int] = {}
    problems: dict[Any, Any] = {}
    for index, item in enumerate(items):
        nickname = _nickname_of(item)
        if not isinstance(nickname, str) or not nickname:
            continue
        key = nickname.lower()
        if key in seen:
            problems[index] = {
                "nickname": [f"'{nickname}' is already the nickname of item {seen[key]}."]
            }
        else:
            seen[key] = index
    return problems


class AdvisorsFileSchema(_Strict):
    coordinator = Id(required=True)
    advisors = fields.List(fields.Nested(AdvisorSchema), required=True, validate=_positive_len)

    @validates_schema(skip_on_field_errors=False)
    def _unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        advisors = data.get("advisors", [])
        problems = _unique_ids(advisors)
        for index, found in _unique_nicknames(advisors).items():
            problems.setdefault(index, {}).update(found)
        if problems:
            raise ValidationError(problems, "advisors")
        ids = {_id_of(a) for a in data.get("advisors", [])}
        if data.get("coordinator") and ids and data["coordinator"] not in ids:
            raise ValidationError(
                f"'{data['coordinator']}' is not one of the advisors below.", "coordinator"
            )


# --- resources.yaml ----------------------------------------------------------------------


class ResourceSchema(_Strict):
    id = Id(required=True)
    name = Localized(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(model.RESOURCE_KINDS))
    group = Id(load_default=None)
    quantity = _int(required=True, validate=_not_negative)
    unit = Localized(load_default=lambda: {"nl": "stuk", "en": "item"})
    per_initiative = _int(load_default=1, validate=_positive)
    districts = Everywhere(load_default=())
    lead_time_days = _int(load_default=0, validate=_not_negative)
    hold_days = _int(load_default=None, validate=_positive)
    department = Id(required=True)
    conditions = fields.List(Localized(), load_default=list)
    keywords = KeywordList(required=True, validate=_positive_len)
    themes = fields.List(Id(), load_default=list)

    @validates_schema
    def _enough_stock(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("quantity", 0) and data.get("per_initiative", 1) > data.get("quantity", 0):
            raise ValidationError("Is larger than 'quantity'.", "per_initiative")


class ResourcesFileSchema(_Strict):
    hold_days = _int(load_default=15, validate=_positive)
    resources = fields.List(fields.Nested(ResourceSchema), required=True, validate=_positive_len)

    @validates_schema(skip_on_field_errors=False)
    def _unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        if problems := _unique_ids(data.get("resources", [])):
            raise ValidationError(problems, "resources")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["resources"] = [
            model.Resource(
                id=r["id"],
                name=r["name"],
                kind=r["kind"],
                group=r["group"] or r["id"],
                quantity=r["quantity"],
                unit=r["unit"],
                per_initiative=r["per_initiative"],
                districts=r["districts"],
                lead_time_days=r["lead_time_days"],
                hold_days=r["hold_days"] or data["hold_days"],
                department=r["department"],
                conditions=tuple(r["conditions"]),
                keywords=tuple(r["keywords"]),
                themes=tuple(r["themes"]),
            )
            for r in data["resources"]
        ]
        return data


# --- budgets.yaml --------------------------------------------------------------------------


class BudgetSchema(_Strict):
    id = Id(required=True)
    name = Localized(required=True)
    year = _int(required=True, validate=validate.Range(min=2000, max=2100))
    districts = Everywhere(required=True)
    themes = Everywhere(load_default=())
    total = Money(required=True)
    max_per_initiative = Money(required=True)
    default_hold = Money(required=True)
    hold_days = _int(load_default=20, validate=_positive)
    decider = Localized(required=True)
    conditions = fields.List(Localized(), load_default=list)
    not_for = fields.List(KeywordField(), load_default=list)
    department = Id(load_default=None)

    @validates_schema
    def _amounts(self, data: dict[str, Any], **kwargs: Any) -> None:
        total, cap = data.get("total"), data.get("max_per_initiative")
        hold = data.get("default_hold")
        if total is not None and cap is not None and cap > total:
            raise ValidationError("Is larger than 'total'.", "max_per_initiative")
        if cap is not None and hold is not None and hold > cap:
            raise ValidationError("Is larger than 'max_per_initiative'.", "default_hold")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Budget:
        return model.Budget(
            id=data["id"],
            name=data["name"],
            year=data["year"],
            districts=data["districts"],
            themes=data["themes"],
            total_cents=data["total"],
            max_per_initiative_cents=data["max_per_initiative"],
            default_hold_cents=data["default_hold"],
            hold_days=data["hold_days"],
            decider=data["decider"],
            conditions=tuple(data["conditions"]),
            not_for=tuple(data["not_for"]),
            department=data["department"],
        )


class BudgetsFileSchema(_Strict):
    budgets = fields.List(fields.Nested(BudgetSchema), required=True)

    @validates_schema(skip_on_field_errors=False)
    def _unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        if problems := _unique_ids(data.get("budgets", [])):
            raise ValidationError(problems, "budgets")


# --- stakeholders.yaml -------------------------------------------------------------------


class ContactSchema(_Strict):
    name = fields.String(load_default=None)
    email = fields.Email(load_default=None)
    phone = fields.String(load_default=None)

    @validates_schema
    def _reachable(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("email") and not data.get("phone"):
            raise ValidationError("Give an 'email' or a 'phone' number.")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Contact:
        return model.Contact(**data)


class StakeholderSchema(_Strict):
    id = Id(required=True)
    name = _text(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(model.STAKEHOLDER_KINDS))
    districts = Everywhere(load_default=())
    themes = ThemesOrAll(load_default=None)
    contact = fields.Nested(ContactSchema, required=True)
    introduce = fields.Boolean(load_default=False)
    inform_on = fields.List(
        fields.String(validate=validate.OneOf(model.INFORM_MOMENTS)),
        required=True,
        validate=_positive_len,
    )
    role = Localized(required=True)

    @validates_schema
    def _consent(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("introduce") and data.get("kind") not in model.EXTERNAL_KINDS:
            raise ValidationError(
                "Only wijkraad, buurtvereniging and sleutelfiguur are introduced to initiators.",
                "introduce",
            )
        if data.get("kind") == "wethouder" and not data.get("themes"):
            raise ValidationError("A wethouder needs the themes of their portfolio.", "themes")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Stakeholder:
        return model.Stakeholder(
            id=data["id"],
            name=data["name"],
            kind=data["kind"],
            districts=data["districts"],
            themes=data["themes"],
            contact=data["contact"],
            introduce=data["introduce"],
            inform_on=tuple(dict.fromkeys(data["inform_on"])),
            role=data["role"],
        )


class StakeholdersFileSchema(_Strict):
    stakeholders = fields.List(fields.Nested(StakeholderSchema), required=True)

    @validates_schema(skip_on_field_errors=False)
    def _unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        if problems := _unique_ids(data.get("stakeholders", [])):
            raise ValidationError(problems, "stakeholders")


# --- expectations.yaml -------------------------------------------------------------------


class ClosingDaySchema(_Strict):
    start = Day(required=True, data_key="from")
    end = Day(load_default=None, data_key="to")
    name = _text(required=True)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("'to' is before 'from'.", "to")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.ClosingDay:
        end = data["end"] or data["start"]
        return model.ClosingDay(start=data["start"], end=end, name=data["name"])


class CalendarSchema(_Strict):
    country = fields.String(load_default="NL", validate=validate.Regexp(r"^[A-Z]{2}$"))
    subdivision = fields.String(load_default=None)
    ignore_holidays = fields.List(_text(), load_default=list)
    closing_days = fields.List(fields.Nested(ClosingDaySchema), load_default=list)
    timezone = fields.String(load_default="Europe/Amsterdam")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.CalendarRules:
        return model.CalendarRules(
            country=data["country"],
            subdivision=data["subdivision"],
            ignore_holidays=tuple(data["ignore_holidays"]),
            closing_days=tuple(data["closing_days"]),
            timezone=data["timezone"],
        )


def _expectation_fields(required: bool) -> dict[str, fields.Field[Any]]:
    def opt(field_cls: Any, **kwargs: Any) -> Any:
        if required:
            return field_cls(required=True, **kwargs)
        return field_cls(load_default=None, **kwargs)

    return {
        "say": opt(fields.String, validate=validate.OneOf(model.SAY_LEVELS)),
        "say_text": opt(Localized),
        "decider": opt(Localized),
        "time_investment": opt(Localized),
        "results": opt(Localized),
        "first_contact_days": opt(fields.Integer, strict=True, validate=_positive),
        "decision_days": opt(fields.Integer, strict=True, validate=_positive),
    }


ExpectationSchema = Schema.from_dict(_expectation_fields(True), name="ExpectationSchema")
ExpectationOverrideSchema = Schema.from_dict(
    _expectation_fields(False), name="ExpectationOverrideSchema"
)


def _shorter(rule: dict[str, Any], base: dict[str, Any]) -> bool:
    first = rule.get("first_contact_days") or base.get("first_contact_days")
    decision = rule.get("decision_days") or base.get("decision_days")
    return bool(first and decision and decision < first)


class LateIntakeSchema(_Strict):
    min_notice_days = _int(load_default=2, validate=validate.Range(min=0, max=60))
    flag_after_days = _int(load_default=5, validate=validate.Range(min=0, max=260))

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.LateIntake:
        return model.LateIntake(**data)


class ExistingSchema(_Strict):
    max_age_days = _int(load_default=30, validate=validate.Range(min=0, max=3650))

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.ExistingProposals:
        return model.ExistingProposals(**data)


class RemindersSchema(_Strict):
    before_days = _int(load_default=1, validate=validate.Range(min=0, max=20))


class ExpectationsFileSchema(_Strict):
    calendar = fields.Nested(CalendarSchema, load_default=lambda: model.CalendarRules())
    late_intake = fields.Nested(LateIntakeSchema, load_default=lambda: model.LateIntake())
    existing = fields.Nested(ExistingSchema, load_default=lambda: model.ExistingProposals())
    reminders = fields.Nested(RemindersSchema, load_default=lambda: {"before_days": 1})
    default = fields.Nested(ExpectationSchema, required=True)
    processes = fields.Dict(
        keys=fields.String(), values=fields.Nested(ExpectationOverrideSchema), load_default=dict
    )

    @validates_schema(skip_on_field_errors=False)
    def _order(self, data: dict[str, Any], **kwargs: Any) -> None:
        base = data.get("default") or {}
        problems: dict[str, Any] = {}
        message = ["Is shorter than 'first_contact_days'."]
        if _shorter(base, base):
            problems["default"] = {"decision_days": message}
        for key, rule in (data.get("processes") or {}).items():
            if _shorter(rule, base):
                problems.setdefault("processes", {})[key] = {"decision_days": message}
        if problems:
            raise ValidationError(problems)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Expectations:
        base = data["default"]
        default = model.ExpectationRule(key="default", **base)
        processes = {}
        for key, override in data["processes"].items():
            merged = {k: (v if v is not None else base[k]) for k, v in override.items()}
            processes[key] = model.ExpectationRule(key=key, **merged)
        return model.Expectations(
            default=default,
            processes=processes,
            calendar=data["calendar"],
            late_intake=data["late_intake"],
            existing=data["existing"],
            remind_before_days=data["reminders"]["before_days"],
        )


# --- service_purchase.yaml ---------------------------------------------------------------


class CriterionSchema(_Strict):
    id = Id(required=True)
    text = Localized(required=True)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Criterion:
        return model.Criterion(**data)


class ServicePurchaseFileSchema(_Strict):
    enabled = fields.Boolean(load_default=True)
    signals = fields.List(KeywordField(), required=True, validate=_positive_len)
    min_signals = _int(load_default=2, validate=_positive)
    excluded_tasks = fields.List(KeywordField(), load_default=list)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True, validate=_positive_len)
    contact = fields.Nested(ContactSchema, required=True)
    decider = Localized(required=True)
    decision_days = _int(required=True, validate=_positive)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.ServicePurchaseRules:
        return model.ServicePurchaseRules(
            enabled=data["enabled"],
            signals=tuple(data["signals"]),
            min_signals=data["min_signals"],
            excluded_tasks=tuple(data["excluded_tasks"]),
            criteria=tuple(data["criteria"]),
            contact=data["contact"],
            decider=data["decider"],
            decision_days=data["decision_days"],
        )


# --- policy.yaml (optional) ---------------------------------------------------------------


class SenderSchema(_Strict):
    name = fields.String(load_default=None, validate=validate.Length(min=1, max=100))
    email = fields.Email(required=True)


class ReportingChannelSchema(_Strict):
    """Where residents report something that is not an initiative (a complaint)."""

    name = Localized(required=True)
    url = fields.Url(load_default=None, require_tld=False, schemes={"http", "https"})
    phone = fields.String(load_default=None)
    email = fields.Email(load_default=None)


class PolicyFileSchema(_Strict):
    reference_prefix = fields.String(
        load_default=None,
        validate=validate.Regexp(
            r"^[A-Z0-9]{1,6}$", error="Use 1 to 6 capital letters or digits, e.g. 'LB'."
        ),
    )
    sender = fields.Nested(SenderSchema, load_default=None)
    reply_to = fields.Email(load_default=None)
    publication = fields.String(
        load_default=None, validate=validate.OneOf(["automatic", "after-approval"])
    )
    reporting_channel = fields.Nested(ReportingChannelSchema, load_default=None)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Policy:
        sender = data["sender"] or {}
        return model.Policy(
            reference_prefix=data["reference_prefix"],
            sender_name=sender.get("name"),
            sender_email=sender.get("email"),
            reply_to=data["reply_to"],
            publication=data["publication"],
            reporting_channel=data["reporting_channel"],
        )


#: Optional rule files: when missing, the bridge's settings and defaults apply.
OPTIONAL_FILE_SCHEMAS: dict[str, type[Schema]] = {"policy.yaml": PolicyFileSchema}


# --- texts/<locale>.yaml -----------------------------------------------------------------


class DatesSchema(_Strict):
    months = fields.List(_text(), required=True, validate=validate.Length(equal=12))
    weekdays = fields.List(_text(), required=True, validate=validate.Length(equal=7))


def _has_amount(value: str) -> None:
    if "{amount}" not in value:
        raise ValidationError("Must contain the placeholder {amount}, e.g. '€ {amount}'.")


class ReadabilitySchema(_Strict):
    min_score = fields.Float(load_default=60.0, validate=validate.Range(min=0, max=120))
    max_sentence_words = _int(load_default=25, validate=validate.Range(min=5, max=100))


class TextsFileSchema(_Strict):
    locale = fields.String(required=True, validate=validate.Regexp(r"^[a-z]{2,3}$"))
    readability = fields.Nested(
        ReadabilitySchema, load_default=lambda: {"min_score": 60.0, "max_sentence_words": 25}
    )
    dates = fields.Nested(DatesSchema, required=True)
    money = fields.String(load_default="€ {amount}", validate=_has_amount)
    labels = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.Raw(), values=fields.String()),
        required=True,
    )
    reasons = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    checklist = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    approval = fields.Dict(keys=fields.String(), values=fields.String(), required=True)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.LocaleTexts:
        return model.LocaleTexts(
            locale=data["locale"],
            months=tuple(data["dates"]["months"]),
            weekdays=tuple(data["dates"]["weekdays"]),
            labels={k: {str(kk): vv for kk, vv in v.items()} for k, v in data["labels"].items()},
            reasons=data["reasons"],
            checklist=data["checklist"],
            money_format=data["money"],
            approval=data["approval"],
            min_reading_ease=data["readability"]["min_score"],
            max_sentence_words=data["readability"]["max_sentence_words"],
        )


# --- kinds.yaml --------------------------------------------------------------------------


class ChannelSchema(_Strict):
    name = Localized(required=True)
    url = fields.String(load_default=None, validate=validate.Regexp(r"^https?://\S+$"))
    phone = _text(load_default=None)
    app = Localized(load_default=None)

    @validates_schema
    def _reachable(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not (data.get("url") or data.get("phone") or data.get("app")):
            raise ValidationError("Give at least one of 'url', 'phone' or 'app'.")

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.Channel:
        return model.Channel(**data)


class KindSchema(_Strict):
    id = Id(required=True, validate=validate.NoneOf([model.INITIATIVE]))
    name = Localized(required=True)
    keywords = KeywordList(required=True, validate=_positive_len)
    unless = KeywordList(load_default=tuple)
    question_mark = fields.Boolean(load_default=False)
    min_score = _int(load_default=3, validate=_positive)
    channel = fields.Nested(ChannelSchema, load_default=None)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> model.ProposalKind:
        return model.ProposalKind(
            id=data["id"],
            name=data["name"],
            keywords=tuple(data["keywords"]),
            unless=tuple(data["unless"]),
            question_mark=data["question_mark"],
            min_score=data["min_score"],
            channel=data["channel"],
        )


class KindsFileSchema(_Strict):
    kinds = fields.List(fields.Nested(KindSchema), load_default=list)

    @validates_schema(skip_on_field_errors=False)
    def _unique(self, data: dict[str, Any], **kwargs: Any) -> None:
        if problems := _unique_ids(data.get("kinds", [])):
            raise ValidationError(problems, "kinds")


#: Rule files a municipality may leave out (their defaults apply).
OPTIONAL_FILES: dict[str, dict[str, Any]] = {"kinds.yaml": {"kinds": []}}

FILE_SCHEMAS: dict[str, type[Schema]] = {
    "scope.yaml": ScopeFileSchema,
    "districts.yaml": DistrictsFileSchema,
    "themes.yaml": ThemesFileSchema,
    "advisors.yaml": AdvisorsFileSchema,
    "resources.yaml": ResourcesFileSchema,
    "budgets.yaml": BudgetsFileSchema,
    "stakeholders.yaml": StakeholdersFileSchema,
    "expectations.yaml": ExpectationsFileSchema,
    "service_purchase.yaml": ServicePurchaseFileSchema,
    "kinds.yaml": KindsFileSchema,
}
