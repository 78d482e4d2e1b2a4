"""Signs a short-lived certificate; the entropy check and the key cache live in a sibling module."""
import time

from support_module import check_entropy, key_cache


def sign(event, context):
    check_entropy(event.get("minimum_entropy", 2048))
    key = key_cache(event["key_name"])
    expires = int(time.time()) + 300
    return {"certificate": "%s:%s:%d" % (key, event["public_key"], expires)}
