"""CSV exports → raw_clickstream / raw_tickets, with every bad row kept in rejected_rows and a file manifest.

Per new file (identified by content hash, so re-ingesting changes nothing):

1. one pass over the bytes: SHA-256, size, newline count;
2. the header is read and each configured column looked up (a missing one is a :class:`ConfigError`);
3. DuckDB's CSV reader reads every column as text with a pinned dialect; structural rejects (wrong field
   count, unterminated quote, bad encoding) come from its ``store_rejects`` tables;
4. one SQL pass types the rows: timestamps to UTC per the config, ids and touchpoints trimmed; rows without a
   customer id, touchpoint or parseable timestamp go to ``rejected_rows`` with the line they start on;
5. manifest row with rows_in = rows_loaded + rows_rejected for the file.

All of a file's writes happen in one transaction: a crash leaves the file either fully ingested or absent. Two
files of a source load at once (INGEST_WORKERS, each in its own connection), committing in path order.
Duplicates are found in staging (they can span files) and counted there.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

import duckdb
import pandas as pd

from .config import ClickstreamSource, Config, ConfigError, TicketSource
from .db import execute, fault_point, quote_ident, quote_literal

Source = Literal["clickstream", "tickets"]
SourceSpec = ClickstreamSource | TicketSource
# in the order they are checked and ingested: tickets first, so that their texts can be scored (in a thread,
# flow.py) while the much larger clickstream loads
SOURCES: tuple[Source, ...] = ("tickets", "clickstream")

# Files of one source loaded at once, each in a connection and transaction of its own: one load leaves ~0.4 of
# two cores idle (the CSV reader's and the insert's serial parts, small files on one thread), and the ticket
# scoring beside it takes less than that. Only when every file is at most a PARALLEL_SHARE of the memory limit:
# a file's load table holds ~1.3× its bytes, and two 1.4 GB monthly files at once (100M events) ran out of a
# 1 GB limit where one at a time spills and completes.
INGEST_WORKERS = 2
PARALLEL_SHARE = 0.25

# Timestamps outside this window are rejected as out of range (an export bug, not a customer event).
EARLIEST = "1970-01-01"
LATEST = "2100-01-01"

READER_REASONS = {
    "TOO MANY COLUMNS": "wrong number of fields",
    "MISSING COLUMNS": "wrong number of fields",
    "UNQUOTED VALUE": "unterminated or stray quote",
    "INVALID ENCODING": "invalid encoding",
    "INVALID UNICODE": "invalid encoding",
    "LINE SIZE OVER MAXIMUM": "line too long",
    "CAST": "unreadable value",
}

SCHEMA = """
create table if not exists ingested_files (
    file_id integer primary key,
    source varchar not null,
    path varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    bytes bigint not null,
    columns varchar[],
    ingested_at timestamptz not null,
    rows_in bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    attribute_names varchar[]
);
create table if not exists raw_clickstream (
    file_id integer not null,
    record_no bigint not null,
    customer_id varchar not null,
    occurred_at timestamptz not null,
    touchpoint varchar not null,
    session_id varchar,
    attribute_values varchar[]
);
create table if not exists raw_tickets (
    file_id integer not null,
    record_no bigint not null,
    ticket_id varchar,
    customer_id varchar not null,
    occurred_at timestamptz not null,
    category varchar,
    body varchar,
    satisfaction varchar
);
create table if not exists raw_rejects (
    source varchar not null,
    file_id integer not null,
    file_name varchar not null,
    line bigint,
    record_no bigint,
    raw_text varchar,
    reason varchar not null,
    detail varchar
);
"""


@dataclass
class FileResult:
    """What ingesting one file did."""

    source: Source
    path: Path
    status: Literal["loaded", "unchanged", "empty"]
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    same_as: str | None = None  # for "unchanged": the ingested file with the same content


@dataclass
class IngestResult:
    files: list[FileResult] = field(default_factory=list)

    @property
    def new_files(self) -> list[FileResult]:
        return [f for f in self.files if f.status != "unchanged"]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables ingestion writes, if they do not exist yet, and bring an older warehouse's up to date."""
    con.execute(SCHEMA)
    _upgrade_attributes(con)


