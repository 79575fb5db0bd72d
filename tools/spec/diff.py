"""Semantic diff of two OpenAPI 3.0 descriptions, each change classified for a client.

The rules follow oasdiff's breaking-change checks, seen from a client of the API (and of the
SDK generated from it):

* operations: removed -> breaking; added -> non-breaking; operationId changed -> breaking
  (the generated function is renamed);
* parameters: removed -> breaking; added required -> breaking; added optional -> non-breaking;
  optional became required -> breaking;
* request bodies: a new required field, a removed field, a field that became required, a
  narrowed enum or constraint -> breaking; a new optional field -> non-breaking;
* responses: a removed field, a field that is no longer required, a removed enum value, a
  removed success status or media type -> breaking; a new field or status -> non-breaking;
* anywhere: a changed ``type`` or ``format`` -> breaking;
* servers: any change is non-breaking but *prominent* (the SDK's default base URL follows);
* security schemes: removed, or changed type/scheme -> breaking; new ones -> non-breaking; a
  changed OAuth2 ``tokenUrl`` is non-breaking but prominent.

``$ref`` are resolved (recursively, cycles cut) and ``allOf`` is merged before comparing, so
a change inside a referenced schema is reported at every place a client meets it.
Descriptions, summaries and examples are ignored.

Example::

    >>> old = {"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {}}}}}
    >>> new = {"openapi": "3.0.3", "paths": {}}
    >>> [(c.rule, c.breaking) for c in diff_specs(old, new)]
    [('operation-removed', True)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# constraints whose increase narrows what a request may carry (and the opposite)
UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")
LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")


@dataclass(frozen=True)
class Change:
    """One semantic change between two descriptions.

    ``rule`` is a stable identifier (``response-property-removed``); ``where`` says where a
    client meets it; ``prominent`` flags changes worth a headline although they do not break.

    Example::

        >>> Change("operation-added", "`GET /a`", "operation added", breaking=False).markdown()
        '`GET /a`: operation added'
    """

    rule: str
    where: str
    detail: str
    breaking: bool
    prominent: bool = False

    def markdown(self) -> str:
        """One Markdown line (without the bullet)."""
        return f"{self.where}: {self.detail}" if self.where else self.detail


def diff_specs(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Return the semantic changes from ``old`` to ``new`` (two loaded OpenAPI documents).

    Example::

        >>> diff_specs({"servers": [{"url": "https://a"}]}, {"servers": [{"url": "https://b"}]})[0].rule
        'server-url-changed'
    """
    differ = _Differ(old or {}, new or {})
    differ.servers()
    differ.security_schemes()
    differ.global_security()
    differ.operations()
    return differ.changes


def has_breaking(changes: Iterable[Change]) -> bool:
    """True if any change is breaking.

    Example::

        >>> has_breaking([Change("operation-removed", "`GET /a`", "removed", breaking=True)])
        True
    """
    return any(change.breaking for change in changes)


def render_markdown(
    changes: list[Change],
    *,
    title: str = "API changes",
    preamble: Iterable[str] = (),
    notes: Iterable[str] = (),
) -> str:
    """Render ``changes`` as Markdown (a pull request body); "No changes." when empty.

    ``preamble`` lines go under the title; ``notes`` (pipeline status) go at the end.

    Example::

        >>> print(render_markdown([], title="Spec update"))
        # Spec update
        <BLANKLINE>
        No changes.
        <BLANKLINE>
    """
    lines = [f"# {title}", ""]
    preamble = list(preamble)
    if preamble:
        lines += [*preamble, ""]
    if not changes:
        lines += ["No changes.", ""]
    else:
        breaking = [c for c in changes if c.breaking]
        other = [c for c in changes if not c.breaking]
        prominent = [c for c in changes if c.prominent]
        verdict = "**BREAKING**" if breaking else "non-breaking"
        lines += [
            f"{verdict}: {len(breaking)} breaking change(s), {len(other)} non-breaking.",
            "",
        ]
        if prominent:
            lines += ["## Attention: servers and authentication", ""]
            lines += [f"- {c.markdown()}" for c in prominent] + [""]
        for heading, group in (("Breaking changes", breaking), ("Non-breaking changes", other)):
            if group:
                lines += [f"## {heading}", ""]
                lines += [f"- {c.markdown()} (`{c.rule}`)" for c in group] + [""]
    notes = list(notes)
    if notes:
        lines += ["## Pipeline", "", *[f"- {note}" for note in notes], ""]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    return f"`{value}`"


