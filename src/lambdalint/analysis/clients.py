"""Calls that create an SDK client, a database connection or an HTTP session, and functions whose
result is cached (so a client they create is made once per execution environment)."""
from __future__ import annotations

import libcst as cst

CLIENT_FACTORIES = {
    "boto3.client": "an AWS SDK client", "boto3.resource": "an AWS SDK resource",
    "boto3.Session": "an AWS SDK session", "boto3.session.Session": "an AWS SDK session",
    "botocore.session.get_session": "a botocore session", "aioboto3.Session": "an aioboto3 session",
    "psycopg2.connect": "a PostgreSQL connection", "psycopg.connect": "a PostgreSQL connection",
    "pymysql.connect": "a MySQL connection", "redis.Redis": "a Redis client",
    "redis.from_url": "a Redis client", "redis.StrictRedis": "a Redis client",
    "pymongo.MongoClient": "a MongoDB client", "requests.Session": "an HTTP session",
    "httpx.Client": "an HTTP client", "httpx.AsyncClient": "an HTTP client",
    "urllib3.PoolManager": "an HTTP connection pool",
}
CACHE_DECORATORS = {"functools.cache", "functools.lru_cache", "functools.cached_property",
                    "cachetools.cached", "cache", "lru_cache"}


def is_cached_function(function: cst.FunctionDef, qualified_name) -> bool:
    for decorator in function.decorators:
        target = decorator.decorator
        target = target.func if isinstance(target, cst.Call) else target
        name = qualified_name(target) or (target.value if isinstance(target, cst.Name) else "")
        if name in CACHE_DECORATORS or name.rsplit(".", 1)[-1] in ("cache", "lru_cache", "cached"):
            return True
    return False
