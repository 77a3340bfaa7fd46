"""Console login, session cookie, throttle, CSRF, logout and the language switch."""

from __future__ import annotations

from pathlib import Path

from promodesk.kit.db import Database
from promodesk.models import User
from tests.integration.test_console_support import (
    PASSWORD,
    console_client,
    csrf_of,
    log_in,
    new_member,
)


def test_login_page_is_a_form_with_a_csrf_token(db: Database, tmp_path: Path) -> None:
    client = console_client(db, tmp_path)
    page = client.get("/login")
    assert page.status_code == 200
    assert '<meta charset="utf-8">' in page.text
    assert '<html lang="en">' in page.text
    assert csrf_of(page.text)
    assert "promodesk_form" in page.cookies
    # pages need a session: the dashboard sends the browser to the login page
    assert client.get("/jobs", follow_redirects=False).headers["location"] == "/login?next=%2Fjobs"


def test_login_sets_a_signed_http_only_session_cookie(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    client = console_client(db, tmp_path)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": member.email, "password": PASSWORD, "next": "/jobs"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/jobs"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "promodesk_session" in c)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie
    page = client.get("/")
    assert page.status_code == 200
    assert member.email in page.text
    assert member.workspace.name in page.text

    # a tampered cookie is no session at all
    other = console_client(db, tmp_path)
    value = client.cookies.get("promodesk_session")
    assert value
    other.cookies.set("promodesk_session", value[:-2] + "xx")
    assert other.get("/", follow_redirects=False).status_code == 303


def test_secure_cookie_when_configured(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    client = console_client(db, tmp_path, cookie_secure=True)
    page = client.get("/login")
    assert "Secure" in page.headers["set-cookie"]
    # the test client keeps Secure cookies to itself over plain HTTP, so send it by hand
    form_cookie = page.headers["set-cookie"].split(";", 1)[0]
    response = client.post(
        "/login",
        data={"csrf_token": csrf_of(page.text), "email": member.email, "password": PASSWORD},
        headers={"cookie": form_cookie},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = next(c for c in response.headers.get_list("set-cookie") if "promodesk_session" in c)
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_wrong_password_shows_the_form_again(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    client = console_client(db, tmp_path)
    token = csrf_of(client.get("/login").text)
    page = client.post(
        "/login", data={"csrf_token": token, "email": member.email, "password": "wrong one"}
    )
    assert page.status_code == 401
    assert "Wrong email or password." in page.text
    assert member.email in page.text  # the email stays filled in
    assert "promodesk_session" not in page.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_throttle_answers_429_even_with_the_right_password(
    db: Database, tmp_path: Path
) -> None:
    member = new_member(db)
    client = console_client(db, tmp_path, login_max_failures=3, login_window_seconds=600)
    token = csrf_of(client.get("/login").text)
    for _ in range(3):
        wrong = {"csrf_token": token, "email": member.email, "password": "nope-nope"}
        assert client.post("/login", data=wrong).status_code == 401
    right = {"csrf_token": token, "email": member.email, "password": PASSWORD}
    page = client.post("/login", data=right)
    assert page.status_code == 429
    assert "Too many failed logins" in page.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_posts_without_the_right_csrf_token_are_refused(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    client = console_client(db, tmp_path)
    client.get("/login")
    refused = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert refused.status_code == 403
    assert "This form has expired" in refused.text
    csrf = log_in(client, member)
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    # the pre-login token is not good enough once logged in
    anonymous = client.cookies.get("promodesk_form")
    assert anonymous
    assert client.post("/logout", data={"csrf_token": csrf + "x"}).status_code == 403
    assert client.get("/").status_code == 200  # still logged in


def test_logout_ends_the_session_on_the_server(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    stolen = client.cookies.get("promodesk_session")
    assert stolen
    response = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    login_page = client.get("/login")
    assert "You have logged out." in login_page.text
    # replaying the old cookie does not bring the session back
    replay = console_client(db, tmp_path)
    replay.cookies.set("promodesk_session", stolen)
    assert replay.get("/", follow_redirects=False).status_code == 303


def test_language_switch_sticks_to_the_user(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    client = console_client(db, tmp_path)
    csrf = log_in(client, member)
    switched = client.post(
        "/locale",
        data={"csrf_token": csrf, "locale": "zh_Hans", "next": "/jobs"},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/jobs"
    jobs = client.get("/jobs")
    assert '<html lang="zh-Hans">' in jobs.text
    assert "任务" in jobs.text
    with db.transaction() as uow:
        user = uow.session.query(User).filter(User.email == member.email).one()
        assert user.locale == "zh_Hans"

    # another browser: Chinese after login, because the choice is kept on the user
    elsewhere = console_client(db, tmp_path)
    log_in(elsewhere, member)
    assert '<html lang="zh-Hans">' in elsewhere.get("/").text

    # after logout the login page keeps the language
    client.post("/logout", data={"csrf_token": csrf})
    assert '<html lang="zh-Hans">' in client.get("/login").text


def test_language_switch_before_login(db: Database, tmp_path: Path) -> None:
    client = console_client(db, tmp_path)
    token = csrf_of(client.get("/login").text)
    client.post("/locale", data={"csrf_token": token, "locale": "zh-hans", "next": "/login"})
    page = client.get("/login")
    assert '<html lang="zh-Hans">' in page.text
    assert "登录" in page.text
    # an unknown language is refused without a 500 and changes nothing
    bad = client.post("/locale", data={"csrf_token": token, "locale": "xx", "next": "/login"})
    assert bad.status_code == 422
    assert '<html lang="zh-Hans">' in bad.text
    # the browser's Accept-Language decides when nothing was chosen
    fresh = console_client(db, tmp_path)
    assert '<html lang="zh-Hans">' in fresh.get("/login", headers={"Accept-Language": "zh-CN"}).text
    assert '<html lang="en">' in fresh.get("/login", headers={"Accept-Language": "de, en"}).text


def test_next_never_leaves_the_site(db: Database, tmp_path: Path) -> None:
    member = new_member(db)
    client = console_client(db, tmp_path)
    token = csrf_of(client.get("/login").text)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            "/login",
            data={"csrf_token": token, "email": member.email, "password": PASSWORD, "next": target},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/"
