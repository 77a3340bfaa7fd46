"""A console form with an error comes back with the input kept and the message beside the field.

Rules:
- One mechanism for every form, no per-form code: when a console action (POST) is refused with
  a client error (400, 409, 422: a ``PromodeskError``, a ``FormInvalid`` naming several fields,
  a pydantic ``ValidationError``, a route's ``FormRefused``), ``ConsoleRoute`` renders again
  the page the form lives on (its GET) and answers it with the error's status instead of a
  redirect. The page is, best first: the URL the ``csrf`` macro wrote into the form
  (``form_page``), the Referer, the page the route named (``FormRefused.page``). A form sent
  with GET (a price preview) comes back on the page it was typed on (its Referer).
- In that page, the form that posts to the refused action gets back what was typed in every
  input, select and textarea (hidden fields keep the page's fresh values: CSRF and one-time
  submit tokens; a password is never echoed back), each refused field gets
  ``aria-invalid="true"`` and its message right after it (``aria-describedby``), and a summary
  at the top of the form lists every message. A refusal that names no field of the form (not
  enough coins, a state that changed) is in the summary only.
- Messages are shown in the member's language: the error's own message, else the catalogs'
  translation of the service's sentence; one without either is, in another language than
  English, the sentence for the refusal's status (never English after a translated title).
- The refused action changed nothing (its unit of work rolled back) and its one-time submit
  token is forgotten, so the corrected form can be sent.
- If the form's page cannot be shown again (it is gone, it was itself the answer of a POST),
  the error page says what was wrong (with the error's status): never a redirect to the
  dashboard.
"""

from __future__ import annotations

import html as htmlmod
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from promodesk.kit.errors import FormInvalid, PromodeskError
from promodesk.kit.validation import label
from promodesk.kit.validation import message as validation_message

