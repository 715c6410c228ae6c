"""A small closed-loop load driver: N client threads, each on its own keep-alive `http.client` connection,
send a fixed list of requests as fast as the server answers. Pure standard library, so the benchmark
installs nothing."""

from __future__ import annotations

import http.client
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

Request = tuple[str, dict[str, str]]  # path, headers


@dataclass
class Measurement:
    requests: int
    seconds: float
    latencies: list[float] = field(repr=False)
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
        return ordered[min(rank, len(ordered)) - 1] * 1000


def drive(host: str, port: int, requests: list[Request], clients: int) -> Measurement:
    """Send `requests` spread over `clients` concurrent connections; time each request and the whole run."""
    shares = [requests[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    start = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        start.wait()
        for path, headers in shares[index]:
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{path}: {exc!r}")
                connection.close()
                continue
            latencies[index].append(time.perf_counter() - began)
            if response.status != 200:
                errors.append(f"{path}: HTTP {response.status}")
            if response.will_close:  # gunicorn's sync workers close after each response
                connection.close()
        connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    return Measurement(len(requests), seconds, [x for share in latencies for x in share], errors)


def get(host: str, port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def log_in(host: str, port: int, email: str, password: str) -> str:
    """Log in through the real form (CSRF included) and return the `Cookie` header of the session."""
    page = get(host, port, "/accounts/login/")
    cookies = _cookies(page)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)  # type: ignore[attr-defined]
    if page.status != 200 or match is None or "csrftoken" not in cookies:
        raise RuntimeError(f"login page: HTTP {page.status}, no CSRF token")
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": match.group(1).decode(),
            "username": email,
            "password": password,
            "next": "",
        }
    )
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"http://{host}:{port}/accounts/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    session = _cookies(response).get("sessionid")
    if response.status != 302 or not session:
        raise RuntimeError(f"login refused: HTTP {response.status} (is the bench user in this database?)")
    return f"sessionid={session}; csrftoken={cookies['csrftoken']}"
