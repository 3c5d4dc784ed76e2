"""Evaluation sets declared in the config (`data.<name>` with `fields` and `labels`): no code names them.

A declaration says where the set is (`path`, `url` or `hub` + `hub_config` + `hub_split`), how it is written
(`format`: jsonl, tsv, csv or hub; `header` for tsv/csv), which field holds what (`fields`: premise, hypothesis,
label, optionally id and `categories`, a list; `example.premise` reaches into a nested object; a headerless file
names columns by number, counted from 1 as `cut -f` does; `keep`: further fields kept as columns but not
tabled; `annotator_labels`: a list of the annotators' labels, kept as `annotators` and `max_agreeing`) and which raw
label values mean what (`labels`: entailment / neutral / contradiction, or entailment / non_entailment for a
two-way set; `drop`: values of rows without a gold label, dropped and counted as SNLI's "-" is). A value the
mapping does not cover stops the planning when it is in the first `check_lines` lines of a local file; past them
(or in a download) its rows are dropped, counted and named in one warning line (`unmapped: fail` makes any such
row an error naming its line). The set has one split, `split` (default test): `evaluation.sets` names it
`<name>/<split>`. Breaking NLI and HANS are two declarations of this kind that ship with the code
(nlirobust/data/built_in_sets.py).

Imported while the workflow plans (the checks read at most `check_lines` lines of a local file): csv, json only.
"""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

THREE_WAY = ("entailment", "neutral", "contradiction")
TWO_WAY = ("entailment", "non_entailment")
FORMATS = ("jsonl", "tsv", "csv", "hub")
CHECK_LINES = 1000  # lines of a local file the planning check reads
_DATA_SUFFIXES = (".jsonl", ".json", ".tsv", ".csv", ".txt")
log = logging.getLogger(__name__)


class DeclarationError(ValueError):
    """A declaration or a declared file that does not fit; the message names the key or the file, line and field."""


@dataclass(frozen=True)
class Declaration:
    name: str
    format: str
    fields: dict
    labels: dict
    drop: tuple[str, ...] = ()
    header: bool = True
    split: str = "test"
    file: str | None = None
    hub_split: str | None = None
    check_lines: int = CHECK_LINES
    categories: tuple[str, ...] = field(default=())
    keep: tuple[str, ...] = field(default=())
    annotator_labels: str | None = None
    unmapped: str = "drop"
    expected_categories: tuple[str, ...] = field(default=())

    @property
    def two_way(self) -> bool:
        return set(self.labels) == set(TWO_WAY)

    @property
    def label_ids(self) -> dict[str, int]:
        """Raw value (as text) -> label id: 0, 1, 2 (three-way) or 0, 1 (two-way: 1 is non-entailment)."""
        names = TWO_WAY if self.two_way else THREE_WAY
        return {str(value).strip(): names.index(label) for label, values in self.labels.items() for value in values}

    @property
    def category_columns(self) -> tuple[str, ...]:
        """The prepared file's column of each category field: its last part (`meta.reason` -> reason); the first
        field's values are the pair schema's `category` column, the others keep these names."""
        return tuple(_column_name(name) for name in self.categories)

    @property
    def kept_columns(self) -> tuple[str, ...]:
        """The prepared file's columns past the pair schema's: further category fields, kept fields, agreement."""
        agreement = ("annotators", "max_agreeing") if self.annotator_labels else ()
        return self.category_columns[1:] + tuple(_column_name(name) for name in self.keep) + agreement


def _column_name(field_name: str | int) -> str:
    return str(field_name).split(".")[-1] if isinstance(field_name, str) else f"column{field_name}"


def declaration(name: str, spec: dict) -> Declaration:
    """The declaration of `data.<name>` (validated by the schema: the keys are known, fields and labels given)."""
    fields = dict(spec["fields"])
    return Declaration(
        name=name,
        format=spec.get("format", "hub" if spec.get("hub") else "jsonl"),
        fields={k: v for k, v in fields.items() if k in ("premise", "hypothesis", "label", "id")},
        labels={label: list(values) for label, values in spec["labels"].items() if label != "drop"},
        drop=tuple(str(v).strip() for v in spec["labels"].get("drop", ())),
        header=spec.get("header", True),
        split=spec.get("split", "test"),
        file=spec.get("file"),
        hub_split=spec.get("hub_split"),
        check_lines=spec.get("check_lines", CHECK_LINES),
        categories=tuple(fields.get("categories", ())),
        keep=tuple(fields.get("keep", ())),
        annotator_labels=fields.get("annotator_labels"),
        unmapped=spec.get("unmapped", "drop"),
        expected_categories=tuple(spec.get("expected_categories", ())),
    )


def is_declared(spec: object) -> bool:
    """A `data:` entry that declares a set (it maps fields), rather than naming a built-in set's source."""
    return isinstance(spec, dict) and "fields" in spec


