"""Sending e-mail after a write has committed.

The write has already happened when the mail goes out, so a mail-server failure must not turn the
request into an error: it is logged (and, once the task worker exists, retried)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence

from django.core.mail import send_mail

logger = logging.getLogger(__name__)


def send_mail_safely(subject: str, body: str, recipients: Sequence[str]) -> bool:
    try:
        send_mail(subject, body, None, list(recipients))
    except (smtplib.SMTPException, OSError):
        logger.exception("E-mail %r to %s could not be sent", subject, ", ".join(recipients))
        return False
    return True
