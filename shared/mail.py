"""E-mail through the city's SMTP server: settings, and one way to send a message.

Sending is synchronous (the standard library's smtplib) and runs in a worker thread; what
to send, and remembering what was sent, is the outbox's job (shared.outbox)."""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from pydantic import Field, SecretStr

from shared.settings import CommonSettings

log = logging.getLogger(__name__)

SmtpSecurity = Literal["none", "starttls", "tls"]


class MailSettings(CommonSettings):
    """Settings of a service that e-mails people."""

    smtp_host: str = Field(
        "",
        description="SMTP server the desk sends e-mail through. Empty: no e-mail is sent "
        "(`kyoso up` starts a local one that keeps every message in KYOSO_DATA_DIR/mail).",
    )
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_security: SmtpSecurity = Field(
        "starttls",
        description="none, starttls (upgrade the connection; refused if the server cannot) "
        "or tls (TLS from the first byte, usually port 465).",
    )
    smtp_username: str = Field("", description="SMTP user name; empty: no login.")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password (secret).")
    mail_from: str = Field(
        "Kyoso Desk <kyoso-desk@localhost>",
        description="Sender of the desk's e-mail, e.g. 共創窓口 <kyoso@city.example.jp>.",
    )
    mail_retry_seconds: float = Field(
        30.0, gt=0, le=3600, description="How long to wait before trying an unsent e-mail again."
    )


class Undeliverable(Exception):
    """The server refused the recipient for good (a 5xx answer): trying again will not help."""


class Mailer:
    """Sends one message at a time through the configured SMTP server."""

    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings

    @property
    def enabled(self) -> bool:
        return bool(self._settings.smtp_host)

    def message(self, to: str, subject: str, body: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = formataddr(("", to)) if "<" not in to else to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="kyoso.desk")
        message.set_content(body, charset="utf-8")
        return message

    def send(self, message: EmailMessage) -> None:
        """Send, or raise: Undeliverable when the recipient is refused for good, anything
        else (OSError, smtplib.SMTPException) when it is worth trying again later."""
        s = self._settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_security == "tls":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=30, context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30)
        with smtp:
            if s.smtp_security == "starttls":
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=context)
                else:
                    raise smtplib.SMTPNotSupportedError(
                        f"KYOSO_SMTP_SECURITY=starttls, but {s.smtp_host} offers no STARTTLS"
                    )
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as refused:
                codes = [code for code, _ in refused.recipients.values()]
                if all(500 <= code < 600 for code in codes):
                    raise Undeliverable(f"recipient refused: {codes}") from None
                raise


def mail_templates(package: str) -> Environment:
    """A service's plain-text mail templates (its templates/mail/): the first paragraph of
    each is the subject, the rest the body; Japanese first, then English."""
    return Environment(
        loader=PackageLoader(package, "templates/mail"),
        autoescape=False,  # plain-text mail: nothing is interpreted as markup
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def rendered(templates: Environment, template: str, **values: Any) -> tuple[str, str]:
    """(subject, body) of a mail template rendered with these values."""
    text = templates.get_template(template).render(**values)
    subject, _, body = text.partition("\n\n")
    return subject.strip(), body
