"""Rule files: YAML in, YAML out.

Loading uses PyYAML's safe loader only (a ``!!python/object`` tag is an error, never
code), refuses aliases and nesting deeper than ``MAX_YAML_DEPTH`` (so a few hundred
bytes cannot expand to billions of nodes or exhaust the stack), reports duplicate
keys instead of silently keeping the last, checks everything and reports every
problem at once, one line each, naming the file, segment and rule::

    rules/value.yaml: segment "VIP", rule 2: unknown column "recency_day" (did you mean "recency_days"?)

Saving writes a temporary file in the same folder and renames it over the target,
so a crash never leaves half a file. A rule set loaded from a file is written back
onto that document with ruamel.yaml's round-trip mode, so comments, key order and
layout survive and a change is a small diff; the result is read back and must mean
the rule set, else (and for a rule set made in code) keys go in a fixed order.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from segtui.customers import Lifecycle
from segtui.errors import RuleFileError, SegtuiError
from segtui.export import write_atomic
from segtui.errors import first_line
from segtui.occasions import resolve_occasions
from segtui.read.mapping import ROLES  # the roles a data.columns mapping may name
from segtui.rules import DataSpec, Holdout, Rule, RuleSet, Segment, check_rule, suggest

__all__ = ["load_rules", "read_rule_file", "parse_rules", "validate_rules", "save_rules", "dump_rules", "written_data_path", "SCHEMA_VERSION", "MAX_YAML_DEPTH"]

#: The rule-file format version this code reads and writes.
SCHEMA_VERSION = 1

_TOP_KEYS = [
    "version", "name", "description", "data", "lifecycle", "occasions", "universe", "assign", "holdout", "segments",
]
_DATA_KEYS = ["path", "columns", "as_of", "date_format", "customers_file"]
_LIFECYCLE_KEYS = ["new_days", "at_risk_days", "churn_days"]
_SEGMENT_KEYS = ["name", "description", "match", "enabled", "holdout", "rules"]
_HOLDOUT_KEYS = ["percent", "salt"]
_RULE_KEYS = ["where", "enabled"]
_MATCH = ("all", "any")
_ASSIGN = ("first_match", "overlap")


# -- reading ---------------------------------------------------------------------------------


class _Problems:
    """Collects one-line problems, each prefixed with the file name."""

    def __init__(self, source: str | None) -> None:
        self.prefix = f"{source}: " if source else ""
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{self.prefix}{where + ': ' if where else ''}{message}")


def _unknown_keys(value: dict, allowed: list[str], where: str, problems: _Problems) -> None:
    for key in value:
        if key not in allowed:
            # keys are few and short: at the usual 0.6 cutoff "colour" would suggest "holdout";
            # a key cut short ("churn" for churn_days) still gets its hint
            text = str(key).lower()
            close = [k for k in allowed if k.startswith(text) or difflib.SequenceMatcher(None, text, k).ratio() >= 0.7]
            problems.add(where, f'unknown key "{key}"{suggest(str(key), close)}')


def _text(value: Any, where: str, key: str, problems: _Problems, *, required: bool = False) -> str:
    if value is None:
        if required:
            problems.add(where, f"missing {key}")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        problems.add(where, f"{key} must be text (put it in quotes)")
        return ""
    return str(value)


def _flag(value: Any, where: str, key: str, problems: _Problems) -> bool:
    if value is None:
        return True
    if not isinstance(value, bool):
        problems.add(where, f"{key} must be true or false, not {value!r}")
        return True
    return value


def _choice(value: Any, allowed: tuple[str, ...], default: str, where: str, key: str, problems: _Problems) -> str:
    if value is None:
        return default
    if value not in allowed:
        problems.add(where, f"{key} must be {' or '.join(allowed)}, not {value!r}{suggest(str(value), list(allowed))}")
        return default
    return value


def _parse_data(value: Any, base: Path | None, problems: _Problems) -> DataSpec | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add("data", "must be a mapping (path:, columns:, as_of:, date_format:)")
        return None
    _unknown_keys(value, _DATA_KEYS, "data", problems)
    spec = DataSpec()
    path = _text(value.get("path"), "data", "path", problems)
    if path:
        spec.written_path = path
        # a relative path is relative to the rule file's folder, so a rules repo can ship its data
        if base is not None and not os.path.isabs(path):
            path = os.path.normpath(os.path.join(base, path))
        spec.path = path
    columns = value.get("columns")
    if columns is not None:
        if not isinstance(columns, dict):
            problems.add("data", "columns must be a mapping of role: column name")
        else:
            for role, column in columns.items():
                if role not in ROLES:
                    problems.add("data.columns", f'unknown role "{role}"{suggest(str(role), ROLES)}')
                elif not isinstance(column, str) or not column:
                    problems.add("data.columns", f"{role} must name a column (text)")
                else:
                    spec.columns[role] = column
    as_of = value.get("as_of")
    if isinstance(as_of, datetime):
        spec.as_of = as_of.date()
    elif isinstance(as_of, date):
        spec.as_of = as_of
    elif isinstance(as_of, str):
        try:
            spec.as_of = date.fromisoformat(as_of.strip())
        except ValueError:
            problems.add("data", f"as_of must be a date like 2024-01-31, not {as_of!r}")
    elif as_of is not None:
        problems.add("data", f"as_of must be a date like 2024-01-31, not {as_of!r}")
    spec.date_format = _text(value.get("date_format"), "data", "date_format", problems) or None
    customers_file = _text(value.get("customers_file"), "data", "customers_file", problems)
    if customers_file:
        # relative to the rule file's folder, as data.path is
        if base is not None and not os.path.isabs(customers_file):
            customers_file = os.path.normpath(os.path.join(base, customers_file))
        spec.customers_file = customers_file
    return spec


def _parse_lifecycle(value: Any, problems: _Problems) -> Lifecycle:
    if value is None:
        return Lifecycle()
    if not isinstance(value, dict):
        problems.add("lifecycle", "must be a mapping (new_days:, at_risk_days:, churn_days:)")
        return Lifecycle()
    _unknown_keys(value, _LIFECYCLE_KEYS, "lifecycle", problems)
    windows: dict[str, int] = {}
    for key in _LIFECYCLE_KEYS:
        days = value.get(key)
        if days is None:
            continue
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            problems.add("lifecycle", f"{key} must be a whole number of days above 0, not {days!r}")
        else:
            windows[key] = days
    lifecycle = Lifecycle(**windows)
    if lifecycle.at_risk_days >= lifecycle.churn_days:
        problems.add(
            "lifecycle",
            f"at_risk_days ({lifecycle.at_risk_days}) must be less than churn_days ({lifecycle.churn_days})",
        )
    return lifecycle


def _parse_holdout(value: Any, where: str, problems: _Problems) -> Holdout | None:
    """``holdout: {percent: 10, salt: "..."}``; None (after a problem) when it is not usable."""
    where = f"{where}, holdout" if where else "holdout"
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(where, 'must be a mapping like {percent: 10, salt: "winback-2026-03"}')
        return None
    _unknown_keys(value, _HOLDOUT_KEYS, where, problems)
    percent, salt = value.get("percent"), value.get("salt")
    ok = True
    # buckets are hundredths of a percent, so a share finer than 0.01 % cannot be drawn
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 < percent < 100 or abs(round(percent * 100) - percent * 100) > 1e-9:
        problems.add(where, f"percent must be a number above 0 and below 100 with at most 2 decimals, not {percent!r}")
        ok = False
    if not isinstance(salt, str) or not salt.strip():
        problems.add(where, "salt must be text (in quotes), e.g. salt: \"winback-2026-03\"")
        ok = False
    return Holdout(percent=percent, salt=salt) if ok else None


def _parse_rule(value: Any, where: str, problems: _Problems) -> Rule | None:
    if isinstance(value, str):
        return Rule(value)
    if isinstance(value, dict):
        _unknown_keys(value, _RULE_KEYS, where, problems)
        text = value.get("where")
        if not isinstance(text, str):
            problems.add(where, "needs where: <condition>")
            return None
        return Rule(text, enabled=_flag(value.get("enabled"), where, "enabled", problems))
    problems.add(where, f"must be a condition (text) or where:/enabled:, not {value!r}")
    return None


def _parse_segment(value: Any, label: str, problems: _Problems) -> Segment | None:
    if not isinstance(value, dict):
        problems.add(label, "must be a mapping with name: and rules:")
        return None
    name = _text(value.get("name"), label, "name", problems, required=True)
    if name:
        label = f'segment "{name}"'
    _unknown_keys(value, _SEGMENT_KEYS, label, problems)
    raw_rules = value.get("rules")
    rules: list[Rule] = []
    if raw_rules is None:
        pass  # reported by the semantic check ("has no rules")
    elif isinstance(raw_rules, str):
        rules = [Rule(raw_rules)]  # a single rule written without a list
    elif not isinstance(raw_rules, list):
        problems.add(label, "rules must be a list of conditions")
    else:
        for position, raw in enumerate(raw_rules, start=1):
            rule = _parse_rule(raw, f"{label}, rule {position}", problems)
            rules.append(rule if rule is not None else Rule("", enabled=False))
    return Segment(
        name=name,
        rules=rules,
        description=_text(value.get("description"), label, "description", problems),
        match=_choice(value.get("match"), _MATCH, "all", label, "match", problems),  # type: ignore[arg-type]
        enabled=_flag(value.get("enabled"), label, "enabled", problems),
        holdout=_parse_holdout(value.get("holdout"), label, problems),
    )


def _structure(doc: Any, base: Path | None, problems: _Problems) -> RuleSet | None:
    """Build a RuleSet from the YAML document, collecting every structural problem.

    A rule with a structural problem becomes a disabled empty placeholder so the
    semantic pass keeps rule numbers right and does not report it twice.
    """
    if not isinstance(doc, dict):
        kind = "empty" if doc is None else f"a {type(doc).__name__}"
        problems.add("", f"the file is {kind}; a rule file is a mapping with version: 1 and segments:")
        return None
    _unknown_keys(doc, _TOP_KEYS, "", problems)
    version = doc.get("version")
    if version is None:
        problems.add("", f"missing version (add version: {SCHEMA_VERSION} at the top)")
    elif version != SCHEMA_VERSION or isinstance(version, bool):
        problems.add("", f"unsupported version {version!r} (this segtui reads version {SCHEMA_VERSION})")
    raw_segments = doc.get("segments")
    segments: list[Segment] = []
    if raw_segments is None:
        pass  # reported as "no segments" by the semantic pass
    elif not isinstance(raw_segments, list):
        problems.add("", "segments must be a list")
    else:
        for position, raw in enumerate(raw_segments, start=1):
            seg = _parse_segment(raw, f"segment {position}", problems)
            if seg is not None:
                segments.append(seg)
    universe = doc.get("universe")
    if universe is not None and not isinstance(universe, str):
        problems.add("universe", f"must be a condition (text), not {universe!r}")
        universe = None
    occasions, occasion_problems = resolve_occasions(doc.get("occasions"))
    for problem in occasion_problems:
        problems.add("occasions", problem)
    ruleset = RuleSet(
        occasions=occasions,
        occasions_written=doc.get("occasions"),
        segments=segments,
        name=_text(doc.get("name"), "", "name", problems),
        description=_text(doc.get("description"), "", "description", problems),
        version=SCHEMA_VERSION,
        data=_parse_data(doc.get("data"), base, problems),
        lifecycle=_parse_lifecycle(doc.get("lifecycle"), problems),
        universe=universe,
        assign=_choice(doc.get("assign"), _ASSIGN, "first_match", "", "assign", problems),  # type: ignore[arg-type]
        holdout=_parse_holdout(doc.get("holdout"), "", problems),
    )
    return ruleset


def _header(text: str) -> str:
    """The leading comment block (comments and blank lines before the first key)."""
    lines = []
    for line in text.splitlines(keepends=True):
        if line.strip() == "" or line.lstrip().startswith("#"):
            lines.append(line)
        else:
            break
    header = "".join(lines).rstrip()
    return header + "\n" if header else ""


#: Deepest nesting of lists/mappings accepted; a rule file needs about six levels, and the
#: YAML composer recurses once per level (600 ``[`` would otherwise be a RecursionError).
MAX_YAML_DEPTH = 32


class _Refused(yaml.YAMLError):
    """A document this loader will not build (too deep, or an alias), with its position."""

    def __init__(self, mark: yaml.Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class _RuleFileLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases and deep nesting and notes duplicate keys.

    Aliases are refused outright: 500 bytes of nested ``*alias`` lists expand to 10^11
    rules (a "billion laughs"), and a shared node could not be saved back faithfully
    either (editing one segment would edit every segment sharing it). Duplicate keys
    are collected (``duplicates``) instead of silently keeping the last one, so the
    caller can report them with every other problem.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.duplicates: list[tuple[int, str, int]] = []  # (line, key, line of the first)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(event.start_mark, f"aliases (*{event.anchor}) are not allowed in rule files; write the value out")
        self.depth += 1
        if self.depth > MAX_YAML_DEPTH:
            raise _Refused(self.peek_event().start_mark, f"nested more than {MAX_YAML_DEPTH} levels deep")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in first:
                    self.duplicates.append((line, str(key), first[key]))
                else:
                    first[key] = line
            except TypeError:
                pass  # an unhashable key: construct_mapping below reports it
        return super().construct_mapping(node, deep=deep)


def _load_yaml(text: str, problems: _Problems) -> tuple[bool, Any]:
    """Parse ``text`` safely; (False, None) after adding the problem when it cannot be read."""
    loader = _RuleFileLoader(text)
    try:
        doc = loader.get_single_data()
    except _Refused as exc:
        problems.add("", f"line {exc.mark.line + 1}, column {exc.mark.column + 1}: {exc.message}")
        return False, None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        reason = (exc.problem or exc.context or "invalid YAML").strip()
        problems.add("", f"{at}YAML syntax error: {reason}")
        return False, None
    except yaml.YAMLError as exc:  # e.g. a python/* tag safe_load refuses to construct
        problems.add("", f"YAML error: {first_line(exc)}")
        return False, None
    finally:
        loader.dispose()
    for line, key, first in sorted(loader.duplicates):
        problems.add("", f'line {line}: duplicate key "{key}" (already at line {first}; only one may be given)')
    return True, doc


def _read(text: str, source: str, base: Path | None, problems: _Problems) -> RuleSet | None:
    ok, doc = _load_yaml(text, problems)
    if not ok:
        return None
    ruleset = _structure(doc, base, problems)
    if ruleset is not None:
        ruleset.source = source
        ruleset.header = _header(text)
        ruleset.text = text
    return ruleset


def _semantic(ruleset: RuleSet, schema: pl.Schema | None, problems: _Problems) -> None:
    """Checks that apply to a rule set however it was made (file or editor)."""
    if ruleset.version != SCHEMA_VERSION:
        problems.add("", f"unsupported version {ruleset.version!r} (this segtui reads version {SCHEMA_VERSION})")
    if ruleset.assign not in _ASSIGN:
        problems.add("", f"assign must be first_match or overlap, not {ruleset.assign!r}")
    if ruleset.universe is not None and ruleset.universe.strip():
        problem = check_rule(ruleset.universe, schema)
        if problem:
            problems.add("universe", problem)
    if not ruleset.segments:
        problems.add("", "no segments (add at least one under segments:)")
    seen: set[str] = set()
    for position, seg in enumerate(ruleset.segments, start=1):
        label = f'segment "{seg.name}"' if seg.name else f"segment {position}"
        if seg.name in seen:
            problems.add(label, "duplicate segment name (each name must be unique)")
        seen.add(seg.name)
        if seg.match not in _MATCH:
            problems.add(label, f"match must be all or any, not {seg.match!r}")
        if seg.holdout is not None and ruleset.assign == "overlap":
            # a customer in two segments would need two groups; one top-level holdout is one split
            problems.add(label, "a segment's own holdout needs assign: first_match (with overlap, give one top-level holdout)")
        if not seg.rules:
            problems.add(label, "has no rules (add at least one condition under rules:)")
        for index, rule in enumerate(seg.rules, start=1):
            if not rule.where and not rule.enabled:
                continue  # placeholder for a rule that already had a structural problem
            problem = check_rule(rule.where, schema)
            if problem:
                problems.add(f"{label}, rule {index}", problem)


def parse_rules(text: str, source: str = "<rules>", *, schema: pl.Schema | None = None, base: str | Path | None = None) -> RuleSet:
    """Parse rule-file text; raise ``RuleFileError`` listing every problem.

    Parameters
    ----------
    text
        YAML text of a rule file.
    source
        Name used in messages (usually the file path).
    schema
        Customer-view schema to check columns and types against (optional).
    base
        Folder a relative ``data.path`` is relative to.

    Returns
    -------
    RuleSet

    Examples
    --------
    >>> rs = parse_rules("version: 1\\nsegments:\\n  - name: Loyal\\n    rules: [orders >= 3]\\n")
    >>> rs.segments[0].rules
    [Rule(where='orders >= 3', enabled=True)]
    >>> parse_rules("version: 2\\nsegments: []\\n", source="x.yaml")
    Traceback (most recent call last):
    ...
    segtui.errors.RuleFileError: x.yaml: unsupported version 2 (this segtui reads version 1)
    x.yaml: no segments (add at least one under segments:)
    """
    problems = _Problems(source)
    ruleset = _read(text, source, Path(base) if base is not None else None, problems)
    if ruleset is not None:
        _semantic(ruleset, schema, problems)
    if problems.items:
        raise RuleFileError(problems.items, title="Bad rule file")
    assert ruleset is not None
    return ruleset


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SegtuiError(f"{path}: no such rule file", title="Bad rule file") from None
    except UnicodeDecodeError:
        raise SegtuiError(f"{path}: not a UTF-8 text file", title="Bad rule file") from None
    except OSError as exc:
        raise SegtuiError(f"{path}: cannot read ({exc.strerror or exc})", title="Bad rule file") from None


def load_rules(path: str | Path, schema: pl.Schema | None = None) -> RuleSet:
    """Load a rule file; raise ``RuleFileError`` listing every problem.

    Parameters
    ----------
    path
        The YAML file. A relative ``data.path`` inside it is taken relative to its folder.
    schema
        Optional customer-view schema to check columns and types against too.

    Returns
    -------
    RuleSet
        With ``source`` set to ``path`` and ``header`` to its leading comments.

    Examples
    --------
    >>> from segtui.resources import RULES_DIR
    >>> load_rules(RULES_DIR / "lifecycle.yaml").assign
    'first_match'
    """
    path = Path(path)
    return parse_rules(_read_text(path), source=str(path), schema=schema, base=path.parent)


def read_rule_file(path: str | Path) -> tuple[RuleSet | None, list[str]]:
    """The rule set as far as it could be read, and its YAML and structural problems.

    Unlike ``load_rules`` this neither raises for rule problems nor checks the rules'
    conditions, so a caller can load the data first and then report every problem at
    once: these plus ``validate_rules(ruleset, schema)`` (which checks each rule that
    was read). A part with a structural problem is left out or disabled, so the rule
    set can still be checked; it is None only when the YAML itself cannot be read.

    Raises
    ------
    SegtuiError
        The file cannot be read at all (missing, not UTF-8).

    Examples
    --------
    >>> from segtui.resources import RULES_DIR
    >>> ruleset, problems = read_rule_file(RULES_DIR / "lifecycle.yaml")
    >>> len(ruleset.segments), problems
    (4, [])
    """
    path = Path(path)
    problems = _Problems(str(path))
    ruleset = _read(_read_text(path), str(path), path.parent, problems)
    return ruleset, problems.items


def validate_rules(
    ruleset_or_path: RuleSet | str | Path,
    schema: pl.Schema | None = None,
    source: str | None = None,
) -> list[str]:
    """Every problem of a rule set or rule file, one line each (empty when valid).

    Parameters
    ----------
    ruleset_or_path
        A rule set (e.g. being edited) or the path of a rule file.
    schema
        Customer-view schema; adds unknown-column and type checks.
    source
        Name to prefix messages with (defaults to the path or ``ruleset.source``).

    Returns
    -------
    list[str]

    Examples
    --------
    >>> rs = RuleSet([Segment("VIP", [Rule("orders >= 3"), Rule("recency_day < 90")])], source="v.yaml")
    >>> validate_rules(rs, pl.Schema({"orders": pl.Int64, "recency_days": pl.Int64}))
    ['v.yaml: segment "VIP", rule 2: unknown column "recency_day" (did you mean "recency_days"?)']
    """
    if isinstance(ruleset_or_path, RuleSet):
        problems = _Problems(source if source is not None else ruleset_or_path.source)
        _semantic(ruleset_or_path, schema, problems)
        return problems.items
    path = Path(ruleset_or_path)
    problems = _Problems(source if source is not None else str(path))
    try:
        text = _read_text(path)
    except SegtuiError as err:
        return [err.message]
    ruleset = _read(text, str(path), path.parent, problems)
    if ruleset is not None:
        _semantic(ruleset, schema, problems)
    return problems.items


# -- writing ---------------------------------------------------------------------------------


def _rule_doc(rule: Rule) -> Any:
    return rule.where if rule.enabled else {"where": rule.where, "enabled": False}


def _holdout_doc(holdout: Holdout) -> dict[str, Any]:
    percent = holdout.percent
    return {"percent": int(percent) if float(percent).is_integer() else percent, "salt": holdout.salt}


def _segment_doc(seg: Segment) -> dict:
    doc: dict[str, Any] = {"name": seg.name}
    if seg.description:
        doc["description"] = seg.description
    if seg.match != "all":
        doc["match"] = seg.match
    if not seg.enabled:
        doc["enabled"] = False
    if seg.holdout is not None:
        doc["holdout"] = _holdout_doc(seg.holdout)
    doc["rules"] = [_rule_doc(rule) for rule in seg.rules]
    return doc


def written_data_path(spec: DataSpec, folder: str | Path | None) -> str | None:
    """``spec.path`` as a rule file in ``folder`` writes it: relative to that folder.

    In memory the path is resolved (absolute, or relative to the working folder); in
    the file it is relative to the file's own folder, so the file and its data can move
    together, unless the file it came from gave an absolute path.

    Examples
    --------
    >>> written_data_path(DataSpec(path="exports/sales.csv"), "rules")
    '../exports/sales.csv'
    """
    if not spec.path:
        return None
    if folder is None or (spec.written_path is not None and os.path.isabs(spec.written_path)):
        return spec.path
    return os.path.relpath(os.path.abspath(spec.path), os.path.abspath(folder))


def _document(ruleset: RuleSet, folder: Path | None) -> dict:
    doc: dict[str, Any] = {"version": ruleset.version}
    if ruleset.name:
        doc["name"] = ruleset.name
    if ruleset.description:
        doc["description"] = ruleset.description
    if ruleset.data is not None:
        data: dict[str, Any] = {}
        if ruleset.data.path:
            data["path"] = written_data_path(ruleset.data, folder)
        if ruleset.data.columns:
            data["columns"] = dict(ruleset.data.columns)
        if ruleset.data.as_of is not None:
            data["as_of"] = ruleset.data.as_of
        if ruleset.data.date_format:
            data["date_format"] = ruleset.data.date_format
        if ruleset.data.customers_file:
            data["customers_file"] = written_data_path(DataSpec(path=ruleset.data.customers_file), folder)
        doc["data"] = data
    if ruleset.lifecycle != Lifecycle():
        doc["lifecycle"] = {key: getattr(ruleset.lifecycle, key) for key in _LIFECYCLE_KEYS}
    if ruleset.occasions:
        written = ruleset.occasions_written
        doc["occasions"] = written if resolve_occasions(written)[0] == ruleset.occasions else dict(ruleset.occasions)
    if ruleset.universe:
        doc["universe"] = ruleset.universe
    doc["assign"] = ruleset.assign
    if ruleset.holdout is not None:
        doc["holdout"] = _holdout_doc(ruleset.holdout)
    doc["segments"] = [_segment_doc(seg) for seg in ruleset.segments]
    return doc


def _yaml(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


# -- saving onto the loaded document (comments, key order and layout survive) -----------------

#: Values a key means when it is left out, per mapping of the format; a key the file
#: already has is kept when it still means the same, even if it is a default.
_TOP_DEFAULTS: dict[str, Any] = {
    "name": "",
    "description": "",
    "data": None,
    "lifecycle": {key: getattr(Lifecycle(), key) for key in _LIFECYCLE_KEYS},
    "occasions": None,
    "universe": None,
    "assign": "first_match",
    "holdout": None,
}
_DATA_DEFAULTS: dict[str, Any] = {"path": None, "columns": {}, "as_of": None, "date_format": None, "customers_file": None}
_SEGMENT_DEFAULTS: dict[str, Any] = {"description": "", "match": "all", "enabled": True, "holdout": None}
_RULE_DEFAULTS: dict[str, Any] = {"enabled": True}


def _plain_scalar_ok(text: str) -> bool:
    """Whether PyYAML reads ``text`` back as the same string when written unquoted.

    ruamel writes YAML 1.2, where ``yes`` or ``010`` are plain strings; the loader reads
    YAML 1.1, where they are a boolean and a number. PyYAML is also stricter in flow
    collections (``{role: 0?}`` is an error there), so both contexts are tried.

    >>> _plain_scalar_ok("orders >= 3"), _plain_scalar_ok("no"), _plain_scalar_ok("0?")
    (True, False, False)
    """
    try:
        return yaml.safe_load(text) == text and yaml.safe_load(f"{{k: {text}}}") == {"k": text}
    except yaml.YAMLError:
        return False


def _fresh(value: Any) -> Any:
    """A new value as a ruamel node that PyYAML will read back as ``value``."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import SingleQuotedScalarString

    if isinstance(value, dict):
        return CommentedMap((key, _fresh(item)) for key, item in value.items())
    if isinstance(value, list):
        return CommentedSeq(_fresh(item) for item in value)
    if isinstance(value, str) and not _plain_scalar_ok(value):
        return SingleQuotedScalarString(value)
    return value


