"""Reports staff look at: sales over time, products, stock cover, customers and the
funnel, in Europe/London days, drawn as SVG charts with their figures as tables and CSV.

- `periods`: London days, weeks and months, the ranges a report covers;
- `services`: each chart's figures, one SQL query each;
- `funnel` and `models`: the funnel's counters (Redis or the database) and how they
  are counted, cached product pages included;
- `charts`: pygal charts made to fit the pages (no script or inline style, labelled);
- `demo`: 90 days of order history for `seed-demo` outside production;
- `admin/`: the pages and CSV downloads.
"""
