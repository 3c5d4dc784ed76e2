"""Reading line-oriented and tabular files with errors that name the file and line; atomic writes."""

from __future__ import annotations

import csv
import errno
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from nlirobust.data.schema import DataFormatError


def read_jsonl(path: str | Path) -> list[dict]:
    """Read a JSON-lines file; blank lines are skipped, anything else that is not a JSON object is an error."""
    path = Path(path)
    rows: list[dict] = []
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            try:
                # utf-8-sig on the first line: a byte-order mark (Windows editors write one) is no part of the JSON
                line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise DataFormatError(f"{path}:{line_no}: not valid UTF-8 ({err.reason} at byte {err.start})") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line.rstrip("\r\n"))  # so the column points into the line
            except json.JSONDecodeError as err:
                raise DataFormatError(f"{path}:{line_no}: malformed JSON ({err.msg}, column {err.colno})") from None
            if not isinstance(obj, dict):
                raise DataFormatError(f"{path}:{line_no}: expected a JSON object, got {type(obj).__name__}")
            obj["__line__"] = line_no
            rows.append(obj)
    if not rows:
        raise DataFormatError(f"{path}: file is empty")
    return rows


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a local pairs file (.jsonl/.json, .csv, .tsv or .parquet) into a frame with a `__line__` column."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return pd.DataFrame(read_jsonl(path))
    if suffix == ".parquet":
        df = pd.read_parquet(path)
        df["__line__"] = range(1, len(df) + 1)
        return df
    if suffix in (".csv", ".tsv", ".txt"):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            line_no = path.read_bytes()[: err.start].count(b"\n") + 1
            raise DataFormatError(f"{path}:{line_no}: not valid UTF-8 ({err.reason})") from None
        if not text.strip():
            raise DataFormatError(f"{path}: file is empty")
        # Sniff the delimiter, so a semicolon- or tab-separated "CSV" is read as what it is.
        try:
            dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",\t;|")
            sep = dialect.delimiter
        except csv.Error:
            sep = "\t" if suffix == ".tsv" else ","
        df = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
        df["__line__"] = range(2, len(df) + 2)  # line 1 is the header
        return df
    raise DataFormatError(f"{path}: unsupported file type '{suffix}' (use .jsonl, .csv, .tsv or .parquet)")


class NoSpaceLeft(Exception):
    """The disk (or quota) filled up while a file was written: said in one line; the partial file is removed."""


# How a full disk surfaces: OSError ENOSPC / EDQUOT, or torch's zip writer ("unexpected pos", "file write failed").
_NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_NO_SPACE_WORDS = ("no space left on device", "disk quota exceeded", "unexpected pos", "file write failed")


def is_no_space(err: BaseException) -> bool:
    if isinstance(err, OSError) and err.errno in _NO_SPACE_ERRNOS:
        return True
    return isinstance(err, OSError | RuntimeError) and any(w in str(err).lower() for w in _NO_SPACE_WORDS)


@contextmanager
def no_space_left_as_one_line(path: str | Path) -> Iterator[None]:
    """Turn a full disk while writing `path` into NoSpaceLeft naming it (the caller removes what it wrote)."""
    try:
        yield
    except (OSError, RuntimeError) as err:
        if is_no_space(err):
            raise NoSpaceLeft(f"no space left on device while writing {path}") from None
        raise


def current_umask() -> int:
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(final: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `final`; rename it into place only if the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        with no_space_left_as_one_line(final):
            yield tmp_path
            # mkstemp makes the file private (0600); give it the mode an ordinary open() would, so the lab can
            # read results on a shared cluster
            os.chmod(tmp_path, 0o666 & ~current_umask())
            os.replace(tmp_path, final)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_parquet(df: pd.DataFrame, path: str | Path) -> None:
    """Write a frame as Parquet atomically (a reader never sees half a file)."""
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


def write_json(obj: object, path: str | Path) -> None:
    """Write JSON atomically, pretty-printed, keys in insertion order."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, default=str) + "\n")
