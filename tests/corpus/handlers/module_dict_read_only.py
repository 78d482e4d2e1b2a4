"""A calculator: a module-level table of operations that is only ever read."""
import logging
import operator

logger = logging.getLogger()

OPERATIONS = {
    "plus": operator.add,
    "minus": operator.sub,
    "times": operator.mul,
    "divided-by": operator.truediv,
}
LIMITS = {"max_operand": 10**6}


def calculate(event, context):
    logger.setLevel(event.get("log_level", "INFO"))
    action = OPERATIONS.get(event.get("action"))
    if action is None:
        return {"error": "unknown action"}
    left, right = event.get("x", 0), event.get("y", 0)
    if max(abs(left), abs(right)) > LIMITS["max_operand"]:
        return {"error": "operand too large"}
    for name in sorted(OPERATIONS):
        logger.debug("available: %s", name)
    return {"result": action(left, right)}
