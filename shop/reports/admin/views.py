"""The reports (/admin/reports): sales, products, stock cover, customers and the funnel,
each a page with its charts and figures and a CSV download of the same figures. Read
only: every route is a GET, open to administrators and analysts."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from shop.backoffice.access import protect_back_office
from shop.backoffice.exports import csv_response
from shop.backoffice.roles import allowed
from shop.reports import services
from shop.reports.admin import pages
from shop.reports.admin.forms import RangeForm
from shop.reports.periods import Period, london_today, period_for

bp = Blueprint("reports_admin", __name__, url_prefix="/admin/reports")
protect_back_office(bp, area="reports")


def _range() -> tuple[RangeForm, Period, int]:
    """The form, the period it asks for (the last 30 days when it asks for nothing
    usable), and the status to answer with (400 when it was refused)."""
    form = RangeForm(request.args)
    today = london_today()
    if form.validate():
        period = period_for(
            form.range.data or "30", today, form.date_from.data, form.date_to.data, form.grain.data
        )
        return form, period, 200
    return form, period_for("30", today), 400


def _query_args(form: RangeForm) -> dict[str, str]:
    """The range again, for links to the other reports and the CSV download."""
    args = {"range": form.range.data or "30"}
    if form.range.data == "custom" and form.date_from.data and form.date_to.data:
        args |= {
            "date_from": form.date_from.data.isoformat(),
            "date_to": form.date_to.data.isoformat(),
        }
    if form.grain.data:
        args["grain"] = form.grain.data
    return args


def _lead_days() -> int:
    return current_app.config["STOCK_LEAD_DAYS"]


def report_headlines(user) -> dict:
    """The dashboard's report headlines (the last 30 days), for those who may open the
    reports: the context of templates/reports/admin/_dashboard.html."""
    if not allowed(user, "reports"):
        return {"report_headlines": None}
    today = london_today()
    return {
        "report_headlines": services.headlines(period_for("30", today), today, _lead_days()),
        "lead_days": _lead_days(),
    }


@bp.get("/")
def index():
    form, period, status = _range()
    figures = services.headlines(period, london_today(), _lead_days())
    return render_template(
        "reports/admin/index.html",
        form=form,
        period=period,
        query_args=_query_args(form),
        headlines=figures,
        lead_days=_lead_days(),
    ), status


@bp.get("/sales")
def sales():
    form, period, status = _range()
    measure = pages.sales_measure(request.args.get("measure"))
    report = services.sales_report(period)
    return render_template(
        "reports/admin/sales.html",
        form=form,
        period=period,
        query_args=_query_args(form),
        report=report,
        measure=measure,
        measures=services.SALES_MEASURES,
        chart=pages.sales_chart(report, measure),
    ), status


@bp.get("/sales.csv")
def sales_csv():
    _form, period, _status = _range()
    rows = pages.sales_rows(services.sales_report(period))
    return csv_response(rows, f"sales-{period.first}-to-{period.last}.csv")


@bp.get("/products")
def products():
    form, period, status = _range()
    lines = services.product_sales(period)
    funnel = services.funnel_report(period)
    return render_template(
        "reports/admin/products.html",
        form=form,
        period=period,
        query_args=_query_args(form),
        lines=lines,
        best=services.best_sellers(lines),
        chart=pages.products_chart(lines),
        viewed_not_bought=funnel.viewed_not_bought(),
        funnel_total=funnel.total,
    ), status


@bp.get("/products.csv")
def products_csv():
    _form, period, _status = _range()
    rows = pages.product_rows(services.product_sales(period))
    return csv_response(rows, f"products-{period.first}-to-{period.last}.csv")


@bp.get("/stock")
def stock():
    lines = services.stock_cover(london_today(), _lead_days())
    return render_template(
        "reports/admin/stock.html",
        lines=lines,
        lead_days=_lead_days(),
        window=services.STOCK_WINDOW_DAYS,
        chart=pages.stock_chart(lines, _lead_days()),
        query_args={},
        today=london_today(),
    )


@bp.get("/stock.csv")
def stock_csv():
    today = london_today()
    rows = pages.stock_rows(services.stock_cover(today, _lead_days()))
    return csv_response(rows, f"stock-cover-{today}.csv")


@bp.get("/customers")
def customers():
    form, period, status = _range()
    buyers = services.buyers_over_time(period)
    subscribers = services.subscribers_over_time(period)
    return render_template(
        "reports/admin/customers.html",
        form=form,
        period=period,
        query_args=_query_args(form),
        buyers=buyers,
        totals=services.buyer_totals(period),
        subscribers=subscribers,
        buyers_chart=pages.buyers_chart(period, buyers),
        subscribers_chart=pages.subscribers_chart(period, subscribers),
    ), status


@bp.get("/customers.csv")
def customers_csv():
    _form, period, _status = _range()
    rows = pages.customer_rows(
        period,
        services.buyers_over_time(period),
        services.subscribers_over_time(period),
        services.buyer_totals(period),
    )
    return csv_response(rows, f"customers-{period.first}-to-{period.last}.csv")


@bp.get("/funnel")
def funnel():
    form, period, status = _range()
    report = services.funnel_report(period)
    return render_template(
        "reports/admin/funnel.html",
        form=form,
        period=period,
        query_args=_query_args(form),
        report=report,
        steps=services.STEPS,
        steps_chart=pages.funnel_chart(report),
        days_chart=pages.funnel_days_chart(report),
    ), status


@bp.get("/funnel.csv")
def funnel_csv():
    _form, period, _status = _range()
    rows = pages.funnel_rows(services.funnel_report(period))
    return csv_response(rows, f"funnel-{period.first}-to-{period.last}.csv")