def _upgrade_attributes(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse written before attributes were stored as values kept a map per click (`attributes`): its keys
    become its file's `attribute_names` and its values `attribute_values`, in one transaction."""
    columns = {
        (table, column)
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = 'main'"
            " and table_name in ('ingested_files', 'raw_clickstream')"
        ).fetchall()
    }
    if ("ingested_files", "attribute_names") in columns and ("raw_clickstream", "attributes") not in columns:
        return
    con.execute("begin transaction")
    try:
        if ("ingested_files", "attribute_names") not in columns:
            con.execute("alter table ingested_files add column attribute_names varchar[]")
        if ("raw_clickstream", "attributes") in columns:
            # every click of a file has the same keys in the same order (one struct cast per file at ingest)
            con.execute(
                "update ingested_files as f set attribute_names = k.names from ("
                " select file_id, any_value(map_keys(attributes)) as names from raw_clickstream"
                " where attributes is not null group by file_id) as k where k.file_id = f.file_id"
            )
            con.execute("alter table raw_clickstream add column attribute_values varchar[]")
            con.execute("update raw_clickstream set attribute_values = map_values(attributes)")
            con.execute("alter table raw_clickstream drop column attributes")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def check_sources(config: Config) -> None:
    """Read every input file's header and raise ConfigError for the first configured column it lacks."""
    for source in SOURCES:
        spec = _spec(config, source)
        if spec is None:
            continue
        for path in config.source_files(source):
            file_spec = sniff_dialect(source, spec, path)
            header = read_header(path, file_spec.delimiter, file_spec.encoding)
            if header is not None:
                check_header(source, file_spec, path, header, config.source_file.name)


def ingest(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    on_source_done: Callable[[Source], None] | None = None,
) -> IngestResult:
    """Load every new file of every configured source (tickets first); files already in the manifest are
    skipped. `on_source_done(source)` is called once each source's files are committed, configured or not."""
    check_sources(config)
    ensure_schema(con)
    result = IngestResult()
    # record_no is a row's place in its file, read from the load table's rowids: rows must stay in file order
    # (the models may run with preserve_insertion_order off; loading may not). ISO timestamps without an
    # offset are read in the session's time zone (_timestamp_sql): the configured one while loading.
    with _session_settings(con, preserve_insertion_order=True, TimeZone=config.timezone):
        for source in SOURCES:
            if _spec(config, source) is not None:
                result.files += _ingest_source(con, config, source, config.source_files(source))
            if on_source_done:
                on_source_done(source)
    return result


class IngestStopped(RuntimeError):
    """A file loaded beside one that failed before it (in path order) is rolled back, not committed."""


class _Manifest:
    """What the files being ingested at once share: their file ids, and one lock around each file's last step
    (is its content already known? then its manifest row and commit), so that a file repeating another's content
    is found unchanged however the two loads overlap.

    File ids are given in path order, whatever order the loads finish in: first to every file whose path and
    size are not in the manifest yet, then, as their loads start, to known paths whose content changed. A load
    rolled back because its content is known under another name leaves its id unused. Loaded side by side,
    files still commit in path order (each waits for the ones before it), as when they are loaded one after the
    other: of two files with the same content the first by path is kept, and when a file fails none after it
    commits (those loading roll back, the rest do not start)."""

    def __init__(
        self, next_id: int, reserved: dict[Path, int] | None = None, order: list[Path] | None = None
    ) -> None:
        self.reserved = dict(reserved or {})
        self.next_id = next_id
        self.lock = threading.Lock()
        self.order = list(order or [])
        self.finished = {path: threading.Event() for path in self.order}
        self.failed: set[Path] = set()

    @classmethod
    def of(
        cls, con: duckdb.DuckDBPyConnection, source: Source, paths: list[Path], in_order: bool = False
    ) -> _Manifest:
        row = con.execute("select coalesce(max(file_id), 0) + 1 from ingested_files").fetchone()
        first = int(row[0]) if row else 1
        known = {
            (str(path), int(size))
            for path, size in con.execute(
                "select path, bytes from ingested_files where source = ?", [source]
            ).fetchall()
        }
        new = [p for p in paths if (str(p), p.stat().st_size) not in known]
        return cls(first + len(new), {p: first + i for i, p in enumerate(new)}, paths if in_order else None)

    def wait_for_earlier(self, path: Path) -> None:
        """Until every file before `path` (in the order given) has finished: committed, found unchanged or
        failed — then IngestStopped if one failed. Files are started in that order, so each one waited for has
        started."""
        if path in self.finished:
            earlier = self.order[: self.order.index(path)]
            for other in earlier:
                self.finished[other].wait()
            with self.lock:
                if self.failed.intersection(earlier):
                    raise IngestStopped(f"{path.name} not ingested: a file before it failed")

    def finish(self, path: Path, failed: bool) -> None:
        if path in self.finished:
            with self.lock:
                if failed:
                    self.failed.add(path)
            self.finished[path].set()

    def take_id(self, path: Path) -> int:
        """The file id of a load that starts now."""
        with self.lock:
            if path in self.reserved:
                return self.reserved.pop(path)
            self.next_id += 1
            return self.next_id - 1