def _value(record: dict | list, key: str | int, where: str):
    """The value of one mapped field: a name (dots reach into objects) or a column number (from 1)."""
    if isinstance(key, int):
        if key < 1 or key > len(record):
            raise DeclarationError(f"{where}: column {key}: the line has {len(record)} column(s)")
        return record[key - 1]
    value = record
    for part in str(key).split("."):
        if not isinstance(value, dict) or part not in value:
            raise DeclarationError(f"{where}: missing field '{key}'")
        value = value[part]
    return value


def _records(path: Path, decl: Declaration, limit: int | None = None):
    """(line number, record) of a jsonl/tsv/csv file: dicts (JSONL, a file with a header) or lists (no header)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        if decl.format == "jsonl":
            for number, line in enumerate(handle, start=1):
                if limit is not None and number > limit:
                    return
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise DeclarationError(f"{path}:{number}: not a JSON object ({err.msg})") from None
                if not isinstance(record, dict):
                    raise DeclarationError(f"{path}:{number}: not a JSON object")
                yield number, record
            return
        # TSV files of NLI sets carry bare quotes inside sentences (SNLI's .txt, HANS): no quoting there
        quoting = csv.QUOTE_NONE if decl.format == "tsv" else csv.QUOTE_MINIMAL
        reader = csv.reader(handle, delimiter="\t" if decl.format == "tsv" else ",", quoting=quoting)
        header = next(reader, None) if decl.header else None
        for row in reader:
            number = reader.line_num
            if limit is not None and number > limit:
                return
            if not row or not any(cell.strip() for cell in row):
                continue
            if header is None:
                yield number, row
                continue
            if len(row) != len(header):
                raise DeclarationError(f"{path}:{number}: {len(row)} column(s), the header has {len(header)}")
            yield number, dict(zip(header, row, strict=True))


def hub_records(saved_dir: Path, decl: Declaration):
    """(row, record) of the declared split of a hub data set saved by the download rule; rows count from 0, as
    the ids of the hub's SNLI and MNLI do."""
    import datasets  # heavy: only when preparing

    splits = datasets.load_from_disk(str(saved_dir))
    split = decl.hub_split or decl.split
    if split not in splits:
        raise DeclarationError(f"{saved_dir}: no split '{split}' (has: {', '.join(splits.keys())})")
    yield from enumerate(splits[split])


def data_file(raw: Path, decl: Declaration) -> Path:
    """The declared file: `raw` itself, `file` inside a downloaded folder, or the folder's one data file."""
    if raw.is_file():
        return raw
    if decl.file:
        matches = sorted(p for p in raw.rglob(Path(decl.file).name) if p.is_file())
        if not matches:
            raise DeclarationError(f"{raw}: no file {decl.file!r} (data.{decl.name}.file)")
        return matches[0]
    found = sorted(p for p in raw.rglob("*") if p.is_file() and p.suffix in _DATA_SUFFIXES)
    if len(found) != 1:
        raise DeclarationError(
            f"{raw}: {len(found)} data files ({', '.join(p.name for p in found[:5])}); "
            f"name one as data.{decl.name}.file"
        )
    return found[0]


def load_declared(raw: str | Path, decl: Declaration):
    """The declared set in the pair schema: id, premise, hypothesis, label, category (the first category field),
    source, then one column per category field. Unmapped labels: dropped, counted in attrs["dropped_no_gold"]."""
    import pandas as pd

    from nlirobust.data.schema import check_pairs

    raw = Path(raw)
    if decl.format == "hub":
        origin, records = f"{raw}[{decl.hub_split or decl.split}]", hub_records(raw, decl)
        where = lambda number: f"{origin} row {number}"  # noqa: E731
    else:
        path = data_file(raw, decl)
        origin, records = str(path), _records(path, decl)
        where = lambda number: f"{path}:{number}"  # noqa: E731
    from nlirobust.data.loaders import annotator_agreement

    label_ids = decl.label_ids
    # a hub split has no lines: its rows get ids as the hub's SNLI and MNLI do (name-split-row)
    id_prefix = f"{decl.name}-{decl.hub_split or decl.split}" if decl.format == "hub" else decl.name
    further = list(zip(decl.categories[1:], decl.category_columns[1:], strict=True))
    further += [(name, _column_name(name)) for name in decl.keep]
    rows, dropped, unmapped = [], Counter(), Counter()
    for number, record in records:
        at = where(number)
        label = str(_value(record, decl.fields["label"], at)).strip()
        if label not in label_ids:
            if label not in decl.drop and decl.unmapped == "fail":
                known = ", ".join(dict.fromkeys(str(v) for vs in decl.labels.values() for v in vs))
                raise DeclarationError(f"{at}: field '{decl.fields['label']}': {label!r} is not one of {known}")
            (dropped if label in decl.drop else unmapped)[label] += 1
            continue
        row = {
            "id": str(_value(record, decl.fields["id"], at)) if "id" in decl.fields else f"{id_prefix}-{number}",
            "premise": _value(record, decl.fields["premise"], at),
            "hypothesis": _value(record, decl.fields["hypothesis"], at),
            "label": label_ids[label],
            "category": str(_value(record, decl.categories[0], at)) if decl.categories else None,
            "source": decl.name,
        }
        for name, column in further:
            row[column] = str(_value(record, name, at))
        if decl.annotator_labels:
            votes = _value(record, decl.annotator_labels, at)
            row["annotators"], row["max_agreeing"] = annotator_agreement(votes, at, str(decl.annotator_labels))
        rows.append(row)
    if unmapped:
        log.warning(
            "%s: %d row(s) with a label data.%s.labels does not map, dropped: %s",
            origin,
            sum(unmapped.values()),
            decl.name,
            dict(unmapped.most_common(5)),
        )
    if not rows:
        raise DeclarationError(
            f"{origin}: no pair has a label data.{decl.name}.labels maps ({dict(dropped + unmapped)})"
        )
    frame = pd.DataFrame(rows)
    unexpected = sorted(set(frame["category"]) - set(decl.expected_categories)) if decl.expected_categories else []
    if unexpected:
        log.warning("%s: categories outside the known %d kept as they are: %s", origin,
                    len(decl.expected_categories), ", ".join(unexpected))  # fmt: skip
    frame = check_pairs(frame, origin)
    frame.attrs["dropped_no_gold"] = sum((dropped + unmapped).values())
    return frame