def _as_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return value
    return value


def _same(key: str, old: Any, new: Any, defaults: dict[str, Any]) -> bool:
    """Whether the file's value ``old`` of ``key`` already means ``new``."""
    default = defaults.get(key)
    old = default if old is None else old
    new = default if new is None else new
    if key == "as_of":
        return _as_date(old) == _as_date(new)
    if key in ("path", "customers_file") and isinstance(old, str) and isinstance(new, str):
        return os.path.normpath(old) == os.path.normpath(new)
    return bool(old == new) and type(old) is type(new)


def _slot(container: Any, key: Any) -> tuple[Any, Any]:
    """Where ruamel keeps the comment lines after ``container[key]`` (its last line's owner)."""
    value = container[key]
    if not value or not isinstance(value, dict | list) or value.fa.flow_style():
        return container, key  # a flow collection's trailer stays with its key
    return _slot(value, list(value)[-1] if isinstance(value, dict) else len(value) - 1)


def _trailer(slot: tuple[Any, Any]) -> Any:
    container, key = slot
    entry = container.ca.items.get(key)
    at = 2 if isinstance(container, dict) else 0
    return entry[at] if entry and len(entry) > at else None


def _set_trailer(slot: tuple[Any, Any], token: Any) -> None:
    container, key = slot
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    entry[2 if isinstance(container, dict) else 0] = token