def _ingest_source(
    con: duckdb.DuckDBPyConnection, config: Config, source: Source, paths: list[Path]
) -> list[FileResult]:
    """Every file of one source, INGEST_WORKERS at a time when none is larger than PARALLEL_SHARE of the memory
    limit, else one by one (each file in one transaction of its own, committed in path order: `_Manifest`);
    results in path order. If one fails, files not started yet are not started, and those loading beside it roll
    back if they come after it."""
    # a gzip file's load table holds its content, several times its bytes on disk
    largest = max((p.stat().st_size * (8 if is_gzip(p) else 1) for p in paths), default=0)
    if len(paths) < 2 or INGEST_WORKERS < 2 or largest > PARALLEL_SHARE * config.engine.memory_limit_bytes:
        manifest = _Manifest.of(con, source, paths)
        return [ingest_file(con, config, source, path, manifest) for path in paths]
    manifest = _Manifest.of(con, source, paths, in_order=True)
    pool = ThreadPoolExecutor(max_workers=INGEST_WORKERS)
    try:
        futures = [
            pool.submit(_ingest_in_own_connection, con, config, source, path, manifest) for path in paths
        ]
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ingest_in_own_connection(
    con: duckdb.DuckDBPyConnection, config: Config, source: Source, path: Path, manifest: _Manifest
) -> FileResult:
    """`ingest_file` on a connection of its own (its temp tables and transaction its own; the time zone, a
    per-connection setting, the configured one like the caller's)."""
    done = False
    try:
        with manifest.lock:  # made from the caller's connection, which the workers share: one at a time
            cursor = con.cursor()
        with closing(cursor):
            cursor.execute(f"set TimeZone = {quote_literal(config.timezone)}")
            result = ingest_file(cursor, config, source, path, manifest)
        done = True
        return result
    finally:
        manifest.finish(path, failed=not done)


@contextmanager
def _session_settings(con: duckdb.DuckDBPyConnection, **settings: object) -> Iterator[None]:
    """DuckDB settings changed for the block and put back to what the caller had afterwards."""
    before = {
        name: con.execute("select current_setting(?)", [name]).fetchone()[0]  # type: ignore[index]
        for name in settings
    }
    for name, value in settings.items():
        con.execute(f"set {name} = {quote_literal(str(value))}")
    try:
        yield
    finally:
        for name, value in before.items():
            con.execute(f"set {name} = {quote_literal(str(value))}")


def _spec(config: Config, source: Source) -> ClickstreamSource | TicketSource | None:
    return config.sources.clickstream if source == "clickstream" else config.sources.tickets


@dataclass(frozen=True)
class FileScan:
    sha256: str
    size: int
    newlines: int
    ends_with_newline: bool


def is_gzip(path: Path) -> bool:
    """A gzip-compressed CSV (`.gz`): DuckDB reads it as such; Python opens it through gzip."""
    return path.suffix.lower() == ".gz"


def open_text(path: Path, encoding: str) -> IO[str]:
    """The file as text for Python's csv module (BOM stripped from UTF-8; gzip decompressed)."""
    py_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    if is_gzip(path):
        return gzip.open(path, "rt", encoding=py_encoding, errors="replace", newline="")
    return path.open("r", encoding=py_encoding, errors="replace", newline="")


def scan_file(path: Path) -> FileScan:
    """Hash and size of a file's bytes, and the newline count of its content, in one pass."""
    digest = hashlib.sha256()
    size = newlines = 0
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
            size += len(chunk)
            if not is_gzip(path):
                newlines += chunk.count(b"\n")
                last = chunk[-1:]
    if is_gzip(path) and size:
        with gzip.open(path, "rb") as gz:
            while chunk := gz.read(1 << 22):
                newlines += chunk.count(b"\n")
                last = chunk[-1:]
    return FileScan(digest.hexdigest(), size, newlines, last == b"\n")


def read_header(path: Path, delimiter: str, encoding: str) -> list[str] | None:
    """The header row's column names (BOM stripped), or None for an empty file."""
    with open_text(path, encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True)
        for row in reader:
            if row and any(cell.strip() for cell in row):
                return [cell.strip() for cell in row]
            return None
    return None


