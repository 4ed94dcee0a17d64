"""Helpers shared by the browser journeys: URLs, signing in and out, page checks."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from django.urls import reverse

SUBMIT = "button:not([type]), button[type='submit'], input[type='submit']"
OTP_INPUT = (
    "input[autocomplete='one-time-code'], input[name='otp_token'], input[name='token'], "
    "input[name='code'], input[name='otp']"
)
# Links a crawl never follows: files, the API, Django's own admin, actions.
SKIP_CRAWL = re.compile(
    r"^/(static|media|api|i18n|system-admin)/|/(logout|export|download)/|\.(csv|xlsx|docx|pdf|zip)$"
)


class Site:
    """Absolute URLs on the live server: site("accounts:login"), site("/org/")."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def __call__(self, name_or_path: str, *args, **kwargs) -> str:
        if name_or_path.startswith("/"):
            return self.base + name_or_path
        return self.base + reverse(name_or_path, args=args, kwargs=kwargs)

    def absolute(self, href: str) -> str:
        return urljoin(self.base + "/", href)

    def is_local(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.base).netloc

    def path(self, url: str) -> str:
        return urlsplit(self.absolute(url)).path


class ConsoleWatch:
    """Collects console errors and uncaught exceptions of a page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def _on_console(self, message):
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def take(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


def totp_code(user) -> str:
    """The current code of the user's confirmed TOTP device, as an authenticator app shows it."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    code = totp(
        device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
    )
    return f"{code:0{device.digits}d}"


def has_totp_device(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def submit_form_of(page, field) -> None:
    """Click the submit button of the form holding `field` (works without JavaScript too)."""
    page.locator("form", has=field).locator(SUBMIT).first.click()


def fill_login_form(page, site: Site, username: str, password: str) -> None:
    page.goto(site("accounts:login"))
    page.locator("input[name='username']").fill(username)
    password_field = page.locator("input[name='password']")
    password_field.fill(password)
    submit_form_of(page, password_field)


def otp_field(page):
    return page.locator(OTP_INPUT).first


def enter_otp(page, code: str) -> None:
    field = otp_field(page)
    field.wait_for(state="visible")
    field.fill(code)
    submit_form_of(page, field)


def sign_in(page, site: Site, user, *, password: str | None = None) -> None:
    """Sign in through the login form, answering the TOTP prompt when the user has a device."""
    from capuyso.core.testing import PASSWORD

    fill_login_form(page, site, user.username, password or PASSWORD)
    if has_totp_device(user):
        enter_otp(page, totp_code(user))


def sign_out(page) -> None:
    form = page.locator(f"form[action='{reverse('accounts:logout')}']")
    form.locator(SUBMIT).first.click()


def main_nav(page):
    return page.locator("nav.mainnav")


def main_nav_urls(page, site: Site) -> list[str]:
    """Absolute URL of every item of the main navigation, in order."""
    hrefs = main_nav(page).locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    return [site.absolute(href) for href in hrefs]


def local_links(page, site: Site) -> list[str]:
    """Every same-site page link on the current page (no fragments), in document order."""
    hrefs = page.locator("a[href]:not([download])").evaluate_all("links => links.map(a => a.href)")
    urls = []
    for href in hrefs:
        url = site.absolute(href).split("#")[0]
        if site.is_local(url) and not SKIP_CRAWL.search(site.path(url)) and url not in urls:
            urls.append(url)
    return urls


def horizontal_overflow(page) -> int:
    """How many CSS pixels the document is wider than the viewport (0 when it fits)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )
