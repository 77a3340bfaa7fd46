"""Filling a refused form (console/formerrors.py): what was sent goes back in every field,
each message beside its field, a summary on top; secrets and hidden fields are not echoed."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from promodesk.console.formerrors import FormRefused, FormState, fill, problems
from promodesk.kit.errors import Conflict, FormInvalid, ValidationFailed

PAGE = """<main id="main"><form method="get" action="/x"><input name="q"></form>
<form method="post" action="/things/1#top" class="f">
<input type="hidden" name="csrf_token" value="fresh">
<input name="name" value="old" required>
<input type="password" name="password" value="">
<input type="checkbox" name="force" value="1" checked>
<input type="radio" name="size" value="s" checked><input type="radio" name="size" value="l">
<select name="kind"><option value="a" selected>A</option>
<option value="b">B &amp; C</option></select>
<textarea name="note">before</textarea>
<button type="submit">Go</button>
</form></main>"""


def _fill(state: FormState) -> str:
    page = fill(PAGE, state, title="Please check", message_of=lambda t: f"[{t}]")
    assert page is not None
    return page


def test_the_sent_values_come_back_and_the_message_sits_beside_its_field() -> None:
    sent = [
        ("csrf_token", "stale"),
        ("name", 'Mei "<b>"'),
        ("password", "hunter2"),
        ("size", "l"),
        ("kind", "b"),
        ("note", "a <note>"),
    ]
    page = _fill(FormState("/things/1", sent, {"kind": "not a kind"}, ["not now"]))
    assert 'value="fresh"' in page  # the page's own CSRF token, not the one sent
    assert 'value="Mei &quot;&lt;b&gt;&quot;"' in page
    assert "hunter2" not in page
    assert '<input type="checkbox" name="force" value="1">' in page  # unticked when sent
    assert '<input type="radio" name="size" value="l" checked>' in page
    assert '<input type="radio" name="size" value="s">' in page
    assert '<option value="b" selected>B &amp; C</option>' in page
    assert '<option value="a">A</option>' in page
    assert '<textarea name="note">a &lt;note&gt;</textarea>' in page
    assert 'aria-invalid="true"' in page
    assert '<span class="field-error" id="err-things-1-kind">[not a kind]</span>' in page
    assert 'aria-describedby="err-things-1-kind"' in page
    summary = page.split('<div class="form-errors"')[1].split("</div>")[0]
    assert "Please check" in summary
    assert "[not now]" in summary
    assert 'href="#err-things-1-kind-field"' in summary
    assert '<input name="q">' in page  # the other form is left alone


def test_a_message_for_a_field_the_form_lacks_goes_on_top() -> None:
    page = _fill(FormState("/things/1", [("name", "x")], {"budget": "too high"}))
    assert "field-error" not in page
    assert "[too high]" in page.split('<div class="form-errors"')[1]


def test_a_page_without_the_form_gets_the_messages_at_the_top_of_main() -> None:
    state = FormState("/gone", [], {}, ["gone"])
    page = fill(PAGE, state, title="T", message_of=str)
    assert page is not None
    assert page.startswith('<main id="main"><div class="form-errors"')
    assert fill(PAGE, state, title="T", message_of=str, required=True) is None


def test_refusals_become_field_messages() -> None:
    assert problems(ValidationFailed("bad", field="body.region")) == ({"region": "bad"}, [])
    assert problems(Conflict("not now")) == ({}, ["not now"])
    assert problems(FormInvalid({"a": "x", "b": "y"})) == ({"a": "x", "b": "y"}, [])
    assert problems(FormRefused(["one", "two"])) == ({}, ["one", "two"])
    assert problems(FormRefused("m", field="coins")) == ({"coins": "m"}, [])

    class Model(BaseModel):
        coins: int

    try:
        Model.model_validate({"coins": "many"})
    except ValidationError as exc:
        fields, notes = problems(exc)
    assert fields["coins"].startswith("Coins must be a valid integer")
    assert notes == []


def test_form_invalid_lists_its_fields_in_the_api_body() -> None:
    body = FormInvalid({"coins": "too many"}).to_body()
    assert body["fields"] == {"coins": "too many"}
    assert body["field"] == "coins"


def test_a_service_field_name_finds_the_form_field() -> None:
    page = _fill(FormState("/things/1", [("name", "x")], {"name_minor": "worth more than 0"}))
    assert '<span class="field-error" id="err-things-1-name">[worth more than 0]</span>' in page
