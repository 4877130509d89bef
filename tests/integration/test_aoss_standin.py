"""The OpenSearch Serverless stand-in (tests/support/aoss_standin.py) enforces the service's rules.

Requests go over real HTTP, signed by botocore directly or by opensearch-py's signer, so a rule the
stand-in failed to enforce shows up as a request that got through.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from opensearchpy import OpenSearch
from opensearchpy.exceptions import AuthorizationException, NotFoundError, RequestError

from devrel.adapters.index_opensearch import connect
from support.aoss_standin import (
    ACCESS_KEY,
    CUSTOM_ID_REASON,
    REGION,
    AossStandIn,
    check_signature,
    standin_credentials,
)

ROOT = Path(__file__).resolve().parents[2]
INDEX = "docs"


@pytest.fixture
def aoss(osmem_clone: Any) -> Iterator[AossStandIn]:
    with AossStandIn(osmem_clone.url, lag=None) as standin:
        yield standin


@pytest.fixture
def client(aoss: AossStandIn) -> OpenSearch:
    """A correctly signed client with an index to write to."""
    signed = connect(aoss.url, REGION, standin_credentials(), service="aoss")
    signed.indices.create(index=INDEX, body={"mappings": {"properties": {"title": {"type": "text"}}}})
    return signed


def _send(
    url: str,
    method: str,
    target: str,
    body: bytes = b"",
    *,
    service: str = "aoss",
    credentials: Credentials | None = None,
    sent_body: bytes | None = None,
    extra_headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """Sign `body` with botocore for `service`, then send `sent_body` (default: the same body)."""
    request = AWSRequest(method=method, url=url + target, data=body,
                         headers={"x-amz-content-sha256": hashlib.sha256(body).hexdigest()})
    SigV4Auth(credentials or standin_credentials(), service, REGION).add_auth(request)
    headers = dict(request.headers.items())
    headers.update(extra_headers or {})
    split = urlsplit(url)
    connection = http.client.HTTPConnection(split.hostname or "", split.port, timeout=30)
    try:
        connection.request(method, target, body=body if sent_body is None else sent_body, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# --- SigV4 for `aoss` ---------------------------------------------------------------------------


def test_a_request_signed_for_aoss_is_served(aoss: AossStandIn) -> None:
    status, _, body = _send(aoss.url, "PUT", "/signed", json.dumps({"mappings": {}}).encode())
    assert status == 200 and json.loads(body)["acknowledged"] is True
    assert aoss.rejected() == []


def test_unsigned_requests_are_forbidden_with_the_service_error_body(aoss: AossStandIn) -> None:
    with pytest.raises(AuthorizationException) as refused:
        OpenSearch(hosts=[aoss.url]).indices.create(index="unsigned")
    body = refused.value.info
    assert refused.value.status_code == 403
    assert body["error"] == {"reason": "403 Forbidden", "type": "Forbidden"} and body["status"] == 403
    assert body["request-id"]
    assert aoss.rejected()[-1].reason == "no Authorization header"


def test_requests_signed_for_es_are_forbidden(aoss: AossStandIn) -> None:
    with pytest.raises(AuthorizationException):
        connect(aoss.url, REGION, standin_credentials(), service="es").indices.create(index="domain-signed")
    status, headers, _ = _send(aoss.url, "PUT", "/domain-signed", service="es")
    assert status == 403 and headers["x-standin-reason"] == "signed for service 'es', not 'aoss'"


def test_a_wrong_secret_or_key_is_forbidden(aoss: AossStandIn) -> None:
    status, headers, _ = _send(aoss.url, "PUT", "/x", credentials=Credentials(ACCESS_KEY, "not-the-secret"))
    assert status == 403 and headers["x-standin-reason"] == "signature does not match"
    status, headers, _ = _send(aoss.url, "PUT", "/x", credentials=Credentials("AKIAOTHER", "s"))
    assert status == 403 and headers["x-standin-reason"].startswith("unknown access key")


def test_a_body_changed_after_signing_is_forbidden(aoss: AossStandIn) -> None:
    signed, sent = b'{"title": "signed"}', b'{"title": "forged"}'
    status, headers, _ = _send(aoss.url, "POST", f"/{INDEX}/_doc", signed, sent_body=sent)
    assert status == 403 and headers["x-standin-reason"] == "X-Amz-Content-SHA256 is not the body's hash"
    # A matching hash header without a matching signature fails too.
    forged_hash = {"x-amz-content-sha256": hashlib.sha256(sent).hexdigest()}
    status, headers, _ = _send(aoss.url, "POST", f"/{INDEX}/_doc", signed, sent_body=sent, extra_headers=forged_hash)
    assert status == 403 and headers["x-standin-reason"] == "signature does not match"


def test_signatures_older_than_five_minutes_are_refused() -> None:
    request = AWSRequest(method="GET", url="http://127.0.0.1:9/docs/_search?size=3&q=a", data=b"",
                         headers={"x-amz-content-sha256": hashlib.sha256(b"").hexdigest()})
    SigV4Auth(standin_credentials(), "aoss", REGION).add_auth(request)
    headers = {name.lower(): value for name, value in request.headers.items()}
    headers["host"] = "127.0.0.1:9"
    keys = {ACCESS_KEY: standin_credentials()}
    signed_at = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    args = ("GET", "/docs/_search?size=3&q=a", headers, b"")
    assert check_signature(*args, keys=keys, now=signed_at + timedelta(minutes=4)) is None
    assert check_signature(*args, keys=keys, now=signed_at + timedelta(minutes=6)) == (
        "signature expired or dated in the future"
    )
    # The query is part of what is signed.
    assert check_signature("GET", "/docs/_search?size=4&q=a", headers, b"", keys=keys, now=signed_at) == (
        "signature does not match"
    )


# --- No custom document ids ------------------------------------------------------------------------


def test_documents_with_a_custom_id_are_refused(client: OpenSearch) -> None:
    with pytest.raises(RequestError) as refused:
        client.index(index=INDEX, id="my-id", body={"title": "x"})
    assert refused.value.status_code == 400
    assert refused.value.info["error"]["type"] == "illegal_argument_exception"
    assert refused.value.info["error"]["reason"] == CUSTOM_ID_REASON
    with pytest.raises(RequestError):
        client.create(index=INDEX, id="my-id", body={"title": "x"})
    assert client.index(index=INDEX, body={"title": "x"})["result"] == "created"


def test_bulk_refuses_each_action_with_a_custom_id_and_carries_out_the_others(
    aoss: AossStandIn, client: OpenSearch
) -> None:
    body = "\n".join([
        json.dumps({"index": {"_index": INDEX, "_id": "chosen"}}), json.dumps({"title": "refused"}),
        json.dumps({"index": {"_index": INDEX}}), json.dumps({"title": "accepted"}),
        json.dumps({"create": {"_index": INDEX, "_id": "chosen-too"}}), json.dumps({"title": "refused"}),
    ]) + "\n"
    response = client.bulk(body=body)
    assert response["errors"] is True
    refused, accepted, refused_too = response["items"]
    assert refused["index"]["status"] == 400 and refused["index"]["_id"] == "chosen"
    assert refused["index"]["error"] == {"type": "illegal_argument_exception", "reason": CUSTOM_ID_REASON}
    assert refused_too["create"]["status"] == 400
    assert accepted["index"]["status"] == 201 and accepted["index"]["_id"] not in ("chosen", "chosen-too")
    aoss.settle()
    assert client.count(index=INDEX)["count"] == 1


# --- No refresh --------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", [True, "wait_for"])
def test_refresh_parameters_are_refused(client: OpenSearch, policy: Any) -> None:
    with pytest.raises(RequestError) as refused:
        client.index(index=INDEX, body={"title": "x"}, refresh=policy)
    expected = f"{'true' if policy is True else policy} refresh policy is not supported."
    assert refused.value.info["error"] == {
        "root_cause": [{"type": "status_exception", "reason": expected}],
        "type": "status_exception",
        "reason": expected,
    }
    with pytest.raises(RequestError):
        client.bulk(body=json.dumps({"index": {"_index": INDEX}}) + '\n{"title": "y"}\n', refresh=policy)
    assert client.index(index=INDEX, body={"title": "x"}, refresh="false")["result"] == "created"


def test_refresh_and_delete_by_query_apis_do_not_exist(client: OpenSearch) -> None:
    with pytest.raises(NotFoundError):
        client.indices.refresh(index=INDEX)
    with pytest.raises(NotFoundError):
        client.delete_by_query(index=INDEX, body={"query": {"match_all": {}}})
    assert client.count(index=INDEX)["count"] == 0


# --- Searches lag behind writes ----------------------------------------------------------------------


def test_writes_and_deletions_reach_searches_only_when_settled(aoss: AossStandIn, client: OpenSearch) -> None:
    doc_id = client.index(index=INDEX, body={"title": "eventually"})["_id"]
    assert client.count(index=INDEX)["count"] == 0
    assert client.search(index=INDEX, body={"query": {"match": {"title": "eventually"}}})["hits"]["hits"] == []
    assert client.get(index=INDEX, id=doc_id)["found"] is True  # reads by id are real-time
    aoss.settle()
    hits = client.search(index=INDEX, body={"query": {"match": {"title": "eventually"}}})["hits"]["hits"]
    assert [hit["_id"] for hit in hits] == [doc_id]

    deleted = client.bulk(body=json.dumps({"delete": {"_index": INDEX, "_id": doc_id}}) + "\n")
    assert deleted["items"][0]["delete"]["result"] == "deleted"
    again = client.bulk(body=json.dumps({"delete": {"_index": INDEX, "_id": doc_id}}) + "\n")
    assert again["items"][0]["delete"]["status"] == 404
    assert client.count(index=INDEX)["count"] == 1
    aoss.settle()
    assert client.count(index=INDEX)["count"] == 0


def test_with_no_lag_writes_are_searchable_at_once(osmem_clone: Any) -> None:
    with AossStandIn(osmem_clone.url, lag=0) as aoss:
        client = connect(aoss.url, REGION, standin_credentials(), service="aoss")
        client.indices.create(index=INDEX)
        client.index(index=INDEX, body={"title": "now"})
        assert client.count(index=INDEX)["count"] == 1


# --- As a separate process ---------------------------------------------------------------------------


def test_runs_as_a_process_with_its_own_backend() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.aoss_standin", "--port", "0", "--manual"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        assert ready["region"] == REGION and ready["access_key"] == ACCESS_KEY
        credentials = Credentials(ready["access_key"], ready["secret_key"])
        client = connect(ready["url"], ready["region"], credentials, service="aoss")
        client.indices.create(index=INDEX)
        client.index(index=INDEX, body={"title": "from another process"})
        assert client.count(index=INDEX)["count"] == 0
        with pytest.raises(AuthorizationException):
            OpenSearch(hosts=[ready["url"]]).count(index=INDEX)
        assert OpenSearch(hosts=[ready["url"]]).transport.perform_request("POST", "/_standin/settle") == {
            "settled": True
        }
        assert client.count(index=INDEX)["count"] == 1
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0
