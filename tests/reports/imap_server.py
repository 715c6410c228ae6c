"""A real local IMAP server for the e-mail intake tests: Debian's Dovecot, started in the foreground with a
configuration in a temporary folder, on a free port of 127.0.0.1, one per test worker. `make test` installs
`dovecot-imapd` when it is missing; without it the tests fail (never skip)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = "ia@acme.example"
PASSWORD = "secret-for-tests"


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    mail_dir: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(root: Path, port: int) -> str:
    if os.geteuid() == 0:
        # Dovecot refuses to give mail access as root: the mail is owned by Debian's `mail` user.
        account = pwd.getpwnam("mail")
        login_user, internal_user = "dovenull", "dovecot"
    else:  # a developer's own account runs every process
        account = pwd.getpwuid(os.geteuid())
        login_user = internal_user = account.pw_name
    return f"""
base_dir = {root}/run
state_dir = {root}/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
first_valid_uid = {account.pw_uid}
default_login_user = {login_user}
default_internal_user = {internal_user}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
}}
"""


def start(root: Path) -> tuple[ImapServer, subprocess.Popen[bytes]]:
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.access(binary, os.X_OK):
        raise RuntimeError("Dovecot is not installed: `make test` installs Debian's dovecot-imapd.")
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    port = _free_port()
    (root / "dovecot.conf").write_text(_config(root, port), encoding="utf-8")
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    if os.geteuid() == 0:
        account = pwd.getpwnam("mail")
        os.chown(root / "mail", account.pw_uid, account.pw_gid)
        base = Path(tempfile.gettempdir()).resolve()
        for path in (root.resolve(), *root.resolve().parents):  # the mail user must reach its folder
            if path != base and base in path.parents:
                path.chmod(path.stat().st_mode | 0o055)
    process = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if process.poll() is not None:
                log = (
                    (root / "dovecot.log").read_text(errors="replace")
                    if (root / "dovecot.log").exists()
                    else ""
                )
                raise RuntimeError(f"Dovecot stopped at start: {log[-2000:]}") from None
            time.sleep(0.1)
    else:
        process.terminate()
        raise RuntimeError("Dovecot did not listen within 15 s")
    return ImapServer("127.0.0.1", port, USER, PASSWORD, root / "mail" / USER), process