def _blank_lines(text: str) -> str:
    return text[: len(text) - len(text.lstrip("\n"))]


def _spaced(token: Any) -> bool:
    """Whether a trailer holds a blank line (items set apart by blank lines)."""
    value = getattr(token, "value", "")
    return isinstance(value, str) and "\n\n" in value


def _hand_over(previous: tuple[Any, Any], new: tuple[Any, Any], keep_blank: bool = True) -> None:
    """Give ``new`` the comment lines after ``previous``; ``previous`` keeps the blank lines.

    ruamel stores the comments above an item as the trailer of the item before it, so
    an item inserted in between must take them over to keep them above their item.
    """
    from ruamel.yaml.tokens import CommentToken

    token = _trailer(previous)
    if token is None or not isinstance(token, CommentToken) or "\n" not in token.value:
        return
    # the token runs from the end of the previous item's line (an end-of-line comment
    # stays there) over the lines below it
    end = token.value.index("\n") + 1
    own, below = token.value[:end], token.value[end:]
    _set_trailer(new, CommentToken("\n" + below, token.start_mark, None) if below else None)
    kept = own + (_blank_lines(below) if keep_blank else "")
    _set_trailer(previous, CommentToken(kept, token.start_mark, None) if kept.strip() or kept.count("\n") > 1 else None)


