"""HR offboards the departing social media manager in a real Chromium, until every grant is gone.

Her Facebook and Instagram roles go automatically, through the demo Meta Business
connection pointed at a fake Graph API; the rest are done by hand with evidence.
"""

import io
import re

import pytest
from django.core.management import call_command
from PIL import Image
from playwright.sync_api import expect

from accounts.demo import demo_email
from accounts.models import User
from offboarding import tasks
from offboarding.demo.meta_business import DEMO_BUSINESS_ID, DEMO_META_PEOPLE, DEMO_TOKEN
from offboarding.models import (
    AccessGrant,
    CaseStatus,
    OffboardingCase,
    RevocationMethod,
    TaskKind,
    TaskStatus,
)
from tests.e2e.session import sign_in, sign_out, submit_sign_in
from tests.fakes.meta_business import FakeMetaBusiness

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHLOE = "chloe.garnier"
NOTE = "Last day today. Laptop and YubiKey handed back to IT."
EXTRA_TASK = "Remove Chloé from the agency's shared Google Drive"


@pytest.fixture
def meta(settings):
    """The demo business's people behind a fake Graph API; the demo connection points at it."""
    with FakeMetaBusiness(token=DEMO_TOKEN, business_id=DEMO_BUSINESS_ID) as server:
        for email, name, role in DEMO_META_PEOPLE:
            server.add_user(email, name, role)
        settings.OFFBOARDING_DEMO_META_BUSINESS_URL = server.url
        yield server


@pytest.fixture
def queued(monkeypatch):
    """Revocations queued for the workers (task ids), instead of a broker."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.revoke_access, "delay", lambda task_id: ids.append(task_id))
    return ids


@pytest.fixture
def demo(settings, meta, queued):
    call_command("seed_demo", verbosity=0)
    queued.clear()  # the demo's own case (Jules) stays queued: not this test's business
    return settings.RISKDESK_DEMO_PASSWORD


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def status_badge(row):
    """The task's status: the first cell after the title (a row header)."""
    return row.locator("td").first.locator(".badge").first


