"""Field mappings admins edit, and the translation between CRM records and the canonical model.

Start-up calls `load` (or `load_default`), which raises `MappingError` with every problem of
the file before any API call. Connectors ask `fields_for` / `associations_for` what to read,
translate flat records with the `to_*` functions, and render write intents with `render`.
No network or database code lives here: everything is a pure function of its arguments.
"""

from mappings.concepts import CURRENT_VERSION, READ, WRITE, Kind, Policy, Unit
from mappings.describe_check import check_against_describe
from mappings.described import Describe, FieldInfo, ObjectInfo, parent_through
from mappings.drift import (
    Dependency,
    DriftPlan,
    associations_for,
    dependencies,
    fields_for,
    plan_drift,
)
from mappings.intents import (
    AccountRollupIntent,
    Intent,
    RecastCreditIntent,
    RenewalIntent,
    RenewalLineIntent,
    TaskIntent,
)
from mappings.loader import default_path, load, load_default, load_text
from mappings.problems import MappingError, Problem
from mappings.reading import ASSOCIATION_PREFIX, FieldProblem, Record
from mappings.render import (
    AssociationWrite,
    Decision,
    HeldBack,
    Outcome,
    WritePlan,
    render,
)
from mappings.schema import Mapping
from mappings.translate import (
    AccountExtras,
    CaseRecord,
    FeedbackRecord,
    LineRecord,
    NpsRecord,
    OrderRecord,
    PriceRecord,
    TranslationError,
    UserRecord,
    lines_by_order,
    read_one,
    to_account,
    to_case,
    to_feedback,
    to_line,
    to_nps,
    to_order,
    to_price,
    to_user,
)

__all__ = [
    "ASSOCIATION_PREFIX",
    "CURRENT_VERSION",
    "READ",
    "WRITE",
    "AccountExtras",
    "AccountRollupIntent",
    "AssociationWrite",
    "CaseRecord",
    "Decision",
    "Dependency",
    "Describe",
    "DriftPlan",
    "FeedbackRecord",
    "FieldInfo",
    "FieldProblem",
    "HeldBack",
    "Intent",
    "Kind",
    "LineRecord",
    "Mapping",
    "MappingError",
    "NpsRecord",
    "ObjectInfo",
    "OrderRecord",
    "Outcome",
    "Policy",
    "PriceRecord",
    "Problem",
    "RecastCreditIntent",
    "Record",
    "RenewalIntent",
    "RenewalLineIntent",
    "TaskIntent",
    "TranslationError",
    "Unit",
    "UserRecord",
    "WritePlan",
    "associations_for",
    "check_against_describe",
    "default_path",
    "dependencies",
    "fields_for",
    "lines_by_order",
    "load",
    "load_default",
    "load_text",
    "parent_through",
    "plan_drift",
    "read_one",
    "render",
    "to_account",
    "to_case",
    "to_feedback",
    "to_line",
    "to_nps",
    "to_order",
    "to_price",
    "to_user",
]