def _absorb(survivor: tuple[Any, Any], deleted: tuple[Any, Any]) -> None:
    """Before deleting an item: the lines below it (above the next one) move up to ``survivor``.

    The survivor keeps its end-of-line comment; the comment lines it had below it were
    about the deleted item and go with it.
    """
    from ruamel.yaml.tokens import CommentToken

    token, mine = _trailer(deleted), _trailer(survivor)
    below = token.value.partition("\n")[2] if isinstance(token, CommentToken) else ""
    own, mark = (mine.value.partition("\n")[0], mine.start_mark) if isinstance(mine, CommentToken) else ("", None)
    if mark is None and isinstance(token, CommentToken):
        mark = token.start_mark
    text = own + "\n" + below
    _set_trailer(survivor, CommentToken(text, mark, None) if text != "\n" else None)


def _insert_key(node: Any, key: str, value: Any, order: list[str]) -> None:
    """Add ``key`` where the canonical ``order`` puts it among the keys the file has."""
    keys = list(node)
    before = [k for k in order[: order.index(key)] if k in node] if key in order else keys
    position = keys.index(before[-1]) + 1 if before else 0
    node.insert(position, key, value)
    if 0 < position < len(keys):
        _hand_over(_slot(node, keys[position - 1]), _slot(node, key))


