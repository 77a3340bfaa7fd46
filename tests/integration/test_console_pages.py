"""Console pages: jobs (retry with confirmation), audit, operations, API keys, roles, tenancy."""

from __future__ import annotations

from pathlib import Path

from promodesk.audit import service as audit
from promodesk.kit.db import Database
from promodesk.models import Job
from promodesk.operations import service as operations
from promodesk.tenancy import service as tenancy
from promodesk.tenancy.domain import Principal
from tests.integration.test_console_support import (
    console_client,
    csrf_of,
    dead_job,
    job_status,
    log_in,
    new_member,
)


def _park(db: Database, job_id: int) -> None:
    """Leave a retried job cancelled, so no worker of another test picks it up."""
    with db.transaction() as uow:
        row = uow.session.get(Job, job_id)
        assert row is not None
        row.status = "cancelled"


def test_every_page_renders_for_an_owner(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    client = console_client(db, tmp_path)
    log_in(client, member)
    for path in (
        "/",
        "/accounts",
        "/campaigns",
        "/promote",
        "/shop",
        "/jobs",
        "/audit",
        "/operations",
        "/keys",
    ):
        page = client.get(path)
        assert page.status_code == 200, path
        assert '<meta charset="utf-8">' in page.text
        assert 'href="/keys"' in page.text  # admins see the keys page in the navigation
    feature = client.get("/shop").text
    assert "Not available yet" not in feature  # every feature has its pages now


def test_dead_job_is_highlighted_and_an_admin_retries_it_after_a_preview(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "admin")
    job_id = dead_job(db, member.workspace, "RuntimeError: the sandbox said no")
    client = console_client(db, tmp_path)
    log_in(client, member)
    listing = client.get("/jobs?status=dead")
    assert "row-dead" in listing.text
    assert "the sandbox said no" in listing.text
    assert f"/jobs/{job_id}/retry" in listing.text

    preview = client.get(f"/jobs/{job_id}/retry")
    assert preview.status_code == 200
    assert "What will happen" in preview.text
    assert job_status(db, job_id) == "dead"  # the preview changes nothing

    done = client.post(
        f"/jobs/{job_id}/retry", data={"csrf_token": csrf_of(preview.text)}, follow_redirects=False
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/jobs/{job_id}"
    assert job_status(db, job_id) == "queued"
    assert f"Job {job_id} is queued to run again." in client.get(done.headers["location"]).text
    with db.transaction() as uow:
        events = audit.list_events(uow, member.workspace.id, action="job.retried")
    assert [e.object_id for e in events] == [str(job_id)]
    # retrying a job that is queued already is refused on the page, not a 500
    again = client.post(f"/jobs/{job_id}/retry", data={"csrf_token": csrf_of(preview.text)})
    assert again.status_code == 409
    assert "That cannot be done now" in again.text
    _park(db, job_id)


def test_viewer_and_operator_cannot_retry_or_manage_keys(db: Database, tmp_path: Path) -> None:
    owner = new_member(db, "owner")
    job_id = dead_job(db, owner.workspace)
    for role in ("viewer", "operator"):
        member = new_member(db, role, owner.workspace)
        client = console_client(db, tmp_path)
        csrf = log_in(client, member)
        listing = client.get("/jobs")
        assert listing.status_code == 200
        assert f"/jobs/{job_id}/retry" not in listing.text
        assert 'href="/keys"' not in listing.text
        assert client.get(f"/jobs/{job_id}/retry").status_code == 403
        refused = client.post(f"/jobs/{job_id}/retry", data={"csrf_token": csrf})
        assert "Not allowed" in refused.text
        assert job_status(db, job_id) == "dead"
        assert client.get("/keys").status_code == 403
        client.post("/keys", data={"csrf_token": csrf, "role": "viewer"})
        with db.transaction() as uow:
            owner_view = Principal(
                owner.workspace.id, owner.workspace.slug, "owner", "test", "test"
            )
            assert tenancy.list_api_keys(uow, owner_view) == []


def test_viewer_cannot_start_an_operation(db: Database, tmp_path: Path) -> None:
    viewer = new_member(db, "viewer")
    client = console_client(db, tmp_path)
    csrf = log_in(client, viewer)
    page = client.get("/operations")
    assert "/operations/demo" not in page.text
    client.post("/operations/demo", data={"csrf_token": csrf})
    with db.transaction() as uow:
        assert operations.list_ops(uow, viewer.workspace.id) == []


def test_another_workspaces_ids_are_404(db: Database, tmp_path: Path) -> None:
    mine = new_member(db, "owner")
    theirs = new_member(db, "owner")
    job_id = dead_job(db, theirs.workspace)
    with db.transaction() as uow:
        op_id = operations.start(uow, theirs.workspace.id, "test.kind", title="theirs", total=3).id
        key_id = tenancy.create_api_key(uow, theirs.workspace, "admin", name="theirs").key.id
    client = console_client(db, tmp_path)
    csrf = log_in(client, mine)
    for path in (
        f"/jobs/{job_id}",
        f"/jobs/{job_id}/retry",
        f"/operations/{op_id}",
        f"/keys/{key_id}/revoke",
        "/jobs/999999999",
        "/jobs/not-a-number",
        "/operations/99999999999999999999999",
    ):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "belongs to another workspace" in page.text
    assert client.get(f"/console/operations/{op_id}.json").status_code == 404
    assert client.post(f"/jobs/{job_id}/retry", data={"csrf_token": csrf}).status_code == 404
    assert client.post(f"/keys/{key_id}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert job_status(db, job_id) == "dead"
    with db.transaction() as uow:
        principal = Principal(theirs.workspace.id, theirs.workspace.slug, "owner", "test", "test")
        assert tenancy.get_api_key(uow, principal, key_id).revoked_at is None


def test_an_admin_cannot_revoke_an_owners_key_in_the_console(db: Database, tmp_path: Path) -> None:
    admin = new_member(db, "admin")
    with db.transaction() as uow:
        owner_key = tenancy.create_api_key(uow, admin.workspace, "owner", name="the owner's").key.id
        own_key = tenancy.create_api_key(uow, admin.workspace, "admin", name="mine").key.id
    client = console_client(db, tmp_path)
    csrf = log_in(client, admin)
    listing = client.get("/keys").text
    assert f"/keys/{owner_key}/revoke" not in listing  # not offered
    assert f"/keys/{own_key}/revoke" in listing
    preview = client.get(f"/keys/{owner_key}/revoke")
    assert preview.status_code == 403
    refused = client.post(
        f"/keys/{owner_key}/revoke", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert refused.status_code == 303
    with db.transaction() as uow:
        principal = Principal(admin.workspace.id, admin.workspace.slug, "owner", "test", "test")
        assert tenancy.get_api_key(uow, principal, owner_key).revoked_at is None


def test_operation_page_and_its_json(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    with db.transaction() as uow:
        op = operations.start(uow, member.workspace.id, "test.kind", title="Sync 4", total=4)
        operations.progress(uow, op, done=1)
        op_id = op.id
    client = console_client(db, tmp_path)
    assert client.get(f"/console/operations/{op_id}.json").status_code == 401
    log_in(client, member)
    page = client.get(f"/operations/{op_id}")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.text  # the no-JavaScript fallback
    assert f'data-url="/console/operations/{op_id}.json"' in page.text
    assert "width: 25.0%" in page.text
    data = client.get(f"/console/operations/{op_id}.json").json()
    assert (data["done"], data["total"], data["percent"], data["final"]) == (1, 4, 25.0, False)
    with db.transaction() as uow:
        operations.progress(uow, op_id, done=3)
        operations.finish(uow, op_id)
    finished = client.get(f"/operations/{op_id}")
    assert 'http-equiv="refresh"' not in finished.text
    assert client.get(f"/console/operations/{op_id}.json").json()["final"] is True


def test_operator_starts_the_demo_operation(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "operator")
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    started = client.post("/operations/demo", data={"csrf_token": csrf}, follow_redirects=False)
    assert started.status_code == 303
    page = client.get(started.headers["location"])
    assert page.status_code == 200
    assert "The demo operation has started." in page.text
    with db.transaction() as uow:
        ops = operations.list_ops(uow, member.workspace.id)
        assert [o.kind for o in ops] == ["demo.count"]
        # no worker in this test: leave the demo job cancelled for the workers of other tests
        for job in uow.session.query(Job).filter(Job.workspace_id == member.workspace.id):
            job.status = "cancelled"


def test_api_key_created_once_used_and_revoked_after_confirmation(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db, "admin")
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    # an admin cannot mint an owner key
    too_high = client.post("/keys", data={"csrf_token": csrf, "name": "x", "role": "owner"})
    assert "Not allowed" in too_high.text
    created = client.post("/keys", data={"csrf_token": csrf, "name": "ci", "role": "viewer"})
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    secret = created.text.split('id="new-key">', 1)[1].split("<", 1)[0]
    assert secret.startswith("pdk_")
    api = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/workspaces/current", headers=api).json()["role"] == "viewer"
    listing = client.get("/keys")
    assert secret not in listing.text  # shown once
    assert "Authorization: Bearer &lt;key&gt;" in listing.text  # shown, not eaten as a tag
    assert "<key>" not in listing.text
    key_id = int(listing.text.split("/revoke")[0].rsplit("/keys/", 1)[1])
    preview = client.get(f"/keys/{key_id}/revoke")
    assert "cannot be undone" in preview.text
    assert client.get("/api/v1/workspaces/current", headers=api).status_code == 200
    revoked = client.post(f"/keys/{key_id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 200
    assert "is revoked" in revoked.text
    assert client.get("/api/v1/workspaces/current", headers=api).status_code == 401


def test_audit_filters_and_paging(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "viewer")
    with db.transaction() as uow:
        for n in range(30):
            audit.record(
                uow,
                workspace_id=member.workspace.id,
                actor="test:filter",
                action=f"thing.changed.{n}",
                object_type="thing",
                object_id=n,
            )
    client = console_client(db, tmp_path)
    log_in(client, member)
    first = client.get("/audit?action=thing.&actor=test:filter")
    assert first.status_code == 200
    assert "thing.changed.29" in first.text
    assert 'title="thing.changed.4"' not in first.text  # on the second page
    older = first.text.split('href="/audit?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = client.get("/audit?" + older)
    assert 'title="thing.changed.4"' in second.text
    assert "thing.changed.29" not in second.text
    assert "No events match" in client.get("/audit?object_type=nothing").text
    today = client.get("/audit?since=2000-01-01&until=2999-12-31&actor=test:filter")
    assert "thing.changed.29" in today.text
    past = client.get("/audit?until=2000-01-01&actor=test:filter")
    assert "thing.changed" not in past.text
    odd = client.get("/audit?since=yesterday&until=2024-13-45&action=%00%27")
    assert odd.status_code == 200
    assert "is not a date" in odd.text


def test_malformed_input_never_gives_a_500(db: Database, tmp_path: Path) -> None:
    member = new_member(db, "owner")
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    for path in (
        "/jobs?status=<script>",
        "/jobs?before=abc",
        "/jobs?before=99999999999999999999999",
        "/operations?before=-1",
        "/audit?before=1e9",
        "/login?next=%00",
    ):
        response = client.get(path)
        assert response.status_code < 500, path
        assert "<script>" not in response.text
    assert client.post("/keys", data={"csrf_token": csrf, "role": "emperor"}).status_code < 500
    big = client.post("/keys", data={"csrf_token": csrf, "role": "viewer", "name": "n" * 20000})
    assert big.status_code == 200


def test_dashboard_and_audit_name_users_not_ids(db: Database, tmp_path: Path) -> None:
    """People are shown by name and email; the stored actor ("user:3") stays for filtering."""
    member = new_member(db, "owner")
    client = console_client(db, tmp_path)
    log_in(client, member)  # the login is audited with the user as actor
    name = member.email.split("@")[0]
    activity = client.get("/").text.split('class="activity"')[1].split("</ul>")[0]
    assert f"{name} &lt;{member.email}&gt;" in activity
    assert "user:" not in activity.split("title=")[0]
    log = client.get("/audit").text
    table = log.split("<tbody>")[1].split("</tbody>")[0]
    assert f"{name} &lt;{member.email}&gt;" in table
    with db.transaction() as uow:
        stored = {e.actor for e in audit.list_events(uow, member.workspace.id, limit=50)}
    actor = next(a for a in stored if a.startswith("user:"))
    assert f'title="{actor}"' in table  # the stored id is still there, for the filter
    filtered = client.get("/audit", params={"actor": actor}).text
    assert member.email in filtered.split("<tbody>")[1]
