"""Exports a report; every write here lands outside /tmp."""
import os
import shutil

REPORT_NAME = "report.csv"


def add_entropy(seed):
    with open("/dev/urandom", "wb") as pool:
        pool.write(seed)


def export(event, context):
    rows = event.get("rows", [])
    add_entropy(os.urandom(16))
    with open(REPORT_NAME, "w") as report:
        for row in rows:
            report.write(",".join(str(cell) for cell in row) + "\n")
    os.makedirs("/var/task/exports", exist_ok=True)
    shutil.copy(REPORT_NAME, "/opt/exports/latest.csv")
    with open("/mnt/shared/reports/latest.csv", "w") as shared:
        shared.write("rows,%d\n" % len(rows))
    return {"rows": len(rows)}
