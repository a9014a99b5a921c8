"""Rule files: YAML in, YAML out.

Loading uses PyYAML's safe loader only (a ``!!python/object`` tag is an error, never
code), refuses aliases and nesting deeper than ``MAX_YAML_DEPTH`` (so a few hundred
bytes cannot expand to billions of nodes or exhaust the stack), reports duplicate
keys instead of silently keeping the last, checks everything and reports every
problem at once, one line each, naming the file, segment and rule::

    rules/value.yaml: segment "VIP", rule 2: unknown column "recency_day" (did you mean "recency_days"?)

Saving writes a temporary file in the same folder and renames it over the target,
so a crash never leaves half a file, and writes keys in a fixed order so diffs
between colleagues stay small.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from segtui.customers import Lifecycle
from segtui.errors import RuleFileError, SegtuiError
from segtui.export import write_atomic
from segtui.errors import first_line
from segtui.read.mapping import ROLES  # the roles a data.columns mapping may name
from segtui.rules import DataSpec, Rule, RuleSet, Segment, check_rule, suggest

__all__ = ["load_rules", "read_rule_file", "parse_rules", "validate_rules", "save_rules", "dump_rules", "SCHEMA_VERSION", "MAX_YAML_DEPTH"]

#: The rule-file format version this code reads and writes.
SCHEMA_VERSION = 1

_TOP_KEYS = ["version", "name", "description", "data", "lifecycle", "universe", "assign", "segments"]
_DATA_KEYS = ["path", "columns", "as_of", "date_format"]
_LIFECYCLE_KEYS = ["new_days", "at_risk_days", "churn_days"]
_SEGMENT_KEYS = ["name", "description", "match", "enabled", "rules"]
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
            problems.add(where, f'unknown key "{key}"{suggest(str(key), allowed)}')


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
    ruleset = RuleSet(
        segments=segments,
        name=_text(doc.get("name"), "", "name", problems),
        description=_text(doc.get("description"), "", "description", problems),
        version=SCHEMA_VERSION,
        data=_parse_data(doc.get("data"), base, problems),
        lifecycle=_parse_lifecycle(doc.get("lifecycle"), problems),
        universe=universe,
        assign=_choice(doc.get("assign"), _ASSIGN, "first_match", "", "assign", problems),  # type: ignore[arg-type]
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


def _segment_doc(seg: Segment) -> dict:
    doc: dict[str, Any] = {"name": seg.name}
    if seg.description:
        doc["description"] = seg.description
    if seg.match != "all":
        doc["match"] = seg.match
    if not seg.enabled:
        doc["enabled"] = False
    doc["rules"] = [_rule_doc(rule) for rule in seg.rules]
    return doc


def _document(ruleset: RuleSet, folder: Path | None) -> dict:
    doc: dict[str, Any] = {"version": ruleset.version}
    if ruleset.name:
        doc["name"] = ruleset.name
    if ruleset.description:
        doc["description"] = ruleset.description
    if ruleset.data is not None:
        data: dict[str, Any] = {}
        if ruleset.data.path:
            path = ruleset.data.path
            written = ruleset.data.written_path
            relative = not os.path.isabs(written if written is not None else path)
            if folder is not None and relative:
                # in memory the path is resolved (absolute or relative to the working folder);
                # in the file it is relative to the file's own folder
                path = os.path.relpath(os.path.abspath(path), os.path.abspath(folder))
            data["path"] = path
        if ruleset.data.columns:
            data["columns"] = dict(ruleset.data.columns)
        if ruleset.data.as_of is not None:
            data["as_of"] = ruleset.data.as_of
        if ruleset.data.date_format:
            data["date_format"] = ruleset.data.date_format
        doc["data"] = data
    if ruleset.lifecycle != Lifecycle():
        doc["lifecycle"] = {key: getattr(ruleset.lifecycle, key) for key in _LIFECYCLE_KEYS}
    if ruleset.universe:
        doc["universe"] = ruleset.universe
    doc["assign"] = ruleset.assign
    doc["segments"] = [_segment_doc(seg) for seg in ruleset.segments]
    return doc


def _yaml(doc: dict) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)


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

    The leading comment block of the file the rule set was loaded from
    (``ruleset.header``) is written back on top; other comments are not kept.

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
    text = ruleset.header + _yaml(_document(ruleset, folder))
    if not folder.is_dir():
        raise SegtuiError(f"{path}: folder {folder} does not exist", title="Cannot save rules")

    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())  # a rule file is the team's work: on disk before the rename

    write_atomic(path, write, verb="save", title="Cannot save rules")
    return path