PAGE_FIELD = "form_page"
FORM_STATUSES = frozenset({400, 409, 422})
_ATTR = re.compile(r'([^\s"\'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'=<>`]+)))?')
_FORM = re.compile(r"<form\b[^>]*>", re.I)
_CONTROL = re.compile(r"<(input|select|textarea)\b[^>]*>", re.I)
_OPTION = re.compile(r"<option\b[^>]*>([^<]*)", re.I)
_UNTOUCHED = frozenset({"hidden", "submit", "button", "reset", "file", "image"})


class FormRefused(Exception):
    """A refusal a route has already put in the member's words (a rule's reason, a count): the
    form comes back with it, beside ``field`` if given, else at the top. ``page`` is where the
    form lives when the request does not say (a wizard's URL with its values)."""

    def __init__(
        self,
        messages: str | list[str],
        *,
        status: int = 409,
        field: str | None = None,
        page: str | None = None,
    ) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))
        self.status = status
        self.field = field
        self.page = page


@dataclass
class FormState:
    """What was sent and what was wrong with it."""

    action: str
    items: list[tuple[str, str]]
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    method: str = "post"
    translated: bool = False

    def values(self, name: str) -> list[str]:
        return [v for k, v in self.items if k == name]

    def sent(self, name: str) -> bool:
        return any(k == name for k, _ in self.items)


def problems(exc: BaseException) -> tuple[dict[str, str], list[str]]:
    """The refusal as messages per field, and messages about the whole form."""
    if isinstance(exc, FormRefused):
        if exc.field:
            return {_field_name(exc.field): " ".join(exc.messages)}, []
        return {}, exc.messages
    if isinstance(exc, FormInvalid):
        return dict(exc.fields), ([exc.detail] if exc.detail and not exc.fields else [])
    if isinstance(exc, PromodeskError):
        if exc.field:
            return {_field_name(exc.field): exc.detail}, []
        return {}, [exc.detail] if exc.detail else []
    if isinstance(exc, ValidationError):
        fields: dict[str, str] = {}
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
            name = loc[-1] if loc else ""
            text = validation_message(err)
            fields.setdefault(name, f"{label(name)} {text}" if name else text)
        notes = [fields.pop("")] if "" in fields else []
        return fields, notes
    return {}, [str(exc)]


def _field_name(raw: str) -> str:
    return raw.rsplit(".", 1)[-1]


def _attrs(tag: str) -> tuple[str, dict[str, str]]:
    """A start tag's name and attributes (names lowercased, values unescaped)."""
    parts = tag[1:-1].rstrip("/").split(None, 1)
    name, rest = parts[0], (parts[1] if len(parts) > 1 else "")
    attrs: dict[str, str] = {}
    for m in _ATTR.finditer(rest):
        value = m.group(2) if m.group(2) is not None else (m.group(3) or m.group(4) or "")
        attrs.setdefault(m.group(1).lower(), htmlmod.unescape(value))
    return name.lower(), attrs


def _tag(name: str, attrs: Mapping[str, str | None]) -> str:
    parts = [name]
    for key, value in attrs.items():
        parts.append(key if value is None else f'{key}="{htmlmod.escape(value, quote=True)}"')
    return "<" + " ".join(parts) + ">"


def _with(tag: str, **changes: str | None) -> str:
    """A start tag with attributes set (a str), made bare (``""``) or removed (None)."""
    name, attrs = _attrs(tag)
    out: dict[str, str | None] = {}
    for key, value in attrs.items():
        out[key] = value if value != "" or key in ("value", "placeholder") else None
    for raw, change in changes.items():
        key = raw.replace("_", "-")
        if change is None:
            out.pop(key, None)
        else:
            out[key] = change if change != "" or key == "value" else None
    return _tag(name, out)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "field"


@dataclass
class _Found:
    start: int
    end: int


def _find_form(page: str, state: FormState) -> _Found | None:
    """The form that was sent: of the forms sending to the action, the one with the most of
    the sent field names (the first if several tie; a page may show one action twice)."""
    sent = {name for name, _ in state.items} - {PAGE_FIELD, "csrf_token", "submit_token"}
    best: tuple[int, _Found] | None = None
    for m in _FORM.finditer(page):
        _, attrs = _attrs(m.group(0))
        if attrs.get("method", "get").lower() != state.method:
            continue
        if attrs.get("action", "").split("?", 1)[0].split("#", 1)[0] != state.action:
            continue
        close = page.find("</form>", m.end())
        found = _Found(m.start(), close if close != -1 else len(page))
        names = {
            _attrs(c.group(0))[1].get("name", "")
            for c in _CONTROL.finditer(page, m.end(), found.end)
        }
        score = len(sent & names)
        if best is None or score > best[0]:
            best = (score, found)
    return best[1] if best else None


def fill(
    page: str, state: FormState, *, title: str, message_of: Any, required: bool = False
) -> str | None:
    """The page with the refused form filled with what was sent, its messages beside its
    fields and a summary at its top (or at the top of the main content, if the page has no
    such form; None then if the form is ``required``)."""
    where = _find_form(page, state)
    if state.translated:
        message_of = str
    errors = {name: message_of(text) for name, text in state.errors.items()}
    notes = [message_of(text) for text in state.notes]
    prefix = "err-" + _slug(state.action)
    if where is None:
        if required:
            return None
        notes += list(errors.values())
        summary = _summary(title, notes, {}, prefix)
        anchor = page.find('<main id="main"')
        if anchor == -1:
            return page
        at = page.index(">", anchor) + 1
        return page[:at] + summary + page[at:]
    head_end = page.index(">", where.start) + 1
    body = page[head_end : where.end]
    marked: dict[str, str] = {}
    errors = _named_as_in(body, errors)
    body = _fill_controls(body, state, errors, prefix, marked)
    for name, text in errors.items():
        if name not in marked:
            notes.append(text)
    summary = _summary(title, notes, {marked[n]: errors[n] for n in marked}, prefix)
    return page[:head_end] + summary + body + page[where.end :]


def _named_as_in(body: str, errors: dict[str, str]) -> dict[str, str]:
    """Errors keyed by the form's field names: a service names ``value_minor`` or
    ``product_ids`` where the form has ``value`` or ``product_id``."""
    names = {_attrs(m.group(0))[1].get("name", "") for m in _CONTROL.finditer(body)}
    named: dict[str, str] = {}
    for field_name, text in errors.items():
        stems = [field_name] + [field_name.removesuffix(s) for s in ("_minor", "s", "_ids", "_id")]
        found = next((n for n in stems if n in names), field_name)
        named.setdefault(found, text)
    return named


def _summary(title: str, notes: Iterable[str], fields: Mapping[str, str], prefix: str) -> str:
    items = [f"<li>{htmlmod.escape(n)}</li>" for n in notes]
    items += [
        f'<li><a href="#{htmlmod.escape(ident)}">{htmlmod.escape(text)}</a></li>'
        for ident, text in fields.items()
    ]
    return (
        f'<div class="form-errors" role="alert" id="{prefix}-summary" tabindex="-1">'
        f"<p><strong>{htmlmod.escape(title)}</strong></p><ul>{''.join(items)}</ul></div>"
    )


def _fill_controls(
    body: str, state: FormState, errors: Mapping[str, str], prefix: str, marked: dict[str, str]
) -> str:
    out: list[str] = []
    pos = 0
    while True:
        m = _CONTROL.search(body, pos)
        if m is None:
            out.append(body[pos:])
            return "".join(out)
        out.append(body[pos : m.start()])
        kind, attrs = _attrs(m.group(0))
        name = attrs.get("name", "")
        end = m.end()
        closing = ""
        if kind in ("select", "textarea"):
            close = body.lower().find(f"</{kind}>", end)
            close = close if close != -1 else end
            inner, closing = body[end:close], body[close : close + len(kind) + 3]
            end = close + len(closing)
        else:
            inner = ""
        tag = m.group(0)
        kind_attr = attrs.get("type", "text").lower() if kind == "input" else kind
        changes: dict[str, str | None] = {}
        if name and kind_attr not in _UNTOUCHED and "disabled" not in attrs:
            sent = state.values(name)
            if kind_attr == "password":
                changes["value"] = None
            elif kind_attr in ("checkbox", "radio"):
                changes["checked"] = "" if attrs.get("value", "on") in sent else None
            elif kind == "input" and state.sent(name):
                changes["value"] = sent[0]
            elif kind == "textarea" and state.sent(name):
                inner = htmlmod.escape(sent[0], quote=False)
            elif kind == "select" and state.sent(name):
                inner = _select(inner, sent)
        message = ""
        if name in errors and kind_attr not in _UNTOUCHED:
            ident = attrs.get("id") or f"{prefix}-{_slug(name)}-field"
            note = f"{prefix}-{_slug(name)}"
            if name not in marked:
                marked[name] = ident
                message = (
                    f'<span class="field-error" id="{note}">{htmlmod.escape(errors[name])}</span>'
                )
            changes.update(id=ident, aria_invalid="true", aria_describedby=note)
        if changes:
            tag = _with(tag, **changes)
        out.append(tag + inner + closing + message)
        pos = end


def _select(inner: str, sent: list[str]) -> str:
    def pick(m: re.Match[str]) -> str:
        tag = m.group(0)[: m.group(0).index(">") + 1]
        _, attrs = _attrs(tag)
        value = attrs.get("value", htmlmod.unescape(m.group(1)).strip())
        return _with(tag, selected="" if value in sent else None) + m.group(1)

    return _OPTION.sub(pick, inner)


def form_state(
    request_path: str, items: list[tuple[str, str]], exc: BaseException, method: str = "post"
) -> FormState:
    errors, notes = problems(exc)
    translated = isinstance(exc, FormRefused)
    return FormState(request_path, items, errors, notes, method, translated)


__all__ = [
    "FORM_STATUSES",
    "PAGE_FIELD",
    "FormRefused",
    "FormState",
    "fill",
    "form_state",
    "problems",
]
