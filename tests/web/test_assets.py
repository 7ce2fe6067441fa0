"""Compression and caching: gzip for static files and anonymous pages, never for credentialed
answers (BREACH); static files addressed by their content's digest and kept for a year."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

import pytest
from fastapi.testclient import TestClient
from isal import isal_zlib
from starlette.types import Receive, Scope, Send

from hsct.web.assets import (
    GZIP_LEVEL,
    IMMUTABLE,
    MINIMUM_SIZE,
    REVALIDATE,
    CompressionMiddleware,
    static_url,
)

GZIP = {"Accept-Encoding": "gzip"}


def _raw(client: TestClient, url: str, **headers: str) -> tuple[dict[str, str], bytes]:
    """Headers and the body as sent (not decoded by the client)."""
    with client.stream("GET", url, headers={**GZIP, **headers}) as response:
        assert response.status_code == 200, url
        return dict(response.headers), b"".join(response.iter_raw())


def test_anonymous_pages_are_compressed(client: TestClient) -> None:
    headers, body = _raw(client, "/facilities")
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    plain = client.get("/facilities", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(body) == plain.content
    assert len(body) < len(plain.content) / 3  # HTML shrinks several times


@pytest.mark.parametrize(
    "credential",
    [
        {"Cookie": "hsct_session=anything"},
        {"Cookie": "hsct_pre=anything"},
        {"Authorization": "Bearer hsct_anything"},
    ],
    ids=["session", "pre-session", "token"],
)
def test_credentialed_answers_are_never_compressed(
    client: TestClient, credential: dict[str, str]
) -> None:
    # The same page as above: with a session it could hold a CSRF token beside typed text.
    with client.stream("GET", "/facilities", headers={**GZIP, **credential}) as response:
        assert "content-encoding" not in response.headers
        assert response.headers["cache-control"] == "no-store"


def test_short_answers_are_sent_as_they_are(client: TestClient) -> None:
    headers, body = _raw(client, "/healthz")
    assert "content-encoding" not in headers
    assert len(body) < MINIMUM_SIZE


def test_static_files_have_a_content_address_kept_for_a_year(client: TestClient) -> None:
    content = (resources.files("hsct.web") / "static" / "css" / "site.css").read_bytes()
    url = static_url("css/site.css")
    assert url == f"/static/css/site.css?v={hashlib.sha256(content).hexdigest()[:12]}"
    assert url in client.get("/").text  # the pages link the digest-addressed file
    headers, body = _raw(client, url, Cookie="hsct_session=anything")
    assert headers["cache-control"] == IMMUTABLE  # the same for everyone, session or not
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == content
    bare = client.get("/static/css/site.css")
    assert bare.headers["cache-control"] == REVALIDATE
    assert bare.headers["etag"]
    again = client.get("/static/css/site.css", headers={"If-None-Match": bare.headers["etag"]})
    assert again.status_code == 304


def test_a_long_json_answer_is_gzipped_by_isal_and_decodes_to_the_same_answer(
    client: TestClient,
) -> None:
    """The assessment (about 200 kB of JSON) as an HTTP library asks for it: gzip that
    Python's own zlib decodes to exactly the uncompressed answer, at a fraction of the size."""
    profile = {"edss": 6.0, "ms_type": "RRMS", "as_of": "2026-11-23"}
    with client.stream("POST", "/api/v1/assessments", json=profile, headers=GZIP) as response:
        assert response.status_code == 200
        headers, body = dict(response.headers), b"".join(response.iter_raw())
    plain = client.post(
        "/api/v1/assessments", json=profile, headers={"Accept-Encoding": "identity"}
    )
    assert headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in headers["vary"]
    assert int(headers["content-length"]) == len(body)
    assert gzip.decompress(body) == plain.content
    isal = isal_zlib.compressobj(GZIP_LEVEL, isal_zlib.DEFLATED, 16 + isal_zlib.MAX_WBITS)
    assert body == isal.compress(plain.content) + isal.flush()  # ISA-L's stream, not zlib's
    assert len(plain.content) > 100_000
    assert len(body) < len(plain.content) / 4


@pytest.mark.parametrize("chunk", [1_000, 3 * 1024 * 1024])  # inline, and on a thread
def test_a_streamed_answer_is_gzipped_chunk_by_chunk_into_one_valid_stream(chunk: int) -> None:
    """A streamed answer (exports stream) arrives as one gzip stream that decodes to every
    chunk in order, whether a chunk is compressed inline or, when long, on a thread."""
    parts = [bytes([65 + i]) * chunk + b"\n" for i in range(5)]

    async def stream(scope: Scope, _receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        for i, part in enumerate(parts):
            await send({"type": "http.response.body", "body": part, "more_body": i < 4})

    streaming = TestClient(CompressionMiddleware(stream))
    with streaming.stream("GET", "/export", headers=GZIP) as response:
        headers, body = dict(response.headers), b"".join(response.iter_raw())
    assert headers["content-encoding"] == "gzip"
    assert "content-length" not in headers
    assert gzip.decompress(body) == b"".join(parts)
    assert len(body) < len(b"".join(parts)) / 20