def _unique_names(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(names, start=1):
        base = name or f"column{index}"
        count = seen.get(base, 0)
        seen[base] = count + 1
        out.append(base if count == 0 else f"{base}_{count + 1}")
    return out


def _required_columns(source: Source, spec: ClickstreamSource | TicketSource) -> dict[str, str]:
    """Config key path → column name, for every column the config names."""
    wanted: dict[str, str] = {}
    for key in ("customer_id", "timestamp"):
        wanted[f"sources.{source}.{key}"] = getattr(spec, key)
    if isinstance(spec, ClickstreamSource):
        wanted[f"sources.{source}.touchpoint"] = spec.touchpoint
        if spec.session_id:
            wanted[f"sources.{source}.session_id"] = spec.session_id
        for i, attr in enumerate(spec.attributes):
            wanted[f"sources.{source}.attributes.{i}"] = attr
    else:
        wanted[f"sources.{source}.text"] = spec.text
        for key in ("category", "satisfaction", "ticket_id"):
            if getattr(spec, key):
                wanted[f"sources.{source}.{key}"] = getattr(spec, key)
    return wanted


SNIFF_BYTES = 1 << 16
OTHER_DELIMITERS = (";", "\t", "|")


def sniff_dialect(source: Source, spec: SourceSpec, path: Path) -> SourceSpec:
    """The file's delimiter and encoding, where the config leaves them out and guessing is safe.

    Encoding: a file whose first 64 kB are not UTF-8 is read as Windows-1252 (a superset of Latin-1's printable
    characters; every byte decodes). Delimiter: when `,` does not give a header with every configured column but
    exactly one of `;`, tab or `|` does, that one. A setting in the config is never second-guessed.
    """
    update: dict[str, str] = {}
    if "encoding" not in spec.model_fields_set:
        with gzip.open(path, "rb") if is_gzip(path) else path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the sample's end
                update["encoding"] = "windows-1252"
    if "delimiter" not in spec.model_fields_set:
        encoding = update.get("encoding", spec.encoding)
        wanted = set(_required_columns(source, spec).values())
        header = read_header(path, spec.delimiter, encoding) or []
        if not wanted <= set(header):
            fits = [d for d in OTHER_DELIMITERS if wanted <= set(read_header(path, d, encoding) or [])]
            if len(fits) == 1:
                update["delimiter"] = fits[0]
    return spec.model_copy(update=update) if update else spec


def check_header(
    source: Source, spec: ClickstreamSource | TicketSource, path: Path, header: list[str], config_name: str
) -> None:
    """Raise ConfigError naming the key and the file when a configured column is missing from the header."""
    for key, column in _required_columns(source, spec).items():
        if column not in header:
            shown = ", ".join(header[:12]) + (", …" if len(header) > 12 else "")
            raise ConfigError(
                f"{config_name}: {key}: column {column!r} not in {path.name} (its columns: {shown})"
            )


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    source: Source,
    path: Path,
    manifest: _Manifest | None = None,
) -> FileResult:
    """Ingest one file unless its content is already in the manifest.

    The file's hash decides: a file whose path and size are in the manifest is hashed first (on a nightly re-run
    that is nearly every file, and most are unchanged); any other file is hashed in a thread while DuckDB loads
    it (hashing 890 MB took 1.5 s on one core beside the load) and, should its content turn out to be known
    under another name, the load is rolled back.
    """
    configured = _spec(config, source)
    assert configured is not None
    spec = sniff_dialect(source, configured, path)
    size = path.stat().st_size
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(scan_file, path)  # hashlib releases the GIL
        seen = con.execute(
            "select count(*) from ingested_files where source = ? and path = ? and bytes = ?",
            [source, str(path), size],
        ).fetchone()
        if seen and seen[0]:
            known = _known_as(con, source, scanning.result())
            if known:
                return FileResult(source, path, "unchanged", same_as=known)

        header = read_header(path, spec.delimiter, spec.encoding) if size else None
        if header is not None:
            check_header(source, spec, path, header, config.source_file.name)

        if manifest is None:
            manifest = _Manifest.of(con, source, [path])
        file_id = manifest.take_id(path)
        con.execute("begin transaction")
        try:
            if header is None:
                counts = (0, 0, 0)
                status: Literal["loaded", "empty"] = "empty"
            else:
                counts = _load_rows(con, config, source, spec, path, header, file_id, scanning.result)
                status = "loaded" if counts[0] else "empty"
            scan = scanning.result()
            manifest.wait_for_earlier(path)
            with manifest.lock:
                # asked in a transaction of its own, which sees what files loaded alongside have committed
                with closing(con.cursor()) as fresh:
                    known = _known_as(fresh, source, scan)
                if known:  # the same content under another name: nothing of this load is kept
                    con.execute("rollback")
                    return FileResult(source, path, "unchanged", same_as=known)
                _commit_manifest_row(con, source, path, spec, scan, header, file_id, counts)
        except BaseException:
            con.execute("rollback")
            raise
        finally:
            con.execute("drop table if exists _load")
            con.execute("drop table if exists _bad")
    rows_in, loaded, rejected = counts
    return FileResult(source, path, status, rows_in, loaded, rejected)