_Nested = dict[str, Any]  # key -> function(node, key, old, new) merging a nested value in place


def _merge_map(
    node: Any, old: Any, new: dict[str, Any], defaults: dict[str, Any], order: list[str], nested: _Nested | None = None
) -> None:
    """Write the canonical mapping ``new`` (defaults left out) onto the file's ``node``."""
    old = old if isinstance(old, dict) else {}
    nested = nested or {}
    for key in order:
        value = new.get(key, defaults.get(key))
        if key not in node:
            if key in new and not _same(key, None, value, defaults):
                _insert_key(node, key, _fresh(value), order)
            continue
        if key in nested and value is not None and isinstance(node[key], dict | list) and isinstance(old.get(key), dict | list):
            nested[key](node, key, old[key], value)  # edit the collection in place: its comments stay
        elif _same(key, old.get(key), value, defaults):
            continue
        elif value is None or value == "":
            del node[key]
        else:
            node[key] = _fresh(value)


def _match(old: list[Any], new: list[Any], key: Any) -> list[int | None]:
    """For each new item, the index of the old item it continues (or None for a new one).

    Items pair up by ``key`` (a segment's name, a rule's condition), wherever they
    moved. A new item left over continues the unpaired old item right after the one
    its predecessor continues (a rename or an edited condition in the same place).
    """
    free = list(range(len(old)))
    pairs: list[int | None] = []
    for item in new:
        found = next((i for i in free if key(old[i]) == key(item)), None)
        if found is not None:
            free.remove(found)
        pairs.append(found)
    for at, found in enumerate(pairs):
        if found is None:
            spot = 0 if at == 0 else (pairs[at - 1] + 1 if pairs[at - 1] is not None else None)
            if spot in free:
                free.remove(spot)
                pairs[at] = spot
    return pairs


