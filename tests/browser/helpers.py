"""What the browser tests do again and again: shop as a visitor, sign in as staff, run
axe-core, and move through a page with the keyboard."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from shop.admin import services as admin_services
from shop.extensions import db
from shop.orders.models import Order
from tests.helpers.accounts import CODE_SUBJECT

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
STAFF_PASSWORD = "Heron-marmalade-tideway-83"
ORDER_URL = re.compile(r"/orders/[\w-]+$")

ADDRESS = {
    "Email for your receipt": "ada@example.com",
    "Full name": "Ada Lovelace",
    "Address line 1": "12 Quince Lane",
    "Town or city": "Bristol",
    "Postcode": "bs1 4dj",
}


# ------------------------------------------------------------------ the database


def make_staff(app, email: str, role: str = "admin") -> str:
    """Open a staff account through the back office's own service; returns the email."""
    with app.app_context():
        admin_services.create_staff(email, role, STAFF_PASSWORD)
        db.session.commit()
    return email


def find_order(app, **filters) -> Order:
    """The one order matching `filters` (email=..., access_token=...), detached, with
    its lines loaded."""
    with app.app_context():
        (order,) = db.session.scalars(db.select(Order).filter_by(**filters)).all()
        order.lines  # noqa: B018 - load the lines before leaving the session
        db.session.expunge(order)
        return order


# ------------------------------------------------------------------ shopping


def add_to_basket(page: Page, slug: str, size: str | None = None) -> None:
    """Open a product page, choose a size and press Add to basket (enhanced by JS:
    the page stays and says what happened)."""
    page.goto(f"/products/{slug}")
    if size:
        page.get_by_role("radio", name=re.compile(rf"^{re.escape(size)}\b")).check()
    page.get_by_role("button", name="Add to basket").click()
    expect(page.locator(".buy-form .add-status")).to_contain_text("View basket")


def pay_with_demo_provider(page: Page, address: dict[str, str] = ADDRESS) -> None:
    """On the demo provider's page: fill in the form and pay; ends on the order page."""
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pay for order")
    for label, value in address.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    expect(page).to_have_url(ORDER_URL)
    expect(page.locator(".order-status")).to_contain_text("Paid")


def check_out(page: Page) -> None:
    """From the basket page to a paid order, through the demo provider."""
    page.goto("/cart")
    page.get_by_role("button", name="Check out securely").click()
    pay_with_demo_provider(page)


def sign_in(page: Page, email: str, password: str = STAFF_PASSWORD) -> None:
    page.goto("/admin/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {email}")


# ------------------------------------------------------------------ axe-core


def axe_violations(
    page: Page, impacts=("serious", "critical"), rules: list[str] | None = None
) -> list[dict]:
    """Run axe-core (every rule, or only `rules`) on the page as it is now: its
    violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE_JS)
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    violations = page.evaluate(
        """async (options) => {
            const results = await axe.run(document, options);
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary})),
            }));
        }""",
        options,
    )
    return [v for v in violations if v["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    """One line per violation (id, impact, rule), then its target nodes and why."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary[:300]}")
    return "\n".join(lines)


# ------------------------------------------------------------------ accessibility checks

UNLABELLED_CONTROLS_JS = """() => Array.from(
    document.querySelectorAll("input:not([type=hidden]), select, textarea")
).filter(el => !el.closest("[aria-hidden=true]"))
 .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
               && !el.getAttribute("aria-labelledby"))
 .map(el => el.outerHTML.slice(0, 120))"""

# A [role=img] is named by aria-label, or by the text of the elements aria-labelledby
# names (the reports' charts: their SVG <title> and <desc>).
IMAGES_WITHOUT_ALT_JS = """() => Array.from(document.querySelectorAll("img, [role=img]"))
 .filter(el => el.tagName === "IMG"
     ? !el.hasAttribute("alt") || (!el.closest("[aria-hidden=true]") && !el.alt.trim())
     : !((el.getAttribute("aria-label") || "").trim()
         || (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
              .map(id => (document.getElementById(id) || {}).textContent || "")
              .join("").trim()))
 .map(el => el.outerHTML.slice(0, 120))"""