def _commit_manifest_row(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    path: Path,
    spec: SourceSpec,
    scan: FileScan,
    header: list[str] | None,
    file_id: int,
    counts: tuple[int, int, int],
) -> None:
    """The file's row in ingested_files, then the commit of its whole transaction."""
    con.execute(
        "insert into ingested_files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            file_id,
            source,
            str(path),
            path.name,
            scan.sha256,
            scan.size,
            header or [],
            datetime.now(UTC),
            *counts,
            list(spec.attributes) if isinstance(spec, ClickstreamSource) and spec.attributes else None,
        ],
    )
    fault_point("ingest-commit")
    con.execute("commit")


def _timestamp_sql(column: str, fmt: str | None) -> tuple[str, dict[str, str]]:
    """SQL expression turning a text column into a UTC timestamptz (NULL when it cannot be read).

    ISO 8601 values are cast to TIMESTAMPTZ while the session's time zone is the configured one
    (:func:`ingest` sets it): an offset or zone after the time (Z, UTC, +02, +02:00, -0500,
    America/New_York) is honoured, a value without one is local time in the configured zone, DST gaps and
    repeats resolved as `timezone(zone, timestamp)` resolves them. Upper-cased because RFC 3339 allows a
    lower-case t and z; only values that start with a digit, so that DuckDB's special words (epoch,
    infinity) are not read as instants. One cast instead of an offset regex and two casts, which read a
    lower-case `utc` or a zone name as local time (dropping it) and a BC date as AD; ~0.3 s less at 11M rows.
    """
    col = f"nullif(trim({quote_ident(column)}), '')"
    if fmt in (None, "iso"):
        return (
            f"case when left({col}, 1) between '0' and '9' then try_cast(upper({col}) as timestamptz) end",
            {},
        )
    if fmt in ("epoch_s", "epoch_ms"):
        # to_timestamp fails the whole statement outside years 1-9999: such values become NULL (then rejected)
        seconds = f"try_cast({col} as double)" + (" / 1000.0" if fmt == "epoch_ms" else "")
        return (
            f"case when {seconds} between -62135596800 and 253402300799 then to_timestamp({seconds}) end",
            {},
        )
    if "%z" in fmt or "%Z" in fmt:
        return f"try_strptime({col}, $fmt)", {"fmt": fmt}
    return f"timezone($tz, try_strptime({col}, $fmt))", {"fmt": fmt}


def _known_as(con: duckdb.DuckDBPyConnection, source: Source, scan: FileScan) -> str | None:
    """The name of the ingested file of this source with the same content, if any."""
    known = con.execute(
        "select file_name from ingested_files where source = ? and sha256 = ? order by file_id limit 1",
        [source, scan.sha256],
    ).fetchone()
    return str(known[0]) if known else None


def _reader_options(spec: ClickstreamSource | TicketSource) -> str:
    return (
        "auto_detect = false, header = true, delim = $delim, quote = '\"', escape = '\"',"
        " store_rejects = true, encoding = $encoding, max_line_size = 20000000, strict_mode = true"
    )


def _load_rows(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    source: Source,
    spec: ClickstreamSource | TicketSource,
    path: Path,
    header: list[str],
    file_id: int,
    scan: Callable[[], FileScan],
) -> tuple[int, int, int]:
    """Read one file into raw_<source> and raw_rejects; returns (rows_in, rows_loaded, rows_rejected).

    `scan` gives the file's scan (waiting for it, if it is being made beside the load) once the rows are in."""
    with _readable_by_duckdb(path, spec.encoding, config.spill_path) as (reader_path, reader_encoding):
        return _load_rows_from(
            con, config, source, spec, path, header, file_id, scan, reader_path, reader_encoding
        )


DUCKDB_ENCODINGS = ("utf-8", "latin-1", "utf-16")


