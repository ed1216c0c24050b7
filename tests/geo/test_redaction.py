"""geo.redaction: no key, URL password or server folder in what people see.

Each redacted URL is parsed again with :mod:`urllib.parse` (the oracle): its host, port,
path and harmless parameters are unchanged, its password and key-like values are gone.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from geo.redaction import (
    MASK,
    hide_paths,
    public_message,
    redact_text,
    redact_url,
    redact_values,
    secret_values,
)

URLS = (
    "https://ann:hunter22@overpass.example.org:8443/api/interpreter?data=x&key=k3y99",
    "postgresql://planner:pa55word@db.local:5432/lifecircle?sslmode=require",
    "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&tk=abcdef123456",
    "http://token123@127.0.0.1:9/api",
)
SECRETS = ("hunter22", "k3y99", "pa55word", "abcdef123456", "token123")


@pytest.mark.parametrize("url", URLS)
def test_redact_url_keeps_the_address_and_drops_the_secrets(url: str) -> None:
    before, after = urlsplit(url), urlsplit(redact_url(url))
    assert (after.scheme, after.hostname, after.port, after.path) == (
        before.scheme,
        before.hostname,
        before.port,
        before.path,
    )
    assert after.password is None and after.username in (None, MASK)
    query = parse_qs(after.query)
    for name, values in parse_qs(before.query).items():
        expected = [MASK] if name.lower() in {"key", "tk"} else values
        assert query[name] == expected
    assert not any(s in redact_url(url) for s in SECRETS)


def test_redact_text_finds_urls_and_pairs_inside_a_message() -> None:
    message = (
        f"Overpass cannot be reached ({URLS[0]}); database {URLS[1]}; "
        "dsn host=db password=hunter22 user=ann; tk=abcdef123456"
    )
    out = redact_text(message)
    assert not any(s in out for s in SECRETS)
    assert "overpass.example.org:8443/api/interpreter" in out and "host=db" in out


def test_secret_values_come_from_the_settings_that_hold_them() -> None:
    environ = {
        "TIANDITU_KEY": "abcdef123456",
        "LIFECIRCLE_FACILITATOR_KEY": "fac-key-1",
        "LIFECIRCLE_DB_URL": URLS[1],
        "LIFECIRCLE_OVERPASS_URL": URLS[0],
        "HOME": "/root",
    }
    assert set(secret_values(environ)) == {
        "abcdef123456",
        "fac-key-1",
        "pa55word",
        "hunter22",
        "k3y99",
    }
    text = "map tiles ?tk=abcdef123456, facilitator fac-key-1"
    assert redact_values(text, secrets=secret_values(environ)) == (
        f"map tiles ?tk={MASK}, facilitator {MASK}"
    )


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("cannot read /srv/lc/cache/uploads/ab12.csv: bad", "cannot read ab12.csv: bad"),
        (
            "cannot create the output folder /proc/x/out: denied",
            "cannot create the output folder out: denied",
        ),
        (
            "see https://example.org/a/b and ./rel/path",
            "see https://example.org/a/b and ./rel/path",
        ),
        ("row 3: '121.5/31.2' is not a number", "row 3: '121.5/31.2' is not a number"),
    ],
)
def test_hide_paths(message: str, shown: str) -> None:
    assert hide_paths(message) == shown


def test_public_message_combines_them() -> None:
    environ = {"TIANDITU_KEY": "abcdef123456"}
    error = ValueError("/var/lib/lc/cache/x.osm: key abcdef123456 refused by https://u:p4ss@h/a")
    out = public_message(error, environ=environ)
    assert out == f"x.osm: key {MASK} refused by https://{MASK}@h/a"
