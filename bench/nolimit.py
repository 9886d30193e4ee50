"""The shop exactly as `wsgi.py` builds it, but with rate limits switched off.

Only the add-to-cart benchmark uses this: `POST /cart/add` allows 60 requests a minute
per client address, and every request of a load test comes from 127.0.0.1, so with the
limit on nearly every answer would be a 429 and the benchmark would measure the limiter.
"""

import gc
import os

os.environ.setdefault("SHOP_ENV", "production")

from shop import create_app  # noqa: E402

app = create_app({"RATELIMIT_ENABLED": False})

# As wsgi.py does: what start-up made is kept out of the full collections. Without it,
# every couple of thousand adds a full collection walked the 200,000 objects of start-up,
# and the benchmark charged add to cart for work the shop's own workers never do.
gc.freeze()