def declaration_problem(name: str, spec: dict) -> str | None:
    """A declaration that cannot work, as one `config:` line: a label name outside the two schemes, a raw value
    mapped twice, a text field mapping on a headerless file; for a local file, a mapped field that its first
    `check_lines` lines lack, or a label value there that the mapping does not cover."""
    key = f"data.{name}"
    decl = declaration(name, spec)
    labels = set(decl.labels)
    if labels != set(THREE_WAY) and labels != set(TWO_WAY):
        return (
            f"config: {key}.labels: {', '.join(sorted(labels))}: give entailment, neutral and contradiction, or "
            "entailment and non_entailment (a two-way set)"
        )
    values = [str(v).strip() for vs in decl.labels.values() for v in vs] + list(decl.drop)
    twice = sorted(v for v, n in Counter(values).items() if n > 1)
    if twice:
        return f"config: {key}.labels: {twice[0]!r} is mapped to two labels"
    mapped = [decl.fields[k] for k in ("premise", "hypothesis", "label", "id") if k in decl.fields]
    mapped += list(decl.categories) + list(decl.keep) + ([decl.annotator_labels] if decl.annotator_labels else [])
    if decl.format in ("tsv", "csv") and not decl.header and any(not isinstance(f, int) for f in mapped):
        return f"config: {key}.fields: a file without a header names its columns by number (1 is the first)"
    if decl.format in ("jsonl", "hub") and any(isinstance(f, int) for f in mapped):
        return f"config: {key}.fields: column numbers are for a tsv/csv file without a header; name the fields"
    # a further category or kept field becomes a column of the prepared file: it must not overwrite another
    reserved = {"id", "premise", "hypothesis", "label", "category", "source"}
    columns = decl.kept_columns
    for column in columns:
        if column in reserved or not column.replace("_", "a").isalnum() or columns.count(column) > 1:
            return (
                f"config: {key}.fields: '{column}' cannot name a column of the prepared set (letters, digits and _, "
                f"once; not {', '.join(sorted(reserved))})"
            )
    if decl.format == "hub" and not spec.get("hub"):
        return f"config: {key}: format hub needs `hub` (a hub data set id)"
    local = spec.get("path")
    if local and not Path(local).exists():
        return f"config: {key}.path: {local}: no such file or folder"
    if not local or decl.format == "hub":
        return None  # a download or hub snapshot is checked when it is prepared
    try:
        path = data_file(Path(local), decl)
        unmapped, seen = Counter(), 0
        for number, record in _records(path, decl, limit=decl.check_lines):
            seen += 1
            for name_or_number in mapped:
                _value(record, name_or_number, f"{path}:{number}")
            label = str(_value(record, decl.fields["label"], f"{path}:{number}")).strip()
            if label not in decl.label_ids and label not in decl.drop:
                unmapped[label] += 1
    except DeclarationError as err:
        return f"config: {key}.fields: {err}"
    except (OSError, UnicodeDecodeError) as err:
        return f"config: {key}.path: {local}: {err}"
    if unmapped:
        value, count = unmapped.most_common(1)[0]
        return (
            f"config: {key}.labels: label value {value!r} ({count} of the first {seen} lines of {path}) is not "
            f"mapped; map it, or list it under `drop` to drop such rows"
        )
    return None
