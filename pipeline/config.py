"""journey.yml → a validated, typed configuration; every mistake names its key path.

Paths in the file are relative to the file itself. Structural problems (unknown key, wrong type, empty stage
list, a glob that matches nothing) raise :class:`ConfigError` with one line such as
``journey.yml: sources.tickets.text: expected a column name (text), got 3``. Column checks against the files'
headers happen in :mod:`pipeline.ingest`, which raises the same error type.
"""

from __future__ import annotations

import fnmatch
import glob
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)


class ConfigError(Exception):
    """A problem the user fixes in journey.yml or in the input files (exit code 2)."""


class RunError(Exception):
    """A problem of the machine, not of the config: the warehouse is busy, unreadable or not DuckDB, the output
    folder cannot be written, the disk is full (exit code 1, one line, nothing half-written)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


ColumnName = Annotated[str, Field(min_length=1)]


class CsvDialect(_Strict):
    delimiter: str = ","
    encoding: str = "utf-8"

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, value: str) -> str:
        if value == "\\t":
            return "\t"
        if len(value) != 1 or value in {'"', "\n", "\r"}:
            raise ValueError("expected one character such as ',' ';' or '\\t'")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        normal = value.lower().replace("_", "-")
        aliases = {"utf8": "utf-8", "latin1": "latin-1", "iso-8859-1": "latin-1", "cp1252": "windows-1252"}
        normal = aliases.get(normal, normal)
        if normal not in {"utf-8", "latin-1", "windows-1252", "utf-16"}:
            raise ValueError("expected one of utf-8, latin-1, windows-1252, utf-16")
        return normal


class ClickstreamSource(CsvDialect):
    path: str
    customer_id: ColumnName
    timestamp: ColumnName
    timestamp_format: str | None = None
    touchpoint: ColumnName
    session_id: ColumnName | None = None
    attributes: list[ColumnName] = Field(default_factory=list)

    @field_validator("timestamp_format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        return _check_timestamp_format(value)

    @field_validator("attributes")
    @classmethod
    def _distinct_attributes(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for name in value:
            if name.lower() in seen:
                raise ValueError(f"attribute {name!r} is listed twice (names are compared ignoring case)")
            seen.add(name.lower())
        return value


class TicketSource(CsvDialect):
    path: str
    customer_id: ColumnName
    timestamp: ColumnName
    timestamp_format: str | None = None
    text: ColumnName
    category: ColumnName | None = None
    satisfaction: ColumnName | None = None
    ticket_id: ColumnName | None = None
    satisfaction_scale: Annotated[list[float], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: [1.0, 5.0]
    )
    about: dict[str, str] = Field(default_factory=dict)

    @field_validator("satisfaction_scale", mode="before")
    @classmethod
    def _scale(cls, value: Any) -> Any:
        if isinstance(value, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in value
        ):
            if len(value) == 2 and value[0] >= value[1]:
                raise ValueError("expected [lowest, highest] with lowest < highest, e.g. [1, 5]")
            return [float(v) for v in value]
        return value

    @field_validator("timestamp_format")
    @classmethod
    def _format(cls, value: str | None) -> str | None:
        return _check_timestamp_format(value)


def _check_timestamp_format(value: str | None) -> str | None:
    if value is None or value in {"epoch_s", "epoch_ms", "iso"}:
        return value
    if "%" not in value:
        raise ValueError("expected a strptime format such as '%d/%m/%Y %H:%M:%S', or iso, epoch_s, epoch_ms")
    return value


class Sources(_Strict):
    clickstream: ClickstreamSource
    tickets: TicketSource | None = None


class Sessions(_Strict):
    inactivity_minutes: Annotated[int, Field(gt=0, le=7 * 24 * 60)] = 30


class Mining(_Strict):
    noise_threshold: Annotated[float, Field(ge=0, lt=1)] = 0.2
    variant_coverage: Annotated[float, Field(gt=0, le=1)] = 0.8
    max_variants: Annotated[int, Field(ge=1, le=1000)] = 50

    @field_validator("noise_threshold", "variant_coverage", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class PainWeights(_Strict):
    voice: Annotated[float, Field(ge=0)] = 0.45
    drop_off: Annotated[float, Field(ge=0)] = 0.30
    loops: Annotated[float, Field(ge=0)] = 0.15
    waiting: Annotated[float, Field(ge=0)] = 0.10

    @field_validator("voice", "drop_off", "loops", "waiting", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class PainPoints(_Strict):
    weights: PainWeights = Field(default_factory=PainWeights)
    voice_full_at: Annotated[float, Field(gt=0, le=1)] = 0.25
    text_weight: Annotated[float, Field(ge=0, le=1)] = 0.5
    top: Annotated[int, Field(ge=1, le=100)] = 10

    @field_validator("voice_full_at", "text_weight", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


PersonaBlock = Literal["touchpoints", "transitions", "timing", "attributes"]
PERSONA_BLOCKS: tuple[PersonaBlock, ...] = ("touchpoints", "transitions", "timing", "attributes")


def _all_persona_blocks() -> list[PersonaBlock]:
    return list(PERSONA_BLOCKS)


class Personas(_Strict):
    count: Literal["auto"] | Annotated[int, Field(ge=1, le=12)] = "auto"
    features: Annotated[list[PersonaBlock], Field(min_length=1)] = Field(default_factory=_all_persona_blocks)
    max_count: Annotated[int, Field(ge=2, le=12)] = 8
    min_silhouette: Annotated[float, Field(ge=0, lt=1)] = 0.25
    min_excess: Annotated[float, Field(ge=0, lt=1)] = 0.1
    seed: int = 7

    @field_validator("min_silhouette", "min_excess", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Stage(_Strict):
    name: Annotated[str, Field(min_length=1)]
    touchpoints: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == UNMAPPED:
            raise ValueError(f"'{UNMAPPED}' is reserved for touchpoints that match no stage")
        return value


class AnyOf(_Strict):
    any_of: Annotated[list[Step], Field(min_length=2)]


class Optional_(_Strict):
    optional: Step


def _step_kind(value: Any) -> str | None:
    """Which kind of step a raw value is meant to be, from its shape (so errors come from that kind)."""
    if isinstance(value, str):
        return "name"
    if isinstance(value, dict):
        if "optional" in value:
            return "optional"
        return "any_of"  # {any_of: …} or a misspelt key, which AnyOf then reports as unknown
    if isinstance(value, AnyOf):
        return "any_of"
    if isinstance(value, Optional_):
        return "optional"
    return None


Step = Annotated[
    Annotated[str, Tag("name")] | Annotated[AnyOf, Tag("any_of")] | Annotated[Optional_, Tag("optional")],
    Discriminator(_step_kind),
]


_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


class Engine(_Strict):
    """How the DuckDB warehouse may use this machine: memory before it spills to disk, threads, where it spills."""

    memory_limit: str = "1GB"
    threads: Annotated[int, Field(ge=1, le=256)] | None = None
    temp_directory: str | None = None

    @field_validator("memory_limit")
    @classmethod
    def _size(cls, value: str) -> str:
        if not _SIZE.match(value):
            raise ValueError(f"{value!r} is not a size; expected a number and a unit, such as 1GB or 512MB")
        return value.strip()

    @property
    def memory_limit_bytes(self) -> int:
        """`memory_limit` in bytes, as DuckDB reads it (KB, MB, … are powers of 1000; KiB, MiB, … of 1024)."""
        found = _SIZE.match(self.memory_limit)
        assert found is not None  # validated
        number = float(found.group(0).strip()[: -len(found.group(2))])
        unit = found.group(2).upper()
        power = {"B": 0, "K": 1, "M": 2, "G": 3, "T": 4}[unit[0]]
        return int(number * (1024 if "I" in unit else 1000) ** power)


class Config(_Strict):
    name: Annotated[str, Field(min_length=1)] = "Observed journeys"
    warehouse: str = "data/warehouse.duckdb"
    timezone: str = "UTC"
    sources: Sources
    sessions: Sessions = Field(default_factory=Sessions)
    stages: Annotated[list[Stage], Field(min_length=1)]
    assumed_journey: list[Step] = Field(default_factory=list)
    mining: Mining = Field(default_factory=Mining)
    pain_points: PainPoints = Field(default_factory=PainPoints)
    personas: Personas = Field(default_factory=Personas)
    engine: Engine = Field(default_factory=Engine)
    # Set by load_config, not read from the file.
    base_dir: Path = Field(default=Path("."), exclude=True)
    source_file: Path = Field(default=Path("journey.yml"), exclude=True)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; expected an IANA name such as Europe/Amsterdam"
            ) from None
        return value

    @field_validator("stages")
    @classmethod
    def _unique_stage_names(cls, value: list[Stage]) -> list[Stage]:
        seen: set[str] = set()
        for stage in value:
            if stage.name in seen:
                raise ValueError(f"stage name {stage.name!r} appears twice")
            seen.add(stage.name)
        return value

    @model_validator(mode="after")
    def _assumed_steps_are_named(self) -> Config:
        for index, step in enumerate(self.assumed_journey):
            for name in step_touchpoints(step):
                if not name.strip():
                    raise ValueError(f"assumed_journey.{index}: empty touchpoint name")
        return self

    # Derived helpers ----------------------------------------------------------------------------------
    def stage_order_of(self, touchpoint: str) -> int | None:
        """1-based order of the first stage whose pattern matches the touchpoint (GLOB semantics)."""
        for order, stage in enumerate(self.stages, start=1):
            if any(fnmatch.fnmatchcase(touchpoint, pattern) for pattern in stage.touchpoints):
                return order
        return None

    @property
    def goal_stage_order(self) -> int:
        """The stage where the assumed journey's last required step lies (else the last stage).

        Ending a journey at or after this stage is completion, not drop-off (pain points).
        """
        for step in reversed(self.assumed_journey):
            if isinstance(step, Optional_):
                continue
            orders = [o for name in step_touchpoints(step) if (o := self.stage_order_of(name)) is not None]
            if orders:
                return max(orders)
        return len(self.stages)

    @property
    def warehouse_path(self) -> Path:
        return (self.base_dir / self.warehouse).resolve()

    @property
    def spill_path(self) -> Path:
        """Where DuckDB writes what does not fit in `engine.memory_limit` (default: next to the warehouse)."""
        if self.engine.temp_directory:
            return (self.base_dir / self.engine.temp_directory).resolve()
        return self.warehouse_path.with_name(self.warehouse_path.name + ".tmp")

    def source_files(self, source: Literal["clickstream", "tickets"]) -> list[Path]:
        """The files a source's path (file or glob) names, in name order."""
        src = self.sources.clickstream if source == "clickstream" else self.sources.tickets
        if src is None:
            return []
        pattern = str(self.base_dir / src.path)
        return sorted(Path(p).resolve() for p in glob.glob(pattern) if Path(p).is_file())


