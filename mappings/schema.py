"""The mapping file as pydantic models: the shape only; meaning is checked by `validate`.

Every model forbids unknown keys, so a typo is reported where it is made. Policies, units
and canonical names are plain strings here and are checked against the concept tables by
`mappings.validate`, which can then name the closest valid choice. A field spec may be
written as a bare CRM field name; it is read as `{field: <name>}`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from contract_rules import UpgradeLines
from mappings.yamlsource import nearest_line

Scalar = str | int | float | bool | None


def _named(value: object) -> object:
    """A bare string is a CRM field name: `Amount` means `{field: Amount}`."""
    return {"field": value} if isinstance(value, str) else value


def _constant(value: object) -> object:
    """A bare scalar constant means `{value: <scalar>}`."""
    return value if isinstance(value, dict) else {"value": value}


_SPEC = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PerFromField(BaseModel):
    """The unit is read from another field of the same record (HubSpot billing frequency)."""

    model_config = _SPEC

    field: str
    values: dict[str, str] = Field(default_factory=dict)
    default: str = "year"


class ReadField(BaseModel):
    """Where one canonical value comes from: a field (or the first non-blank of several),
    a HubSpot association, or a constant; then a value map, a default and a unit."""

    model_config = _SPEC

    field: str | list[str] | None = None
    association: str | None = None
    value: Scalar = None
    values: dict[str, Scalar] | None = None
    default: Scalar = None
    per: str | PerFromField | None = None
    per_unit: bool = False
    required: bool | None = None
    transform: str | None = None
    stage_metadata: bool = False
    """Values from the CRM's pipeline stages (HubSpot: isClosed, probability); `values`
    still override stage by stage."""


class WriteField(BaseModel):
    """Where one canonical intent value goes, how it is converted, and when it is written."""

    model_config = _SPEC

    field: str | None = None
    association: str | None = None
    type_id: int | None = None
    value: Scalar = None
    values: dict[str, Scalar] | None = None
    default: Scalar = None
    per: str | None = None
    per_unit: bool = False
    policy: str | None = None
    transform: str | None = None


class Constant(BaseModel):
    """A fixed value for a CRM field the intents know nothing about (e.g. Type = Renewal)."""

    model_config = _SPEC

    value: Scalar
    policy: str = "if_blank"


class DiscountSpec(BaseModel):
    """One CRM field holding a discount on a line: percent or amount, recurring or one-time."""

    model_config = _SPEC

    field: str
    as_: str = Field(alias="as")
    kind: str
    per: str | None = None
    per_unit: bool = False


Where = str | dict[str, Scalar | list[Scalar]] | None

ReadFieldIn = Annotated[ReadField, BeforeValidator(_named)]
WriteFieldIn = Annotated[WriteField, BeforeValidator(_named)]
ConstantIn = Annotated[Constant, BeforeValidator(_constant)]


class ReadConcept(BaseModel):
    """Which CRM object holds a concept, which records of it (`where`), and its fields."""

    model_config = _SPEC

    object: str
    where: Where = None
    fields: dict[str, ReadFieldIn] = Field(default_factory=dict)
    discounts: list[DiscountSpec] = Field(default_factory=list)


class WriteConcept(BaseModel):
    """Which CRM object a write concept upserts, keyed by which field, with which fields."""

    model_config = _SPEC

    object: str
    key_field: str | None = None
    fields: dict[str, WriteFieldIn] = Field(default_factory=dict)
    constants: dict[str, ConstantIn] = Field(default_factory=dict)


class MappingSettings(BaseModel):
    """How this org records things that no single field says."""

    model_config = _SPEC

    upgrade_lines: UpgradeLines = UpgradeLines.DELTA


class Mapping(BaseModel):
    """A whole mapping file. `source` and `lines` remember where it came from, so later
    checks (describe, drift) can still name the file and line of a field."""

    model_config = _SPEC

    version: int
    crm: str
    read: dict[str, ReadConcept] = Field(default_factory=dict)
    write: dict[str, WriteConcept] = Field(default_factory=dict)
    settings: MappingSettings = Field(default_factory=MappingSettings)

    _source: str = PrivateAttr(default="<mapping>")
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)

    @property
    def source(self) -> str:
        """The file the mapping was loaded from."""
        return self._source

    @property
    def lines(self) -> dict[str, int]:
        """Key path -> line in the file (a copy)."""
        return dict(self._lines)

    def line_of(self, path: str) -> int | None:
        """The line of `path` in the file, or of its nearest parent that has one."""
        return nearest_line(self._lines, path)

    def locate(self, source: str, lines: dict[str, int]) -> Mapping:
        """Attach the file name and line table (set once by the loader)."""
        self._source, self._lines = source, dict(lines)
        return self


def field_names(spec: ReadField) -> tuple[str, ...]:
    """The CRM fields a read spec reads, in order."""
    if spec.field is None:
        return ()
    return (spec.field,) if isinstance(spec.field, str) else tuple(spec.field)


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts as spelled in the file (aliases included)."""
    return [info.alias or name for name, info in model.model_fields.items()]