@contextmanager
def _readable_by_duckdb(path: Path, encoding: str, scratch: Path) -> Iterator[tuple[Path, str]]:
    """The file as DuckDB can read it offline: as is, or (Windows-1252, which needs a downloaded DuckDB
    extension) transcoded to a temporary UTF-8 copy with the same lines, removed afterwards."""
    if encoding in DUCKDB_ENCODINGS:
        yield path, encoding
        return
    scratch.mkdir(parents=True, exist_ok=True)
    copy = scratch / f"transcoded-{os.getpid()}-{path.name}.csv"
    try:
        with open_text(path, encoding) as src, copy.open("w", encoding="utf-8", newline="") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield copy, "utf-8"
    finally:
        copy.unlink(missing_ok=True)


def _load_rows_from(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    source: Source,
    spec: ClickstreamSource | TicketSource,
    path: Path,
    header: list[str],
    file_id: int,
    scan: Callable[[], FileScan],
    reader_path: Path,
    reader_encoding: str,
) -> tuple[int, int, int]:
    names = _unique_names(header)
    columns = dict.fromkeys(names, "VARCHAR")
    params = {
        "path": str(reader_path),
        "columns": columns,
        "delim": spec.delimiter,
        "encoding": reader_encoding,
    }
    ts_sql, ts_params = _timestamp_sql(spec.timestamp, spec.timestamp_format)
    q = quote_ident
    cid = f"nullif(trim({q(spec.customer_id)}), '')"
    checks: list[tuple[str, str, str]] = [
        ("missing customer id", f"{cid} is null", "''"),
        ("missing timestamp", f"nullif(trim({q(spec.timestamp)}), '') is null", "''"),
        (
            "unparseable timestamp",
            "__ts is null",
            f"'could not read ' || {q(spec.timestamp)} || ' as ' || $expect",
        ),
        (
            "timestamp out of range",
            # explicit offsets: the session's time zone is the configured one while this runs
            f"__ts < timestamptz '{EARLIEST} 00:00:00+00' or __ts >= timestamptz '{LATEST} 00:00:00+00'",
            f"{q(spec.timestamp)} || ' is before {EARLIEST} or after {LATEST}'",
        ),
    ]
    if isinstance(spec, ClickstreamSource):
        checks.insert(1, ("missing touchpoint", f"nullif(trim({q(spec.touchpoint)}), '') is null", "''"))
    reason_sql = "case " + " ".join(f"when {cond} then '{reason}'" for reason, cond, _ in checks) + " end"
    # The same checks as one condition, true exactly when reason_sql is null: every row is tested with it (a
    # boolean costs half of the reason's CASE chain, 0.5 vs 1.1 s per 7.4M rows); reason_sql and detail_sql run
    # only on the rows it does not pass. "missing timestamp" is left out: a blank timestamp leaves __ts null too
    # (that check only names the reason), and trimming every timestamp again cost 0.6 s per 7.4M rows. Never null:
    # the range test is null only when __ts is, and then `__ts is null` is true.
    ok_sql = (
        "not ("
        + " or ".join(f"({cond})" for reason, cond, _ in checks if reason != "missing timestamp")
        + ")"
    )
    detail_sql = "case " + " ".join(f"when {cond} then {detail}" for _, cond, detail in checks) + " end"
    expect = {
        None: "ISO 8601",
        "iso": "ISO 8601",
        "epoch_s": "epoch seconds",
        "epoch_ms": "epoch milliseconds",
    }
    all_params = {
        "tz": config.timezone,
        "expect": expect.get(spec.timestamp_format, f"'{spec.timestamp_format}'"),
        **ts_params,
    }
    # Columns the insert does not read (the timestamp's text: it reads __ts; columns the config does not name)
    # are kept for the rejected rows only, which need them for their raw text: a null costs almost nothing to
    # keep. The load table of a 7.4M-row file took 710 instead of 870 MB, which leaves the insert room in a 1 GB
    # limit (ingest at 11M events 17.1 -> 15.5 s on average over five alternating runs, peak RSS ~0.1 GB lower).
    kept = {
        column
        for key, column in _required_columns(source, spec).items()
        if key != f"sources.{source}.timestamp"
    }
    dropped = [n for n in names if n not in kept]
    only_bad = (
        "replace (" + ", ".join(f"case when not __ok then {q(n)} end as {q(n)}" for n in dropped) + ")"
        if dropped
        else ""
    )
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    # The timestamp is parsed and the row checked once, while the file is read: the rejects and the insert
    # below read __ts and __ok (the check reads the parsed __ts from the subquery).
    try:
        execute(
            con,
            f"create temp table _load as select * {only_bad} from (select *, {ok_sql} as __ok from (select *,"
            f" {ts_sql} as __ts from read_csv($path, columns = $columns, {_reader_options(spec)})))",
            {**params, **all_params},
        )
        reader_rejects = con.execute(
            "select line, min(error_type), string_agg(distinct error_message, '; ' order by error_message), min(csv_line)"
            " from reject_errors group by line order by line"
        ).fetchall()
    except duckdb.InvalidInputException:
        # DuckDB's reader gives up on some broken files as a whole (e.g. a stray CR in a file of LF lines);
        # Python's csv module reads anything, slowly: the same rows and rejects, nothing lost. The failed
        # statement aborted the file's transaction, which had changed nothing yet: start it again.
        con.execute("rollback")
        con.execute("begin transaction")
        reader_rejects = _load_with_python(con, reader_path, reader_encoding, spec.delimiter, names)
        execute(
            con,
            f"create or replace temp table _load as select *, {ok_sql} as __ok"
            f" from (select *, {ts_sql} as __ts from _python_rows)",
            all_params,
        )
        con.execute("drop table _python_rows")
    stats = con.execute("select count(*), coalesce(min(rowid), 0) from _load").fetchone()
    accepted, base = (int(stats[0]), int(stats[1])) if stats else (0, 0)
    # Temp-table rowids start at a large offset; (rowid - base) is the record's 0-based order in the file.
    rows_sql = f"(select rowid - {base} as __record, * from _load)"
    execute(
        con,
        f"create temp table _bad as select __record as record_no, {reason_sql} as reason, {detail_sql} as detail,"
        f" {_raw_text_sql(names)} as raw_text"
        f" from {rows_sql} where not __ok",
        {**all_params, "delim": spec.delimiter},
    )
    n_bad_row = con.execute("select count(*) from _bad").fetchone()
    n_bad = int(n_bad_row[0]) if n_bad_row else 0

    select_sql, insert_params = _raw_select(source, spec, file_id, ts_sql)
    where = "" if n_bad == 0 else " where __ok"
    execute(
        con,
        f"insert into raw_{source} select {select_sql} from {rows_sql}{where}",
        {**all_params, **insert_params},
    )

    # Line numbers: exact and cheap when every record is one line; otherwise one csv scan of the file.
    reject_lines = [int(r[0]) for r in reader_rejects]
    bad_records = [int(r[0]) for r in con.execute("select record_no from _bad order by 1").fetchall()]
    line_of_reject, line_of_record = _physical_lines(path, spec, scan(), accepted, reject_lines, bad_records)
    lines: list[int | None] = []
    texts: list[str | None] = []
    reasons: list[str] = []
    details: list[str] = []
    for line, error_type, message, csv_line in reader_rejects:
        span = (csv_line or "").count("\n") + 1
        lines.append(line_of_reject.get(int(line)))
        texts.append(csv_line)
        reasons.append(READER_REASONS.get(error_type, error_type.lower()))
        details.append(message + (f" (the row spans {span} lines)" if span > 1 else ""))
    if lines:
        # one statement with list parameters: executemany costs about a millisecond per row
        con.execute(
            "insert into raw_rejects select ?, ?, ?, unnest(?::bigint[]), null, unnest(?::varchar[]),"
            " unnest(?::varchar[]), unnest(?::varchar[])",
            [source, file_id, path.name, lines, texts, reasons, details],
        )
    if n_bad:
        by_record = sorted(line_of_record.items())
        con.execute(
            "create or replace temp table _bad_lines as"
            " select unnest(?::bigint[]) as record_no, unnest(?::bigint[]) as line",
            [[r for r, _ in by_record], [n for _, n in by_record]],
        )
        con.execute(
            "insert into raw_rejects select ?, ?, ?, l.line, b.record_no, b.raw_text, b.reason, b.detail"
            " from _bad as b left join _bad_lines as l using (record_no) order by b.record_no",
            [source, file_id, path.name],
        )
        con.execute("drop table _bad_lines")
    rows_rejected = len(reader_rejects) + n_bad
    return accepted + len(reader_rejects), accepted - n_bad, rows_rejected