# What a theme changes is colour: in the second theme only these rules can find more.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def problems_on(page, where: str, rules: list[str] | None = None) -> list[str]:
    """axe-core's serious and critical violations (of every rule, or of `rules`) and,
    with every rule, images without alt text and form controls without a label."""
    problems = []
    found = axe_violations(page, rules=rules)
    if found:
        problems.append(f"axe-core on {where}:\n{describe_violations(found)}")
    if rules:
        return problems
    no_alt = page.evaluate(IMAGES_WITHOUT_ALT_JS)
    if no_alt:
        problems.append(f"images without alt text on {where}:\n" + "\n".join(no_alt))
    unlabelled = page.evaluate(UNLABELLED_CONTROLS_JS)
    if unlabelled:
        problems.append(f"form controls without a label on {where}:\n" + "\n".join(unlabelled))
    return problems


def check_both_themes(page, where: str) -> None:
    """Check the page in the theme it has, then press the theme switch (which flips the
    theme in place, as the server would render it, and keeps it in the cookie) and
    check the colours again in the other theme."""
    theme = page.locator("html").get_attribute("data-theme") or "light"
    other = "light" if theme == "dark" else "dark"
    problems = problems_on(page, f"{where} in the {theme} theme")
    page.get_by_role("button", name=f"Switch to {other} theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", other)
    problems += problems_on(page, f"{where} in the {other} theme", rules=COLOUR_RULES)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


# ------------------------------------------------------------------ the keyboard

FOCUS_JS = """([selector, text]) => {
    const el = document.activeElement;
    if (!el || el === document.body) return {matches: false, visible: false, what: "nothing"};
    const shows = (node) => {
        const style = getComputedStyle(node);
        const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
        return outline || style.boxShadow !== "none";
    };
    // A custom radio button hides its input and draws the focus ring on the label.
    const labels = Array.from(el.labels || []);
    const name = (el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
    return {
        matches: el.matches(selector) && (!text || name.includes(text)),
        visible: shows(el) || labels.some(shows),
        what: el.outerHTML.slice(0, 160),
    };
}"""


def focus_state(page: Page, selector: str = "*", text: str | None = None) -> dict:
    """What has the focus (`what`), whether it matches, and whether it shows a focus
    indicator (an outline or a box shadow, on it or on its label)."""
    return page.evaluate(FOCUS_JS, [selector, text])


def tab_to(
    page: Page, selector: str, text: str | None = None, *, back: bool = False, limit: int = 80
) -> None:
    """Press Tab (Shift+Tab with `back`) until the element matching `selector` (and
    holding `text`) has the focus, checking that every stop on the way shows it."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        state = focus_state(page, selector, text)
        assert state["visible"], f"no visible focus indicator on {state['what']}"
        if state["matches"]:
            return
    raise AssertionError(f"{selector} {text or ''} not reached in {limit} presses of {key}")


def emailed_code(smtp_server, email: str, timeout: float = 10) -> str:
    """The code in the latest sign-in email to `email`, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in reversed(smtp_server.messages):
            match = CODE_SUBJECT.match(mail.message["Subject"] or "")
            if match and mail.rcpt_tos == [email]:
                return match.group(1)
        time.sleep(0.05)
    raise AssertionError(f"no code email for {email}")


def sign_in_with_code(page: Page, smtp_server, email: str) -> None:
    """On the sign-in page: ask for a code, read it from the email, type it."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in or create an account")
    main = page.locator("main")
    main.get_by_label("Email address").fill(email)
    main.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.get_by_label("Code from the email").fill(emailed_code(smtp_server, email))
    page.get_by_role("button", name="Sign in").click()
