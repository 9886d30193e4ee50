"""The settings every benchmarked shop runs with: the production profile, with what
production refuses to start without pointed at this machine.

- Payments: the demo provider, chosen on purpose (`PAYMENT_PROVIDER=demo`), as a staging
  site would; no request of the benchmark pays.
- `SHOP_BASE_URL`: an https address of its own; links are built on it, never followed.
- `REDIS_URL`: the local Redis (`BENCH_REDIS_URL`, database 15 by default): rate limits,
  the page cache and the task queue live there, as in production.
- `MAIL_SERVER`: never reached; no request of the benchmark sends mail.
"""

import os

BENCH_BASE_URL = "https://shop.bench.test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def production_settings() -> dict[str, str]:
    return {
        "SHOP_ENV": "production",
        "PAYMENT_PROVIDER": "demo",
        "SHOP_BASE_URL": BENCH_BASE_URL,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "MAIL_SERVER": "127.0.0.1",
    }