def test_hr_offboards_the_social_media_manager(live_server, page, demo, meta, queued, shots):
    chloe = User.objects.get(email=demo_email(CHLOE))
    grants = list(AccessGrant.objects.filter(person=chloe, revoked_at=None))
    assert len(grants) == 5
    assert chloe.is_active

    # HR finds the offboarding page, with the demo's other case (Jules) already open.
    sign_in(page, live_server, "hr", demo)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Offboarding").click()
    page.wait_for_url(f"{live_server.url}/offboarding/")
    expect(page.get_by_role("link", name="Jules Moreau")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Open a case").click()
    page.wait_for_url(f"{live_server.url}/offboarding/new/")
    page.get_by_label("Person leaving").select_option(label=f"Chloé Garnier <{demo_email(CHLOE)}>")
    page.get_by_label("Note").fill(NOTE)
    shots(page, "open-form")
    page.get_by_role("button", name="Open the case").click()
    page.wait_for_url(re.compile(r".*/offboarding/\d+/$"))

    # The case is open, her riskdesk access has ended, and every access she had is a task.
    case = OffboardingCase.objects.get(person=chloe)
    assert page.url == f"{live_server.url}/offboarding/{case.pk}/"
    assert case.status == CaseStatus.OPEN
    assert case.opened_by.email == demo_email("hr")
    assert case.note == NOTE
    chloe.refresh_from_db()
    assert not chloe.is_active
    assert not chloe.has_usable_password()
    expect(
        page.get_by_role("status").filter(has_text="Offboarding of Chloé Garnier opened")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Offboarding of Chloé Garnier")).to_be_visible()
    expect(page.get_by_text("Ended: signed out, token revoked")).to_be_visible()

    all_tasks = list(case.tasks.order_by("pk"))
    kinds = sorted(t.kind for t in all_tasks)
    assert kinds == sorted(
        [TaskKind.REVOKE] * 5 + [TaskKind.ROTATE] * 2 + [TaskKind.RECOVERY, TaskKind.OTHER]
    )
    automatic = [t for t in all_tasks if t.automatic]
    assert sorted(t.account.platform for t in automatic) == ["facebook", "instagram"]
    assert sorted(queued) == sorted(t.pk for t in automatic)  # queued for a worker, not run yet
    assert all(t.status == TaskStatus.OPEN for t in all_tasks)
    expect(page.locator("#case-progress")).to_have_text(f"0 of {len(all_tasks)} tasks done")
    for task in automatic:
        row = page.locator(f"#task-{task.pk}")
        expect(row.get_by_text("Automatic", exact=True)).to_be_visible()
        expect(status_badge(row)).to_have_text("To do")
    shots(page, "opened")

    # A worker runs the queued revocations against the (fake) Meta Business Manager.
    for task_id in list(queued):
        tasks.revoke_access.apply(args=[task_id])
    assert [u["email"] for u in meta.removed] == [demo_email(CHLOE)]
    assert demo_email(CHLOE) not in {u["email"] for u in meta.users.values()}
    assert {u["email"] for u in meta.users.values()} == {
        email for email, _name, _role in DEMO_META_PEOPLE if email != demo_email(CHLOE)
    }
    assert len([r for r in meta.requests if r.method == "DELETE"]) == 1
    for task in automatic:
        task.refresh_from_db()
        assert task.status == TaskStatus.DONE
        assert task.done_by is None
        task.grant.refresh_from_db()
        assert task.grant.revocation_method == RevocationMethod.AUTOMATIC
        assert task.calls.get().succeeded
    outcomes = sorted(t.calls.get().response["outcome"] for t in automatic)
    assert outcomes == ["not_member", "removed"]  # one removal ends both roles

    page.reload()
    expect(page.locator("#case-progress")).to_have_text(f"2 of {len(all_tasks)} tasks done")
    removed = next(t for t in automatic if t.calls.get().response["outcome"] == "removed")
    row = page.locator(f"#task-{removed.pk}")
    expect(status_badge(row)).to_have_text("Done")
    expect(row.get_by_text(re.compile(r"^By riskdesk, "))).to_be_visible()
    row.locator("summary", has_text="Evidence").click()
    evidence = row.locator("pre").first
    expect(evidence).to_contain_text("Removed Chloé Garnier (business user")
    expect(evidence).to_contain_text(f"from Meta business {DEMO_BUSINESS_ID}")
    expect(evidence).to_contain_text('"success": true')
    assert DEMO_TOKEN not in evidence.inner_text()  # the token never lands in the evidence
    expect(row.locator("summary", has_text="1 call to the network")).to_be_visible()
    shots(page, "automatic-done")

    # Something the inventory does not know of joins the case.
    page.get_by_role("region", name="Something else to do?").get_by_label("Task").fill(EXTRA_TASK)
    page.get_by_role("button", name="Add the task").click()
    expect(page.get_by_role("status").filter(has_text="Task added.")).to_be_visible()
    extra = case.tasks.get(title=EXTRA_TASK)
    assert extra.kind == TaskKind.OTHER
    assert extra.assignee.email == demo_email("hr")

    # A file that is not an image is refused, and the task stays open.
    manual = list(case.tasks.filter(automatic=False).order_by("pk"))
    assert len(manual) == len(all_tasks) - len(automatic) + 1
    first = manual[0]
    row = page.locator(f"#task-{first.pk}")
    row.locator("summary", has_text="Mark done").click()
    row.get_by_label("Evidence").fill("Removed her Hootsuite seat.")
    row.get_by_label("Screenshot").set_input_files(
        {"name": "proof.png", "mimeType": "image/png", "buffer": b"not an image"}
    )
    row.get_by_role("button", name="Confirm done").click()
    # The error shows in the task's row, whose form stays open with what was typed.
    row = page.locator(f"#task-{first.pk}")
    expect(row.get_by_role("alert").filter(has_text="not a PNG, JPEG, WebP or GIF")).to_be_visible()
    expect(row.get_by_label("Evidence")).to_have_value("Removed her Hootsuite seat.")
    first.refresh_from_db()
    assert first.status == TaskStatus.OPEN
    shots(page, "screenshot-refused")

    # HR does the rest by hand, each with an evidence note; the first with a screenshot.
    for n, task in enumerate(manual):
        assert not case.tasks.get(pk=task.pk).is_done
        row = page.locator(f"#task-{task.pk}")
        if n > 0:  # the first one's form is still open after its refusal
            row.locator("summary", has_text="Mark done").click()
        note = f"Done by hand ({n}): {task.title}. Checked on the network afterwards."
        row.get_by_label("Evidence").fill(note)
        if n == 0:
            row.get_by_label("Screenshot").set_input_files(
                {"name": "proof.png", "mimeType": "image/png", "buffer": png()}
            )
        row.get_by_role("button", name="Confirm done").click()
        expect(page.get_by_role("status").filter(has_text=f"Done: {task.title}")).to_be_visible()
        task.refresh_from_db()
        assert task.status == TaskStatus.DONE
        assert task.evidence == note
        assert task.done_by.email == demo_email("hr")
        case.refresh_from_db()
        assert case.status == (CaseStatus.COMPLETED if n == len(manual) - 1 else CaseStatus.OPEN)

    # The case is complete: every task done, nothing left to work on.
    case.refresh_from_db()
    assert case.completed_at is not None
    assert not case.tasks.exclude(status=TaskStatus.DONE).exists()
    total = len(all_tasks) + 1
    expect(page.locator("#case-progress")).to_have_text(f"{total} of {total} tasks done")
    expect(page.locator(".page-head").get_by_text("Completed", exact=True)).to_be_visible()
    expect(page.get_by_text("Mark done")).to_have_count(0)
    expect(page.get_by_role("region", name="Something else to do?")).to_have_count(0)
    shot = page.locator(f"#task-{manual[0].pk}").get_by_role("link", name="Screenshot")
    answer = page.request.get(f"{live_server.url}{shot.get_attribute('href')}")
    assert answer.ok
    assert answer.headers["content-type"] == "image/png"
    assert answer.body() == png()
    shots(page, "completed")

    # Every grant she had is revoked, with its evidence, on the access grants page.
    for grant in grants:
        grant.refresh_from_db()
        assert grant.revoked_at is not None
        assert grant.revocation_evidence
        expected = "automatic" if grant.account.platform in ("facebook", "instagram") else "manual"
        assert grant.revocation_method == expected
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Access grants").click()
    page.wait_for_url(f"{live_server.url}/access-grants/")
    page.goto(f"{live_server.url}/access-grants/?q=Chlo%C3%A9")
    rows = page.locator("#grant-results tbody tr")
    expect(rows).to_have_count(len(grants))
    expect(rows.filter(has_text="Revoked")).to_have_count(len(grants))
    expect(rows.filter(has_text="Automatically, through the network")).to_have_count(2)
    expect(rows.filter(has_text="By hand, with evidence · Hugo Bernard")).to_have_count(3)
    expect(rows.locator("summary", has_text="Evidence")).to_have_count(len(grants))
    expect(rows.get_by_text("Cannot sign in")).to_have_count(len(grants))
    shots(page, "grants-revoked")
    page.goto(f"{live_server.url}/access-grants/?q=Chlo%C3%A9&state=active")
    expect(page.get_by_text("No access matches these filters.")).to_be_visible()
    assert page.csp_violations == []
    sign_out(page)

    # And she cannot sign in any more.
    submit_sign_in(page, live_server, CHLOE, demo)
    expect(page.get_by_role("alert").first).to_be_visible()
    assert "/login/" in page.url
