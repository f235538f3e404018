"""`make bench [BENCH=name]`: one JSON line per benchmark, each against a reference.

Benchmarks run on a throwaway test database of whatever DATABASE_URL names
(SQLite in memory by default), never on the real one.
"""

import json
import os
import sys

import django


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskdesk.settings")
    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from benchmarks import registry

    wanted = argv[1:] or list(registry.BENCHMARKS)
    unknown = set(wanted) - set(registry.BENCHMARKS)
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(sorted(unknown))}; "
            f"known: {', '.join(registry.BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        for name in wanted:
            result = {"bench": name, "cores": os.cpu_count(), "database": connection.vendor}
            result |= registry.BENCHMARKS[name]()
            print(json.dumps(result), flush=True)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
