"""The shop exactly as `wsgi.py` builds it, but with rate limits switched off.

Only the add-to-cart benchmark uses this: `POST /cart/add` allows 60 requests a minute
per client address, and every request of a load test comes from 127.0.0.1, so with the
limit on nearly every answer would be a 429 and the benchmark would measure the limiter.
"""

import os

os.environ.setdefault("SHOP_ENV", "production")

from shop import create_app  # noqa: E402

app = create_app({"RATELIMIT_ENABLED": False})