UNMAPPED = "Unmapped"


def step_touchpoints(step: Step) -> list[str]:
    """Every touchpoint name a step of the assumed journey mentions."""
    if isinstance(step, str):
        return [step]
    if isinstance(step, AnyOf):
        return [name for inner in step.any_of for name in step_touchpoints(inner)]
    return step_touchpoints(step.optional)


def load_config(path: str | Path) -> Config:
    """Read and validate journey.yml; paths inside it are taken relative to the file."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{file}: config file not found")
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{file.name}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file.name}: not UTF-8 text") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{file.name}: expected a mapping of keys (name, sources, stages, …) at the top")
    if "base_dir" in raw or "source_file" in raw:
        key = "base_dir" if "base_dir" in raw else "source_file"
        raise ConfigError(f"{file.name}: {key}: unknown key")
    try:
        config = Config.model_validate(
            {**raw, "base_dir": file.parent.resolve(), "source_file": file.resolve()}
        )
    except ValidationError as exc:
        raise ConfigError(f"{file.name}: {_first_error(exc, raw)}") from None
    for source in ("clickstream", "tickets"):
        src = getattr(config.sources, source)
        if src is not None and not config.source_files(source):
            raise ConfigError(
                f"{file.name}: sources.{source}.path: no file matches {src.path!r} (relative to {config.base_dir})"
            )
    return config


def _first_error(exc: ValidationError, raw: dict[str, Any]) -> str:
    """One readable line for the most relevant pydantic error: key path, what was expected, what was found."""
    errors = exc.errors(include_url=False)
    # Union members (str | AnyOf | Optional_) each report; prefer the one that names a real key.
    rank = {"extra_forbidden": 0, "missing": 2, "string_type": 3}
    errors.sort(key=lambda e: (rank.get(e["type"], 1), len(e["loc"])))
    error = errors[0]
    path = _key_path(error["loc"])
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return f"{path}: unknown key"
    if kind == "missing":
        return f"{path}: required key is missing"
    if kind == "too_short":
        ctx = error.get("ctx", {})
        if ctx.get("actual_length") == 0:
            return f"{path}: expected at least one entry, got an empty list"
        return f"{path}: expected at least {ctx.get('min_length')} entries, got {ctx.get('actual_length')}"
    if kind in {"union_tag_not_found", "union_tag_invalid"}:
        expected = "a touchpoint name, {any_of: [...]} or {optional: ...}"
        return f"{path}: expected {expected}, got {_describe(error.get('input'))}"
    if kind.endswith("_type") or kind == "model_type":
        expected = {
            "string_type": "text",
            "int_type": "a whole number",
            "list_type": "a list",
            "dict_type": "a mapping",
            "model_type": "a mapping",
            "bool_type": "true or false",
            "float_type": "a number",
        }.get(kind, kind.removesuffix("_type"))
        if _is_step_path(error["loc"]):
            expected = "a touchpoint name, {any_of: [...]} or {optional: ...}"
        return f"{path}: expected {expected}, got {_describe(error.get('input'))}"
    msg = re.sub(r"^Value error, ", "", msg)
    return f"{path}: {msg}"


def _is_step_path(loc: tuple[Any, ...]) -> bool:
    return bool(loc) and loc[0] == "assumed_journey"


def _key_path(loc: tuple[Any, ...]) -> str:
    """Dotted key path; the union tags pydantic inserts where a journey step is validated are left out."""
    parts: list[str] = []
    step_next = False
    for part in loc:
        if step_next and part in {"name", "any_of", "optional"}:
            step_next = False
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        parts.append(str(part))
        in_journey = bool(parts) and parts[0] == "assumed_journey"
        step_next = in_journey and (isinstance(part, int) or part == "optional")
    return ".".join(parts) if parts else "(top level)"


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{value!r}"


AnyOf.model_rebuild()
Optional_.model_rebuild()
Config.model_rebuild()
