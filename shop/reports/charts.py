"""Charts as SVG drawn on the server with pygal, put straight into the page.

pygal draws the chart; this module makes it fit the shop's pages:
- no script and no `<style>` of its own (the Content-Security-Policy allows neither
  inline): pygal's tooltips script and styles are left out, and static/css/shop.css
  colours the chart by pygal's classes with the theme's custom properties, so it reads
  in the light and the dark theme alike;
- an accessible name: `role="img"` and `aria-labelledby` naming the SVG's own `<title>`
  and `<desc>` (the figures themselves are in the table under each chart).
"""

from __future__ import annotations

import sys
from xml.etree import ElementTree

import pygal
from markupsafe import Markup

# pygal adds an old-style import hook (for map plugins, which the shop does not use) to
# sys.meta_path; Python warns about it on every import that reaches it. Take it out.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if not isinstance(finder, pygal.PluginImportFixer)
]

SVG_NS = "http://www.w3.org/2000/svg"
ElementTree.register_namespace("", SVG_NS)

WIDTH, HEIGHT = 860, 360


def _whole_number_labels(series, money: bool, stacked: bool = False) -> dict:
    """Counts up to a dozen get a label per whole number (pygal would write 0.1, 0.2...)."""
    values = [v for _name, vs in series for v in vs if v is not None]
    if money or not values or any(not float(v).is_integer() for v in values):
        return {}
    if stacked:
        values = [
            sum(v or 0 for v in column) for column in zip(*(vs for _n, vs in series), strict=True)
        ]
    top = int(max(values))
    return {"y_labels": list(range(0, top + 1))} if top <= 12 else {}


def _config(**extra) -> dict:
    return {
        "js": [],
        "css": [],
        "no_prefix": True,
        "disable_xml_declaration": True,
        "width": WIDTH,
        "height": HEIGHT,
        "explicit_size": False,
        "legend_at_bottom": False,
        "truncate_legend": 28,
        "show_y_guides": True,
        "truncate_label": 24,
        "margin": 12,
        "tooltip_border_radius": 0,
        **extra,
    }


def _tag(element) -> str:
    """The element's name without its namespace; "" for a comment."""
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _unwanted(parent, child, root) -> bool:
    """pygal's comments, scripts, styles and tooltips, and its title (ours replaces it)."""
    tag = _tag(child)
    classes = child.get("class", "").split() if tag else []
    return (
        tag in {"", "script", "style"}
        or (tag == "title" and parent is root)
        or "tooltip-overlay" in classes
        or "titles" in classes
    )


def _finish(chart, chart_id: str, title: str, description: str, alert: bool = False) -> Markup:
    """The chart as an `<svg>` element for the page: pygal's scripts, styles, tooltips
    and own title removed; a title and description of ours, named as its label."""
    root = chart.render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            if _unwanted(parent, child, root):
                parent.remove(child)
    for child in list(root):
        if _tag(child) == "defs" and len(child) == 0:
            root.remove(child)
    root.attrib.pop("id", None)
    root.attrib.pop("xmlns", None)  # ElementTree writes the namespace itself
    root.set("class", "report-chart__svg" + (" report-chart__svg--alert" if alert else ""))
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("focusable", "false")
    title_el = ElementTree.Element(f"{{{SVG_NS}}}title", {"id": f"{chart_id}-title"})
    title_el.text = title
    desc_el = ElementTree.Element(f"{{{SVG_NS}}}desc", {"id": f"{chart_id}-desc"})
    desc_el.text = description
    root.insert(0, desc_el)
    root.insert(0, title_el)
    svg = ElementTree.tostring(root, encoding="unicode")
    return Markup(svg)  # noqa: S704 - built by ElementTree, which escapes every text and value


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    money: bool = False,
    logarithmic: bool = False,
) -> Markup:
    """Lines over time: the first series solid, the second (the previous period) dashed.
    `logarithmic` for series of very different sizes (zeros are then left out)."""
    if logarithmic:
        series = [(name, [v or None for v in values]) for name, values in series]
    chart = pygal.Line(
        **_config(
            logarithmic=logarithmic,
            show_minor_y_labels=not logarithmic,
            x_label_rotation=0 if len(labels) <= 12 else 40,
            show_minor_x_labels=len(labels) <= 16,
            x_labels_major_every=max(1, len(labels) // 8),
            value_formatter=_money if money else _number,
            dots_size=2,
            **({} if logarithmic else _whole_number_labels(series, money)),
        )
    )
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, values)
    return _finish(chart, chart_id, title, description)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    horizontal: bool = False,
    stacked: bool = False,
    money: bool = False,
    alert: bool = False,
    print_values: bool = False,
) -> Markup:
    """Bars: one per label for each series, or stacked. Horizontal bars are listed from
    the top (pygal draws the first at the bottom). `alert`: the first series is a warning."""
    if horizontal:
        labels = labels[::-1]
        series = [(name, values[::-1]) for name, values in series]
    kinds = {
        (False, False): pygal.Bar,
        (True, False): pygal.HorizontalBar,
        (False, True): pygal.StackedBar,
        (True, True): pygal.HorizontalStackedBar,
    }
    chart = kinds[(horizontal, stacked)](
        **_config(
            value_formatter=_money if money else _number,
            x_label_rotation=0 if horizontal or len(labels) <= 8 else 40,
            show_minor_x_labels=horizontal or len(labels) <= 16,
            x_labels_major_every=None if horizontal else max(1, len(labels) // 8),
            height=max(HEIGHT, 60 + 28 * len(labels)) if horizontal else HEIGHT,
            print_values=print_values,
            print_values_position="top",
            y_labels_major_every=2 if horizontal else None,
            show_minor_y_labels=not horizontal,
            **_whole_number_labels(series, money, stacked),
        )
    )
    chart.x_labels = labels
    for name, values in series:
        chart.add(name, values)
    return _finish(chart, chart_id, title, description, alert=alert)


def _money(value: float) -> str:
    return f"£{value:,.0f}" if abs(value) >= 100 or not value else f"£{value:,.2f}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