def _merge_list(seq: Any, old: list[Any], new: list[Any], key: Any, merge_item: Any) -> None:
    """Make the file's list ``seq`` hold ``new``: keep, move, merge, insert, delete in place.

    An item's comments (stored by position) travel with it when it moves.
    """
    pairs = _match(old, new, key)
    for index in sorted(set(range(len(old))) - {p for p in pairs if p is not None}, reverse=True):
        if index > 0:
            _absorb(_slot(seq, index - 1), _slot(seq, index))
        del seq[index]
    positions = sorted(p for p in pairs if p is not None)  # old index of each item left in seq
    for target, (source, item) in enumerate(zip(pairs, new)):
        if source is None:
            seq.insert(target, _fresh(item))
            positions.insert(target, None)
            if target > 0:
                # appended: the blank lines after the list stay after it, unless its items
                # are themselves set apart by blank lines
                spaced = target + 1 < len(seq) or (target >= 2 and _spaced(_trailer(_slot(seq, target - 2))))
                _hand_over(_slot(seq, target - 1), _slot(seq, target), keep_blank=spaced)
            continue
        at = positions.index(source)
        if at != target:
            comment = seq.ca.items.pop(at, None)
            moved = seq[at]
            del seq[at]
            positions.pop(at)
            seq.insert(target, moved)
            positions.insert(target, source)
            if comment is not None:
                seq.ca.items[target] = comment
        merge_item(seq, target, old[source], item)


