"""One contract for every Store adapter (see the `store` fixture in conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devrel.adapters.store_dynamodb import DynamoDbStore
from devrel.adapters.store_sqlite import SqliteStore
from devrel.ports import Item, Store

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def test_get_missing_returns_none(store: Store) -> None:
    assert store.get("thread#1", "meta") is None


def test_put_then_get_round_trips(store: Store) -> None:
    item = Item("thread#1", "meta", {"title": "Install fails", "votes": 3})
    store.put(item)
    assert store.get("thread#1", "meta") == item


def test_put_overwrites(store: Store) -> None:
    store.put(Item("profile#ada", "main", {"name": "Ada", "tz": "UTC"}))
    store.put(Item("profile#ada", "main", {"name": "Ada L."}))
    assert store.get("profile#ada", "main") == Item("profile#ada", "main", {"name": "Ada L."})


def test_keys_are_exact(store: Store) -> None:
    store.put(Item("p", "s", {"n": 1}))
    assert store.get("p", "s2") is None
    assert store.get("p2", "s") is None


def test_delete_removes_and_tolerates_missing(store: Store) -> None:
    store.put(Item("p", "s", {"n": 1}))
    store.delete("p", "s")
    store.delete("p", "s")
    assert store.get("p", "s") is None


def test_put_if_absent_writes_once(store: Store) -> None:
    assert store.put_if_absent(Item("delivery", "abc", {"seen": 1})) is True
    assert store.put_if_absent(Item("delivery", "abc", {"seen": 2})) is False
    assert store.get("delivery", "abc") == Item("delivery", "abc", {"seen": 1})


def test_put_if_absent_does_not_overwrite_unexpiring_item(
    store: Store, now: Callable[[], float], advance: Callable[[float], None]
) -> None:
    store.put(Item("delivery", "abc", {"seen": 1}))
    advance(10 * 365 * 24 * 3600)
    assert store.put_if_absent(Item("delivery", "abc", {"seen": 2})) is False


def test_put_if_absent_reuses_an_expired_key(
    store: Store, now: Callable[[], float], advance: Callable[[float], None]
) -> None:
    expires_at = int(now()) + 60
    assert store.put_if_absent(Item("delivery", "abc", {"seen": 1}, expires_at)) is True
    advance(59)
    assert store.put_if_absent(Item("delivery", "abc", {"seen": 2})) is False
    advance(1)
    assert store.put_if_absent(Item("delivery", "abc", {"seen": 3}, expires_at + 600)) is True
    assert store.get("delivery", "abc") == Item("delivery", "abc", {"seen": 3}, expires_at + 600)


def test_expired_items_are_invisible(
    store: Store, now: Callable[[], float], advance: Callable[[float], None]
) -> None:
    store.put(Item("t", "a", {"n": 1}, expires_at=int(now()) + 5))
    store.put(Item("t", "b", {"n": 2}))
    assert store.get("t", "a") is not None
    advance(5)
    assert store.get("t", "a") is None
    assert [item.sk for item in store.query("t")] == ["b"]


def test_item_expiring_later_is_visible(store: Store, now: Callable[[], float]) -> None:
    item = Item("t", "a", {"n": 1}, expires_at=int(now()) + 3600)
    store.put(item)
    assert store.get("t", "a") == item
    assert store.query("t") == [item]


def test_query_filters_by_prefix_and_partition(store: Store) -> None:
    for sk in ("msg#001", "msg#002", "meta", "msg", "msh#001"):
        store.put(Item("thread#1", sk, {"sk": sk}))
    store.put(Item("thread#2", "msg#003", {}))
    assert [item.sk for item in store.query("thread#1", "msg#")] == ["msg#001", "msg#002"]
    assert [item.sk for item in store.query("thread#1", "msg")] == ["msg", "msg#001", "msg#002"]
    assert [item.sk for item in store.query("thread#1")] == ["meta", "msg", "msg#001", "msg#002", "msh#001"]
    assert store.query("thread#3") == []


def test_query_prefix_is_literal_and_case_sensitive(store: Store) -> None:
    for sk in ("a%b", "a_b", "axb", "A%b"):
        store.put(Item("p", sk, {}))
    assert [item.sk for item in store.query("p", "a%")] == ["a%b"]
    assert [item.sk for item in store.query("p", "a_")] == ["a_b"]


def test_query_orders_and_limits(store: Store) -> None:
    for n in (3, 1, 4, 0, 2):
        store.put(Item("log", f"2024-01-0{n}", {"n": n}))
    assert [item.data["n"] for item in store.query("log")] == [0, 1, 2, 3, 4]
    assert [item.data["n"] for item in store.query("log", limit=2)] == [0, 1]
    assert [item.data["n"] for item in store.query("log", newest_first=True, limit=3)] == [4, 3, 2]
    assert store.query("log", limit=0) == []


def test_query_limit_counts_only_live_items(store: Store, now: Callable[[], float]) -> None:
    expired = int(now()) - 1
    # Expired items interleaved with live ones, so a backend that limits before filtering
    # has to page to fill the result.
    for n in range(30):
        store.put(Item("log", f"e{n:02d}", {"n": n}, expires_at=expired if n % 3 else None))
    live = [n for n in range(30) if n % 3 == 0]
    assert [item.data["n"] for item in store.query("log", limit=7)] == live[:7]
    assert [item.data["n"] for item in store.query("log", limit=7, newest_first=True)] == live[::-1][:7]
    assert len(store.query("log", limit=100)) == len(live)


def test_unicode_and_nested_data_round_trip(store: Store) -> None:
    data: dict[str, Any] = {
        "text": "héllo wörld — 你好 🚀 \u0000 \n\t",
        "count": 12345678901234567,
        "ratio": 0.1,
        "negative": -3,
        "flag": False,
        "nothing": None,
        "empty": {},
        "list": [1, 2.5, "three", [4, {"five": 5}], []],
        "nested": {"deeper": {"deepest": ["ünïcode", 7]}},
    }
    store.put(Item("pk 🚀", "sk/ü", data))
    got = store.get("pk 🚀", "sk/ü")
    assert got is not None
    assert got.data == data
    assert type(got.data["count"]) is int
    assert type(got.data["list"][0]) is int
    assert type(got.data["ratio"]) is float
    assert [item.sk for item in store.query("pk 🚀", "sk/")] == ["sk/ü"]


def test_concurrent_put_if_absent_has_one_winner(store: Store) -> None:
    _assert_one_winner([store] * 8)


def test_concurrent_put_if_absent_across_connections(tmp_path: Path, now: Callable[[], float]) -> None:
    # Separate SqliteStore objects behave like separate processes sharing the file.
    stores = [SqliteStore(tmp_path / "shared.sqlite", now=now) for _ in range(8)]
    try:
        _assert_one_winner(stores)
    finally:
        for each in stores:
            each.close()


def test_sqlite_store_persists_and_purges(
    tmp_path: Path, now: Callable[[], float], advance: Callable[[float], None]
) -> None:
    path = tmp_path / "store.sqlite"
    first = SqliteStore(path, now=now)
    first.put(Item("p", "keep", {"n": 1}))
    first.put(Item("p", "old", {"n": 2}, expires_at=int(now()) + 1))
    first.close()
    advance(1)
    reopened = SqliteStore(path, now=now)
    try:
        assert reopened.purge_expired() == 1
        assert reopened.query("p") == [Item("p", "keep", {"n": 1})]
    finally:
        reopened.close()


def test_dynamodb_items_live_on_the_http_server(
    dynamodb_client: DynamoDBClient, dynamodb_table: str, raw_aws_call: Callable[..., dict[str, Any]]
) -> None:
    DynamoDbStore(dynamodb_client, dynamodb_table).put(Item("p", "s", {"n": 1}, 2_000_000_000))
    raw = raw_aws_call(
        "dynamodb",
        "DynamoDB_20120810.GetItem",
        {"TableName": dynamodb_table, "Key": {"pk": {"S": "p"}, "sk": {"S": "s"}}},
    )
    assert raw["Item"] == {
        "pk": {"S": "p"},
        "sk": {"S": "s"},
        "data": {"S": '{"n":1}'},
        "expires_at": {"N": "2000000000"},
    }


def _assert_one_winner(stores: list[Any]) -> None:
    barrier = threading.Barrier(len(stores))
    results: list[bool] = [False] * len(stores)

    def contend(index: int) -> None:
        barrier.wait()
        results[index] = stores[index].put_if_absent(Item("delivery", "race", {"winner": index}))

    threads = [threading.Thread(target=contend, args=(index,)) for index in range(len(stores))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    stored = stores[0].get("delivery", "race")
    assert stored is not None
    assert stored.data == {"winner": results.index(True)}


def test_scan_yields_every_item_expired_ones_too(
    store: Store, now: Callable[[], float], advance: Callable[[float], None]
) -> None:
    for n in range(1203):  # more than one page of either backend's scan
        store.put(Item(f"p#{n % 7}", f"{n:05d}", {"n": n}))
    store.put(Item("t", "gone", {"secret": 1}, expires_at=int(now()) + 1))
    advance(5)
    seen = {(item.pk, item.sk) for item in store.scan()}
    assert len(seen) == 1204 and ("t", "gone") in seen
    for pk, sk in list(seen)[:10]:
        store.delete(pk, sk)
    assert sum(1 for _ in store.scan()) == 1194
