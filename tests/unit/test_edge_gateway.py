from __future__ import annotations

import base64

from devrel.edge.gateway import RouteTable, build_event
from devrel.edge.template import Route
from devrel.http import HttpRequest, HttpResponse, response_from_apigw_v2

ROUTES = [
    Route("POST", "/github/webhook", "Github"),
    Route("ANY", "/api/{proxy+}", "Api"),
    Route("GET", "/api/items/{id}", "Item"),
    Route("GET", "/api/health", "Health"),
]


def test_exact_route_beats_parameter_beats_greedy() -> None:
    table = RouteTable(ROUTES)
    assert table.match("GET", "/api/health").route.function_id == "Health"
    item = table.match("GET", "/api/items/42")
    assert item.route.function_id == "Item" and item.path_params == {"id": "42"}
    greedy = table.match("DELETE", "/api/items/42/tags")
    assert greedy.route.function_id == "Api" and greedy.path_params == {"proxy": "items/42/tags"}


def test_method_and_unknown_paths_do_not_match() -> None:
    table = RouteTable(ROUTES)
    assert table.match("GET", "/github/webhook") is None
    assert table.match("POST", "/nowhere") is None


def test_event_keeps_the_raw_body_bytes_and_headers() -> None:
    body = '{"a": 1,  "ü": "x"}\n'.encode()
    event = build_event(ROUTES[0], {}, "POST", "/github/webhook", "x=1&x=2&y=",
                        [("Content-Type", "application/json"), ("X-Multi", "a"), ("X-Multi", "b"),
                         ("Cookie", "s=1; t=2")], body, "127.0.0.1")
    assert event["version"] == "2.0" and event["routeKey"] == "POST /github/webhook"
    assert event["isBase64Encoded"] is False
    assert event["headers"]["x-multi"] == "a,b"
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["queryStringParameters"] == {"x": "1,2", "y": ""}
    assert HttpRequest.from_apigw_v2(event).body == body


def test_binary_bodies_travel_base64() -> None:
    body = bytes(range(256))
    event = build_event(ROUTES[1], {"proxy": "upload"}, "PUT", "/api/upload", "",
                        [("Content-Type", "application/octet-stream")], body, "127.0.0.1")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body
    assert HttpRequest.from_apigw_v2(event).body == body


def test_handler_results_are_read_like_http_api_v2() -> None:
    assert response_from_apigw_v2({"ok": True}).status == 200
    binary = HttpResponse(200, bytes([0xFF, 0x00])).to_apigw_v2()
    assert binary["isBase64Encoded"] is True
    assert response_from_apigw_v2(binary).body == bytes([0xFF, 0x00])
    error = response_from_apigw_v2({"statusCode": 401, "headers": {"X-A": "1"}, "body": "no"})
    assert (error.status, error.headers["x-a"], error.body) == (401, "1", b"no")
