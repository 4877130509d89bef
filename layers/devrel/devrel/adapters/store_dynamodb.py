"""Store on one DynamoDB table (cloud mode).

Table layout (shared with template.yaml through `table_definition()`):
partition key `pk` (S), sort key `sk` (S), `data` (S), TTL attribute `expires_at` (N, epoch seconds).

`data` is stored as a JSON string rather than a DynamoDB map: the store never filters on fields
inside it, and a string round-trips exactly (ints stay ints, floats stay floats, no Decimal
conversion, no empty-set or NaN surprises) and byte-for-byte like the SQLite adapter.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from devrel.ports import Item, PortError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"

_LIVE = f"attribute_not_exists({TTL_ATTRIBUTE}) OR {TTL_ATTRIBUTE} > :now"
_ABSENT_OR_EXPIRED = f"attribute_not_exists({PARTITION_KEY}) OR {TTL_ATTRIBUTE} <= :now"


def table_definition(table_name: str) -> dict[str, Any]:
    """`create_table` arguments for the store's table. TTL is enabled separately on TTL_ATTRIBUTE."""
    return {
        "TableName": table_name,
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": PARTITION_KEY, "AttributeType": "S"},
            {"AttributeName": SORT_KEY, "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }


class DynamoDbStore:
    """`Store` on DynamoDB. Takes a low-level client (thread-safe, unlike boto3 resources)."""

    def __init__(self, client: DynamoDBClient, table_name: str, now: Callable[[], float] = time.time) -> None:
        self._client = client
        self._table = table_name
        self._now = now

    def get(self, pk: str, sk: str) -> Item | None:
        with _as_port_error():
            response = self._client.get_item(TableName=self._table, Key=_key(pk, sk), ConsistentRead=True)
        record = response.get("Item")
        if record is None:
            return None
        item = _item(record)
        # TTL deletion lags, so an expired item can still be there.
        if item.expires_at is not None and item.expires_at <= self._clock():
            return None
        return item

    def put(self, item: Item) -> None:
        with _as_port_error():
            self._client.put_item(TableName=self._table, Item=_record(item))

    def put_if_absent(self, item: Item) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item=_record(item),
                ConditionExpression=_ABSENT_OR_EXPIRED,
                ExpressionAttributeValues={":now": {"N": str(self._clock())}},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        except (ClientError, BotoCoreError) as exc:
            raise PortError(f"dynamodb: {exc}") from exc
        return True

    def delete(self, pk: str, sk: str) -> None:
        with _as_port_error():
            self._client.delete_item(TableName=self._table, Key=_key(pk, sk))

    def query(self, pk: str, sk_prefix: str = "", limit: int = 100, newest_first: bool = False) -> list[Item]:
        if limit <= 0:
            return []
        values: dict[str, AttributeValueTypeDef] = {":pk": {"S": pk}, ":now": {"N": str(self._clock())}}
        key_condition = f"{PARTITION_KEY} = :pk"
        # DynamoDB rejects an empty string as a key-condition operand, so no prefix means no clause.
        if sk_prefix:
            key_condition += f" AND begins_with({SORT_KEY}, :prefix)"
            values[":prefix"] = {"S": sk_prefix}
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": key_condition,
            "FilterExpression": _LIVE,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
        }
        items: list[Item] = []
        # Limit caps items read before the expiry filter, so keep paging until enough survive.
        while len(items) < limit:
            with _as_port_error():
                page = self._client.query(**request, Limit=limit - len(items))
            items.extend(_item(record) for record in page.get("Items", []))
            next_key = page.get("LastEvaluatedKey")
            if not next_key:
                break
            request["ExclusiveStartKey"] = next_key
        return items

    def scan(self) -> Iterator[Item]:
        request: dict[str, Any] = {"TableName": self._table, "ConsistentRead": True}
        while True:
            with _as_port_error():
                page = self._client.scan(**request)
            yield from (_item(record) for record in page.get("Items", []))
            next_key = page.get("LastEvaluatedKey")
            if not next_key:
                return
            request["ExclusiveStartKey"] = next_key

    def _clock(self) -> int:
        # Whole seconds, like the TTL attribute: an item expiring at T is gone once now >= T.
        return int(self._now())


@contextmanager
def _as_port_error() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise PortError(f"dynamodb: {exc}") from exc


def _key(pk: str, sk: str) -> dict[str, AttributeValueTypeDef]:
    return {PARTITION_KEY: {"S": pk}, SORT_KEY: {"S": sk}}


def _record(item: Item) -> dict[str, AttributeValueTypeDef]:
    record = _key(item.pk, item.sk)
    record["data"] = {"S": json.dumps(item.data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)}
    if item.expires_at is not None:
        record[TTL_ATTRIBUTE] = {"N": str(int(item.expires_at))}
    return record


def _item(record: dict[str, Any]) -> Item:
    expires_at = record.get(TTL_ATTRIBUTE)
    return Item(
        pk=record[PARTITION_KEY]["S"],
        sk=record[SORT_KEY]["S"],
        data=json.loads(record["data"]["S"]),
        expires_at=int(expires_at["N"]) if expires_at else None,
    )