def _normalise_path(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


class _Differ:
    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old = old
        self.new = new
        self.changes: list[Change] = []

    def add(self, rule: str, where: str, detail: str, *, breaking: bool, prominent: bool = False
            ) -> None:  # fmt: skip
        self.changes.append(Change(rule, where, detail, breaking, prominent))

    # ---- references -------------------------------------------------------------------

    @staticmethod
    def deref(doc: dict[str, Any], node: Any, limit: int = 32) -> Any:
        """Follow a chain of local ``$ref``; an unresolvable one yields ``{}``."""
        while isinstance(node, dict) and "$ref" in node and limit > 0:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return {}
            target: Any = doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    return {}
                target = target[part]
            node, limit = target, limit - 1
        return node

    def schema(self, doc: dict[str, Any], node: Any) -> dict[str, Any]:
        """Resolve ``$ref`` and merge ``allOf`` into one schema object."""
        node = self.deref(doc, node)
        if not isinstance(node, dict):
            return {}
        if "allOf" not in node:
            return node
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        properties: dict[str, Any] = {}
        required: list[str] = []
        for part in node["allOf"]:
            part = self.schema(doc, part)
            for key, value in part.items():
                if key == "properties":
                    properties.update(value or {})
                elif key == "required":
                    required += [name for name in value or [] if name not in required]
                else:
                    merged.setdefault(key, value)
        properties.update(node.get("properties") or {})
        required += [name for name in node.get("required") or [] if name not in required]
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = required
        return merged

    # ---- servers and security ---------------------------------------------------------

    def servers(self) -> None:
        old = [s.get("url") for s in self.old.get("servers") or [] if isinstance(s, dict)]
        new = [s.get("url") for s in self.new.get("servers") or [] if isinstance(s, dict)]
        if old and new and old[0] != new[0]:
            self.add(
                "server-url-changed", "servers",
                f"default server URL changed from {_fmt(old[0])} to {_fmt(new[0])}; "
                "the SDK's default base URL follows",
                breaking=False, prominent=True,
            )  # fmt: skip
        for url in old[1:] if old and new and old[0] != new[0] else old:
            if url not in new:
                self.add("server-removed", "servers", f"server {_fmt(url)} removed",
                         breaking=False, prominent=True)  # fmt: skip
        for url in new[1:] if old and new and old[0] != new[0] else new:
            if url not in old:
                self.add("server-added", "servers", f"server {_fmt(url)} added",
                         breaking=False, prominent=True)  # fmt: skip

    def security_schemes(self) -> None:
        old = (self.old.get("components") or {}).get("securitySchemes") or {}
        new = (self.new.get("components") or {}).get("securitySchemes") or {}
        for name in old:
            where = f"security scheme {_fmt(name)}"
            if name not in new:
                self.add("security-scheme-removed", where, "removed", breaking=True)
                continue
            before, after = self.deref(self.old, old[name]), self.deref(self.new, new[name])
            for key in ("type", "scheme", "in", "name", "bearerFormat"):
                if before.get(key) != after.get(key):
                    self.add(
                        "security-scheme-changed", where,
                        f"{key} changed from {_fmt(before.get(key))} to {_fmt(after.get(key))}",
                        breaking=True,
                    )  # fmt: skip
            old_flows, new_flows = before.get("flows") or {}, after.get("flows") or {}
            for flow in old_flows:
                if flow not in new_flows:
                    self.add("security-flow-removed", where, f"OAuth2 flow {_fmt(flow)} removed",
                             breaking=True)  # fmt: skip
                    continue
                for key in ("tokenUrl", "authorizationUrl"):
                    was, now = old_flows[flow].get(key), new_flows[flow].get(key)
                    if was != now:
                        self.add(
                            "security-url-changed", where,
                            f"{flow} {key} changed from {_fmt(was)} to {_fmt(now)}; "
                            "the SDK's default token URL follows",
                            breaking=False, prominent=True,
                        )  # fmt: skip
            for flow in new_flows:
                if flow not in old_flows:
                    self.add("security-flow-added", where, f"OAuth2 flow {_fmt(flow)} added",
                             breaking=False)  # fmt: skip
        for name in new:
            if name not in old:
                self.add("security-scheme-added", f"security scheme {_fmt(name)}", "added",
                         breaking=False)  # fmt: skip

    def security_requirements(self, old: Any, new: Any, where: str) -> None:
        def alternatives(requirements: Any) -> list[frozenset[str]]:
            return [frozenset(r) for r in requirements or [] if isinstance(r, dict)]

        before, after = alternatives(old), alternatives(new)
        for alt in before:
            if alt not in after:
                names = ", ".join(sorted(alt)) or "anonymous"
                self.add("security-requirement-removed", where,
                         f"security alternative {_fmt(names)} removed", breaking=True)  # fmt: skip
        for alt in after:
            if alt not in before:
                names = ", ".join(sorted(alt)) or "anonymous"
                self.add("security-requirement-added", where,
                         f"security alternative {_fmt(names)} added", breaking=False)  # fmt: skip

    def global_security(self) -> None:
        self.security_requirements(
            self.old.get("security"), self.new.get("security"), "global security"
        )

    # ---- operations -------------------------------------------------------------------

    def operation_index(self, doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, Any, Any]]:
        index = {}
        for path, item in (doc.get("paths") or {}).items():
            item = self.deref(doc, item)
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                if isinstance(item.get(method), dict):
                    index[(method, _normalise_path(path))] = (path, item, item[method])
        return index

    def operations(self) -> None:
        old, new = self.operation_index(self.old), self.operation_index(self.new)
        for key, (path, _, op) in old.items():
            if key not in new:
                where = f"`{key[0].upper()} {path}`"
                self.add("operation-removed", where, f"operation {_fmt(op.get('operationId'))} "
                         "removed", breaking=True)  # fmt: skip
        for key, (path, _, op) in new.items():
            if key not in old:
                where = f"`{key[0].upper()} {path}`"
                self.add("operation-added", where, f"operation {_fmt(op.get('operationId'))} "
                         "added", breaking=False)  # fmt: skip
        for key in [key for key in old if key in new]:
            self.operation(key[0], old[key], new[key])

    def operation(self, method: str, old: tuple[str, Any, Any], new: tuple[str, Any, Any]) -> None:
        (_, old_item, old_op), (path, new_item, new_op) = old, new
        where = f"`{method.upper()} {path}`"
        if old_op.get("operationId") != new_op.get("operationId"):
            self.add(
                "operation-id-changed", where,
                f"operationId changed from {_fmt(old_op.get('operationId'))} to "
                f"{_fmt(new_op.get('operationId'))} (generated function renamed)",
                breaking=True,
            )  # fmt: skip
        if not old_op.get("deprecated") and new_op.get("deprecated"):
            self.add("operation-deprecated", where, "operation deprecated", breaking=False)
        if "security" in old_op or "security" in new_op:
            self.security_requirements(
                old_op.get("security", self.old.get("security")),
                new_op.get("security", self.new.get("security")),
                where,
            )
        self.parameters(where, old_item, old_op, new_item, new_op)
        self.request_body(where, old_op.get("requestBody"), new_op.get("requestBody"))
        self.responses(where, old_op.get("responses") or {}, new_op.get("responses") or {})

    def parameter_index(
        self, doc: dict[str, Any], item: Any, op: Any
    ) -> dict[tuple[str, str], Any]:
        index = {}
        for raw in [*(item.get("parameters") or []), *(op.get("parameters") or [])]:
            param = self.deref(doc, raw)
            if isinstance(param, dict) and "name" in param:
                index[(param.get("in", ""), param["name"])] = param
        return index

    def parameters(self, where: str, old_item: Any, old_op: Any, new_item: Any, new_op: Any
                   ) -> None:  # fmt: skip
        old = self.parameter_index(self.old, old_item, old_op)
        new = self.parameter_index(self.new, new_item, new_op)
        for (place, name), param in old.items():
            label = f"{place} parameter {_fmt(name)}"
            if (place, name) not in new:
                self.add("request-parameter-removed", where, f"{label} removed", breaking=True)
                continue
            after = new[(place, name)]
            if not param.get("required") and after.get("required"):
                self.add("request-parameter-became-required", where, f"{label} became required",
                         breaking=True)  # fmt: skip
            elif param.get("required") and not after.get("required"):
                self.add("request-parameter-became-optional", where, f"{label} became optional",
                         breaking=False)  # fmt: skip
            self.compare_schema(
                param.get("schema"), after.get("schema"), where, label, "request", set()
            )
        for (place, name), param in new.items():
            if (place, name) in old:
                continue
            label = f"{place} parameter {_fmt(name)}"
            if param.get("required"):
                self.add("new-required-request-parameter", where, f"new required {label}",
                         breaking=True)  # fmt: skip
            else:
                self.add("new-optional-request-parameter", where, f"new optional {label}",
                         breaking=False)  # fmt: skip

    def request_body(self, where: str, old: Any, new: Any) -> None:
        old, new = self.deref(self.old, old), self.deref(self.new, new)
        if not old and not new:
            return
        if not new:
            self.add("request-body-removed", where, "request body removed", breaking=True)
            return
        if not old:
            required = bool(new.get("required"))
            self.add("request-body-added", where,
                     f"{'required' if required else 'optional'} request body added",
                     breaking=required)  # fmt: skip
            return
        if not old.get("required") and new.get("required"):
            self.add("request-body-became-required", where, "request body became required",
                     breaking=True)  # fmt: skip
        old_content, new_content = old.get("content") or {}, new.get("content") or {}
        for media in old_content:
            label = f"request body ({media})"
            if media not in new_content:
                self.add("request-media-type-removed", where, f"{label} removed", breaking=True)
                continue
            self.compare_schema(
                old_content[media].get("schema"), new_content[media].get("schema"),
                where, label, "request", set(),
            )  # fmt: skip
        for media in new_content:
            if media not in old_content:
                self.add("request-media-type-added", where, f"request body ({media}) added",
                         breaking=False)  # fmt: skip

    def responses(self, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        for status in old:
            success = str(status).startswith("2")
            if status not in new:
                self.add(
                    "response-success-status-removed" if success else "response-status-removed",
                    where, f"response {status} removed", breaking=success,
                )  # fmt: skip
                continue
            before, after = self.deref(self.old, old[status]), self.deref(self.new, new[status])
            old_content = (before or {}).get("content") or {}
            new_content = (after or {}).get("content") or {}
            for media in old_content:
                label = f"response {status} ({media})"
                if media not in new_content:
                    self.add("response-media-type-removed", where, f"{label} removed",
                             breaking=success)  # fmt: skip
                    continue
                self.compare_schema(
                    old_content[media].get("schema"), new_content[media].get("schema"),
                    where, label, "response", set(),
                )  # fmt: skip
            for media in new_content:
                if media not in old_content:
                    self.add("response-media-type-added", where,
                             f"response {status} ({media}) added", breaking=False)  # fmt: skip
        for status in new:
            if status not in old:
                self.add("response-status-added", where, f"response {status} added",
                         breaking=False)  # fmt: skip

    # ---- schemas ----------------------------------------------------------------------

    def compare_schema(
        self,
        old_node: Any,
        new_node: Any,
        where: str,
        context: str,
        direction: str,
        seen: set[tuple[str, str]],
        path: str = "",
    ) -> None:
        """Compare two schemas met in a request or a response (``direction``).

        ``context`` names the body or parameter, ``path`` the field inside it (``a.b[]``).
        """
        refs = (
            old_node.get("$ref", "") if isinstance(old_node, dict) else "",
            new_node.get("$ref", "") if isinstance(new_node, dict) else "",
        )
        if refs != ("", ""):
            if refs in seen:
                return
            seen = seen | {refs}
        old, new = self.schema(self.old, old_node), self.schema(self.new, new_node)
        if not old and not new:
            return
        request = direction == "request"
        rule = f"{direction}-schema"
        label = f"{context} field {_fmt(path)}" if path else context

        for key in ("type", "format"):
            if old.get(key) != new.get(key):
                self.add(
                    f"{rule}-{key}-changed", where,
                    f"{label}: {key} changed from {_fmt(old.get(key))} to {_fmt(new.get(key))}",
                    breaking=True,
                )  # fmt: skip
        was_nullable, now_nullable = bool(old.get("nullable")), bool(new.get("nullable"))
        if was_nullable != now_nullable:
            # a request may no longer send null; a response may now carry null
            breaking = (request and was_nullable) or (not request and now_nullable)
            state = "nullable" if now_nullable else "not nullable"
            self.add(f"{rule}-nullable-changed", where, f"{label}: became {state}",
                     breaking=breaking)  # fmt: skip
        self.compare_enum(old.get("enum"), new.get("enum"), where, label, direction)
        if request:
            self.compare_bounds(old, new, where, label)
        if old.get("default") != new.get("default"):
            self.add(
                f"{rule}-default-changed", where,
                f"{label}: default changed from {_fmt(old.get('default'))} to "
                f"{_fmt(new.get('default'))}",
                breaking=False,
            )  # fmt: skip

        self.compare_properties(old, new, where, context, path, direction, seen)
        if "items" in old or "items" in new:
            self.compare_schema(old.get("items"), new.get("items"), where, context, direction,
                                seen, f"{path}[]")  # fmt: skip
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.compare_schema(old_extra, new_extra, where, context, direction, seen,
                                f"{path}{{*}}")  # fmt: skip
        for key in ("oneOf", "anyOf"):
            before, after = old.get(key) or [], new.get(key) or []
            for index, (a, b) in enumerate(zip(before, after, strict=False)):
                self.compare_schema(a, b, where, context, direction, seen,
                                    f"{path}<{key}[{index}]>")  # fmt: skip
            if len(after) < len(before):
                self.add(f"{rule}-{key}-variant-removed", where,
                         f"{label}: {key} variants went from {len(before)} to {len(after)}",
                         breaking=request)  # fmt: skip
            elif len(after) > len(before):
                self.add(f"{rule}-{key}-variant-added", where,
                         f"{label}: {key} variants went from {len(before)} to {len(after)}",
                         breaking=not request)  # fmt: skip

    def compare_enum(self, old: Any, new: Any, where: str, label: str, direction: str) -> None:
        request = direction == "request"
        if old is None and new is None:
            return
        if old is None:
            self.add(f"{direction}-enum-added", where, f"{label}: restricted to {_fmt(new)}",
                     breaking=request)  # fmt: skip
            return
        if new is None:
            self.add(f"{direction}-enum-dropped", where, f"{label}: no longer an enum",
                     breaking=not request)  # fmt: skip
            return
        for value in old:
            if value not in new:
                self.add(f"{direction}-enum-value-removed", where,
                         f"{label}: enum value {_fmt(value)} removed", breaking=True)  # fmt: skip
        for value in new:
            if value not in old:
                note = "" if request else " (clients may receive it)"
                self.add(f"{direction}-enum-value-added", where,
                         f"{label}: enum value {_fmt(value)} added{note}",
                         breaking=False)  # fmt: skip

    def compare_bounds(self, old: dict[str, Any], new: dict[str, Any], where: str, label: str
                       ) -> None:  # fmt: skip
        def narrowed(key: str, before: Any, after: Any) -> bool:
            if after is None:
                return False
            if before is None:
                return True
            return bool(after < before if key in UPPER_BOUNDS else after > before)

        for key in (*UPPER_BOUNDS, *LOWER_BOUNDS, "pattern"):
            before, after = old.get(key), new.get(key)
            if before == after:
                continue
            breaking = (after is not None) if key == "pattern" else narrowed(key, before, after)
            self.add(
                "request-constraint-narrowed" if breaking else "request-constraint-widened",
                where, f"{label}: {key} changed from {_fmt(before)} to {_fmt(after)}",
                breaking=breaking,
            )  # fmt: skip

    def compare_properties(self, old: dict[str, Any], new: dict[str, Any], where: str,
                           context: str, path: str, direction: str,
                           seen: set[tuple[str, str]]) -> None:  # fmt: skip
        request = direction == "request"
        old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
        old_required, new_required = set(old.get("required") or []), set(new.get("required") or [])
        for name, schema in old_props.items():
            child = f"{path}.{name}" if path else name
            field = f"{context}: field {_fmt(child)}"
            if name not in new_props:
                if request and self.schema(self.old, schema).get("readOnly"):
                    continue
                self.add(f"{direction}-property-removed", where, f"{field} removed",
                         breaking=True)  # fmt: skip
                continue
            if request and self.schema(self.new, new_props[name]).get("readOnly"):
                continue
            if name not in old_required and name in new_required:
                self.add(f"{direction}-property-became-required", where,
                         f"{field} became required", breaking=request)  # fmt: skip
            elif name in old_required and name not in new_required:
                self.add(f"{direction}-property-became-optional", where,
                         f"{field} became optional", breaking=not request)  # fmt: skip
            self.compare_schema(schema, new_props[name], where, context, direction, seen, child)
        for name, schema in new_props.items():
            if name in old_props:
                continue
            child = f"{path}.{name}" if path else name
            if request:
                if self.schema(self.new, schema).get("readOnly"):
                    continue
                if name in new_required:
                    self.add("new-required-request-property", where,
                             f"{context}: new required field {_fmt(child)}",
                             breaking=True)  # fmt: skip
                else:
                    self.add("new-optional-request-property", where,
                             f"{context}: new optional field {_fmt(child)}",
                             breaking=False)  # fmt: skip
            else:
                self.add("response-property-added", where,
                         f"{context}: new field {_fmt(child)}", breaking=False)  # fmt: skip
