"""The records of the sandbox's in-memory Decidim: plain, mutable dataclasses.

They mirror the Decidim tables the API reads (organization, taxonomies, participatory spaces,
components, proposals, comments, users, API users, space roles, private notes) with only the
columns the sandbox serves.
Times are epoch seconds; translated texts are ``{locale: text}`` maps, as Decidim stores them.
``SandboxState`` owns them and guards them with its lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROPOSAL_CLASS = "Decidim::Proposals::Proposal"
COMMENT_CLASS = "Decidim::Comments::Comment"
PROCESS_CLASS = "Decidim::ParticipatoryProcess"
ASSEMBLY_CLASS = "Decidim::Assembly"

#: URL path segment of each participatory space type (``/processes/<slug>/f/<component>/``).
SPACE_PATHS = {PROCESS_CLASS: "processes", ASSEMBLY_CLASS: "assemblies"}


@dataclass
class Organization:
    name: dict[str, str]
    host: str = "localhost"
    reference_prefix: str = "LB"
    available_locales: tuple[str, ...] = ("nl", "en")
    default_locale: str = "nl"
    time_zone: str = "Europe/Amsterdam"
    comments_max_length: int = 1000


#: Space roles as Decidim stores them (``valuator`` before 0.28 is ``evaluator`` here).
SPACE_ROLES = ("admin", "collaborator", "moderator", "evaluator")


@dataclass
class User:
    """A person with an account: a resident, or staff (``admin``: an organization admin)."""

    id: int
    name: str
    nickname: str
    deleted: bool = False
    admin: bool = False


@dataclass
class ApiUser:
    """A machine account created in /system (``Decidim::Api::ApiUser``); admins by default."""

    id: int
    name: str
    nickname: str
    key: str
    secret: str
    admin: bool = True


@dataclass(frozen=True)
class SpaceRole:
    """A user's role in one participatory space (Decidim's ``*UserRole`` tables)."""

    user_id: int
    space_id: int
    role: str  # one of SPACE_ROLES


@dataclass
class ProposalNote:
    """A private note on a proposal, seen only in Decidim's admin (``ProposalNote``)."""

    id: int
    proposal_id: int
    body: str
    author_id: int
    author_is_api_user: bool = False
    created_at: float = 0.0


@dataclass
class Taxonomy:
    id: int
    name: dict[str, str]
    parent_id: int | None = None
    weight: int = 0


@dataclass
class Space:
    id: int
    type: str  # PROCESS_CLASS or ASSEMBLY_CLASS
    slug: str
    title: dict[str, str]
    subtitle: dict[str, str] = field(default_factory=dict)
    published_at: float | None = None
    created_at: float = 0.0

    @property
    def published(self) -> bool:
        return self.published_at is not None


@dataclass
class ComponentSettings:
    """The component and current-step settings that change what the API allows."""

    answering_enabled: bool = True
    publish_answers_immediately: bool = True
    comments_enabled: bool = True
    comments_blocked: bool = False
    answers_with_costs: bool = False
    votes_hidden: bool = False


@dataclass
class ProposalStateDef:
    """A proposal answer state of a component (custom states exist since Decidim 0.28)."""

    token: str
    title: dict[str, str]
    announcement_title: dict[str, str] = field(default_factory=dict)
    bg_color: str = ""
    text_color: str = ""
    id: int = 0


@dataclass
class Component:
    id: int
    space_id: int
    manifest: str
    name: dict[str, str]
    weight: int = 0
    published_at: float | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    settings: ComponentSettings = field(default_factory=ComponentSettings)

    @property
    def published(self) -> bool:
        return self.published_at is not None


@dataclass
class Comment:
    id: int
    commentable_type: str  # PROPOSAL_CLASS or COMMENT_CLASS
    commentable_id: int
    root_proposal_id: int
    body: dict[str, str]
    author_id: int
    author_is_api_user: bool = False
    alignment: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0
    hidden: bool = False
    deleted: bool = False
    up_votes: int = 0
    down_votes: int = 0


@dataclass
class Proposal:
    id: int
    component_id: int
    title: dict[str, str]
    body: dict[str, str]
    author_id: int | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    taxonomy_ids: list[int] = field(default_factory=list)
    created_at: float = 0.0
    updated_at: float = 0.0
    published_at: float | None = None  # None: a draft
    hidden: bool = False  # moderated
    withdrawn_at: float | None = None
    # The answer as administrators see it; the API shows it only once published.
    internal_state: str = "not_answered"
    answer: dict[str, str] = field(default_factory=dict)
    answered_at: float | None = None
    state_published_at: float | None = None
    #: The API user whose ``answer`` mutation set the current answer (None: an administrator).
    answered_by_api_user: int | None = None
    cost: float | None = None
    cost_report: dict[str, str] = field(default_factory=dict)
    execution_period: dict[str, str] = field(default_factory=dict)
    vote_count: int = 0
    follows_count: int = 1
    #: Users assigned as evaluator (``ValuationAssignment``), in the order they were assigned.
    evaluator_ids: list[int] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def answer_published(self) -> bool:
        return self.state_published_at is not None

    @property
    def answer_state(self) -> str | None:
        """The answer state as saved, published or not (None: not answered), also once the
        proposal is withdrawn: what the admin's answer form and the module's events show."""
        return None if self.internal_state in ("", "not_answered") else self.internal_state

    @property
    def saved_state(self) -> str | None:
        """The answer state as saved, or withdrawn: what the module's guarded answer
        compares with its ``unlessStates``."""
        return "withdrawn" if self.withdrawn else self.answer_state

    @property
    def published_state(self) -> str | None:
        """The state the API shows: the saved state once its answer is published (withdrawn
        always), else null."""
        state = self.saved_state
        return state if state == "withdrawn" or self.answer_published else None
