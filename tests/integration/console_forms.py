"""Reading console forms the way a browser does (no tests here): the forms of a page, what
they would send, and what a refused form shows again."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Control:
    tag: str
    type: str
    name: str
    value: str
    checked: bool = False
    disabled: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    controls: list[Control] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def hidden(self) -> dict[str, str]:
        return {c.name: c.value for c in self.controls if c.type == "hidden" and c.name}

    def typed(self) -> list[Control]:
        """The fields a person types into (text, numbers, dates, free text)."""
        skip = {"hidden", "checkbox", "radio", "submit", "button", "file", "image", "password"}
        return [
            c
            for c in self.controls
            if c.name and not c.disabled and c.tag in ("input", "textarea") and c.type not in skip
        ]

    def default_body(self) -> list[tuple[str, str]]:
        """What the browser sends without any change (the first named button clicked)."""
        body: list[tuple[str, str]] = []
        for c in self.controls:
            if not c.name or c.disabled:
                continue
            if c.tag == "select":
                chosen = [v for v, s in c.options if s] or [v for v, _ in c.options[:1]]
                body += [(c.name, v) for v in chosen]
            elif c.type in ("checkbox", "radio"):
                if c.checked:
                    body.append((c.name, c.value or "on"))
            elif c.type not in ("submit", "button", "image", "file"):
                body.append((c.name, c.value))
        if self.buttons:
            body.append(self.buttons[0])
        return body


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Control | None = None
        self._option: tuple[str | None, bool] | None = None
        self._text: list[str] = []
        self._textarea: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            control = Control(
                "input",
                kind,
                a.get("name", ""),
                a.get("value", ""),
                "checked" in a,
                "disabled" in a,
            )
            self._form.controls.append(control)
            if kind in ("submit", "image") and a.get("name"):
                self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "button" and a.get("type", "submit") == "submit" and a.get("name"):
            self._form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = Control(
                "select", "select", a.get("name", ""), "", disabled="disabled" in a
            )
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a)
            self._text = []
        elif tag == "textarea":
            self._textarea = Control(
                "textarea", "textarea", a.get("name", ""), "", disabled="disabled" in a
            )
            self._form.controls.append(self._textarea)
            self._text = []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "option" and self._select is not None and self._option is not None:
            value, selected = self._option
            self._select.options.append(
                (value if value is not None else "".join(self._text).strip(), selected)
            )
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._textarea.value = "".join(self._text)
            self._textarea = None


def forms_of(page: str) -> list[Form]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def form_of(page: str, action: str, method: str = "post") -> Form:
    """The (first) form of the page that sends to ``action``."""
    for form in forms_of(page):
        if form.method == method and form.action.split("#")[0] == action:
            return form
    raise AssertionError(f"no {method} form to {action} on the page")


def field_error(page: str, name: str) -> str | None:
    """The message shown beside the field ``name`` of a refused form (None: no message), after
    checking that the field points at it (aria-invalid, aria-describedby)."""
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        if f'name="{name}"' not in tag or 'aria-invalid="true"' not in tag:
            continue
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        assert described, tag
        found = re.search(
            rf'<span class="field-error" id="{re.escape(described.group(1))}">([^<]*)</span>', page
        )
        assert found, f"{name}: no message with id {described.group(1)}"
        return html.unescape(found.group(1))
    return None


def summary(page: str) -> str:
    """The text of the error summary at the top of the refused form ('' if none)."""
    found = re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def shown_value(page: str, action: str, name: str) -> str | None:
    """What the field ``name`` of the form to ``action`` holds on the page."""
    for c in form_of(page, action).controls:
        if c.name == name:
            if c.tag == "select":
                chosen = [v for v, s in c.options if s]
                return chosen[0] if chosen else None
            return c.value
    return None
