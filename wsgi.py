"""Entry point for gunicorn: `gunicorn wsgi:app`. Runs the production profile by default."""

import gc
import os

os.environ.setdefault("SHOP_ENV", "production")

from shop import create_app  # noqa: E402

app = create_app()

# What starting up made (modules, the app and its extensions, about 200,000 objects)
# lives as long as the worker: kept out of the garbage collector's full collections,
# which otherwise walk all of it every few hundred requests of a page that makes many
# objects (about 120 ms each on the article page: bench/RESULTS.md, issue 18's ninth
# step). With `--preload` this runs in gunicorn's master before it forks, and the
# workers also share those objects' memory pages for longer.
gc.freeze()