def _rule_key(value: Any) -> Any:
    return value.get("where") if isinstance(value, dict) else value


def _merge_rule(seq: Any, index: int, old: Any, new: Any) -> None:
    if _rule_key(old) == _rule_key(new) and _rule_enabled(old) == _rule_enabled(new):
        return
    if isinstance(seq[index], dict) and isinstance(old, dict):
        full = new if isinstance(new, dict) else {"where": new, "enabled": True}
        _merge_map(seq[index], old, full, _RULE_DEFAULTS, _RULE_KEYS)
    else:
        seq[index] = _fresh(new)
        if isinstance(new, dict):
            # {where: ..., enabled: false} on the rule's own line: a block mapping would
            # land after the comments ruamel keeps above the item and break the file
            seq[index].fa.set_flow_style()


def _rule_enabled(value: Any) -> Any:
    return value.get("enabled", True) if isinstance(value, dict) else True


def _merge_rules(node: Any, key: str, old: list[Any], new: list[Any]) -> None:
    _merge_list(node[key], old, new, _rule_key, _merge_rule)


def _merge_holdout(node: Any, key: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    # in place, so a flow mapping {percent: 10, salt: ...} stays on its line
    _merge_map(node[key], old, new, {}, _HOLDOUT_KEYS)


def _merge_segment(seq: Any, index: int, old: Any, new: dict[str, Any]) -> None:
    if isinstance(seq[index], dict) and isinstance(old, dict):
        _merge_map(seq[index], old, new, _SEGMENT_DEFAULTS, _SEGMENT_KEYS, {"rules": _merge_rules, "holdout": _merge_holdout})
    else:
        seq[index] = _fresh(new)


def _merge_segments(node: Any, key: str, old: list[Any], new: list[Any]) -> None:
    _merge_list(node[key], old, new, lambda seg: seg.get("name") if isinstance(seg, dict) else None, _merge_segment)


def _merge_columns(node: Any, key: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    columns = node[key]
    for role in [role for role in columns if role not in new]:
        del columns[role]
    _merge_map(columns, old, new, {}, list(new))


def _merge_data(node: Any, key: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    _merge_map(node[key], old, new, _DATA_DEFAULTS, _DATA_KEYS, {"columns": _merge_columns})


def _merge_lifecycle(node: Any, key: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    defaults = _TOP_DEFAULTS["lifecycle"]
    _merge_map(node[key], old, {**defaults, **new}, defaults, _LIFECYCLE_KEYS)


def _indents(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indents of a file, to write it back in its own layout."""
    mapping, sequence, offset = 2, 4, 2  # the shipped files' style
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for line, following in zip(lines, lines[1:]):
        if not line.rstrip().endswith(":"):
            continue
        parent = len(line) - len(line.lstrip())
        child = len(following) - len(following.lstrip())
        if child <= parent and not following.lstrip().startswith("- "):
            continue
        if following.lstrip().startswith("- "):
            offset = child - parent
            sequence = offset + 2
            break
    for line, following in zip(lines, lines[1:]):
        if line.rstrip().endswith(":") and not following.lstrip().startswith("- "):
            parent = len(line) - len(line.lstrip()) + (2 if line.lstrip().startswith("- ") else 0)
            child = len(following) - len(following.lstrip())
            if child > parent:
                mapping = child - parent
                break
    return mapping, sequence, offset


def _round_trip(ruleset: RuleSet, folder: Path) -> str | None:
    """The text the rule set was loaded from with its changes applied, or None.

    None when there is no such text or it cannot be edited faithfully; the caller then
    writes the rule set afresh. The result is read back and must mean ``ruleset``.
    """
    if not ruleset.text:
        return None
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError as RuamelError

    ok, old = _load_yaml(ruleset.text, _Problems(None))
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096  # never re-wrap a long condition
    mapping, sequence, offset = _indents(ruleset.text)
    rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    try:
        node = rt.load(ruleset.text)
    except RuamelError:
        return None
    if not ok or not isinstance(old, dict) or not isinstance(node, dict):
        return None
    nested = {"data": _merge_data, "lifecycle": _merge_lifecycle, "holdout": _merge_holdout, "segments": _merge_segments}
    _merge_map(node, old, _document(ruleset, folder), _TOP_DEFAULTS, _TOP_KEYS, nested)
    out = io.StringIO()
    rt.dump(node, out)
    text = out.getvalue()
    return text if _means(text, ruleset, folder) else None


def _means(text: str, ruleset: RuleSet, folder: Path) -> bool:
    """Whether ``text`` saved in ``folder`` reads back as ``ruleset``."""
    problems = _Problems(None)
    ok, doc = _load_yaml(text, problems)
    again = _structure(doc, folder, problems) if ok else None
    if again is None or problems.items:
        return False
    return _resolved(again) == _resolved(ruleset)


def _resolved(ruleset: RuleSet) -> RuleSet:
    """A copy whose data path is absolute, to compare rule sets read from different folders."""
    if ruleset.data is None or not ruleset.data.path:
        return ruleset
    return replace(ruleset, data=replace(ruleset.data, path=os.path.abspath(ruleset.data.path)))


def dump_rules(ruleset: RuleSet) -> str:
    """The rule set as YAML text in the stable key order (no comments).

    Examples
    --------
    >>> print(dump_rules(RuleSet([Segment("Loyal", [Rule("orders >= 3"), Rule("aov > 50", enabled=False)])])), end="")
    version: 1
    assign: first_match
    segments:
    - name: Loyal
      rules:
      - orders >= 3
      - where: aov > 50
        enabled: false
    """
    return _yaml(_document(ruleset, None))


def save_rules(ruleset: RuleSet, path: str | Path) -> Path:
    """Write the rule set to ``path`` atomically (temp file in the same folder + rename).

    A rule set loaded from a file is written onto that file's document
    (``ruleset.text``): every comment and key it had survives, and an unchanged rule
    set is written back byte for byte. Otherwise (or should the edited document not
    read back as ``ruleset``) it is written in the stable key order of ``dump_rules``,
    under the leading comment block of its file (``ruleset.header``).

    Parameters
    ----------
    ruleset
        What to write.
    path
        Target file; its folder must exist.

    Returns
    -------
    Path

    Raises
    ------
    SegtuiError
        The folder does not exist or the file cannot be written; the previous
        file, if any, is left untouched.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise SegtuiError(f"{path}: folder {folder} does not exist", title="Cannot save rules")
    text = _round_trip(ruleset, folder) or ruleset.header + _yaml(_document(ruleset, folder))

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())  # a rule file is the team's work: on disk before the rename

    write_atomic(path, write, verb="save", title="Cannot save rules")
    return path