def _load_with_python(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str, delimiter: str, names: list[str]
) -> list[tuple[int, str, str, str]]:
    """Read a file DuckDB's reader rejected as a whole into temp table _python_rows (all text, file order).

    Returns the rows with the wrong number of fields as (position, error type, message, raw text), positions
    counted like DuckDB's (header = 1, blank lines count) so that the line numbering after this is the same.
    """
    good: list[list[str]] = []
    rejects: list[tuple[int, str, str, str]] = []
    with open_text(path, encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        for position, row in enumerate(reader, start=1):
            if position == 1 or not row:
                continue
            if len(row) == len(names):
                good.append(row)
            else:
                kind = "TOO MANY COLUMNS" if len(row) > len(names) else "MISSING COLUMNS"
                message = f"expected {len(names)} fields, found {len(row)}"
                rejects.append((position, kind, message, delimiter.join(row)))
    frame = (
        pd.DataFrame(good, columns=names, dtype="string")
        if good
        else pd.DataFrame({n: pd.Series([], dtype="string") for n in names})
    )
    con.register("_python_frame", frame)
    con.execute("create or replace temp table _python_rows as select * from _python_frame")
    con.unregister("_python_frame")
    return rejects


def _raw_text_sql(names: list[str]) -> str:
    """The row re-assembled as one CSV line (quoted where needed) from every column of the file."""
    parts = []
    for name in names:
        c = quote_ident(name)
        parts.append(
            f"case when {c} is null then '' when {c} similar to '.*[\"\\n\\r].*' or contains({c}, $delim)"
            f" then '\"' || replace({c}, '\"', '\"\"') || '\"' else {c} end"
        )
    return "concat_ws($delim, " + ", ".join(parts) + ")"


def _raw_select(
    source: Source, spec: ClickstreamSource | TicketSource, file_id: int, ts_sql: str
) -> tuple[str, dict[str, object]]:
    q = quote_ident
    params: dict[str, object] = {"file_id": file_id}

    def text(column: str | None) -> str:
        return f"nullif(trim({q(column)}), '')" if column else "null"

    if isinstance(spec, ClickstreamSource):
        if spec.attributes:
            # the values only, in the order of the file's attribute_names (ingested_files): a map repeats every
            # name in every row, and writing it cost twice a list of the values (5.9 vs 3.0 CPU-s at 11M rows)
            attrs = "[" + ", ".join(text(a) for a in spec.attributes) + "]::varchar[]"
        else:
            attrs = "null"
        cols = [
            "$file_id",
            "__record",
            text(spec.customer_id),
            "__ts",
            text(spec.touchpoint),
            text(spec.session_id),
            attrs,
        ]
    else:
        cols = [
            "$file_id",
            "__record",
            text(spec.ticket_id),
            text(spec.customer_id),
            "__ts",
            text(spec.category),
            q(spec.text),
            text(spec.satisfaction),
        ]
    return ", ".join(cols), params


def _physical_lines(
    path: Path,
    spec: ClickstreamSource | TicketSource,
    scan: FileScan,
    accepted: int,
    reject_positions: list[int],
    bad_records: list[int],
) -> tuple[dict[int, int], dict[int, int]]:
    """Map reader-reject positions and accepted record numbers to the physical line each row starts on.

    DuckDB numbers rejects by row position (header = 1, a blank line counts, a multi-line quoted field does
    not). When the file's newline count equals its row count, positions are physical lines and accepted
    record r sits at position r + 2 + (rejects before it). Otherwise one csv pass over the file decides.
    """
    if not reject_positions and not bad_records:
        return {}, {}
    rows_seen = 1 + accepted + len(reject_positions)
    if scan.newlines + (0 if scan.ends_with_newline else 1) == rows_seen:
        by_reject = {p: p for p in reject_positions}
        by_record: dict[int, int] = {}
        rejects = sorted(reject_positions)
        free_before = [p - 2 - k for k, p in enumerate(rejects)]  # accepted rows before each reject
        k = 0
        for record in bad_records:
            while k < len(free_before) and free_before[k] <= record:
                k += 1
            by_record[record] = record + 2 + k
        return by_reject, by_record
    return _scan_lines(path, spec, set(reject_positions), set(bad_records))


def _scan_lines(
    path: Path, spec: ClickstreamSource | TicketSource, reject_positions: set[int], bad_records: set[int]
) -> tuple[dict[int, int], dict[int, int]]:
    by_reject: dict[int, int] = {}
    by_record: dict[int, int] = {}
    last_needed = max(bad_records, default=-1)
    last_position = max(reject_positions, default=0)
    with open_text(path, spec.encoding) as fh:
        reader = csv.reader(fh, delimiter=spec.delimiter, quotechar='"', doublequote=True, strict=False)
        end_line = 0
        record = -1
        try:
            for position, row in enumerate(reader, start=1):
                start_line = end_line + 1
                end_line = reader.line_num
                if position in reject_positions:
                    by_reject[position] = start_line
                elif position > 1 and row:
                    record += 1
                    if record in bad_records:
                        by_record[record] = start_line
                if record >= last_needed and position >= last_position:
                    break
        except csv.Error:
            pass
    return by_reject, by_record
