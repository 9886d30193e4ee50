"""A local Stripe-compatible HTTP server for the test suite.

The shop's real code talks to it through the real ``stripe`` library over real HTTP::

    fake = FakeStripe().start()
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake.url})
    session = client.v1.checkout.sessions.create(params={...})
    fake.pay_session(session.id)
    ...
    fake.stop()

Request parameters are checked against the TypedDicts that the installed ``stripe``
package ships for every call (``stripe.params.checkout.SessionCreateParams``,
``stripe.params.RefundCreateParams``, ...): any key that is not declared, at any depth,
is refused with HTTP 400 ``invalid_request_error`` exactly like the real API, so a misspelt
or removed parameter fails the tests instead of production.

Responses start from Stripe's own sample objects (``fixtures3.json`` from stripe/openapi),
so code that reads Stripe objects is tested against the real shape. The file is looked up
in ``$STRIPE_FIXTURES``, then ``tests/fixtures/stripe_fixtures3.json``, then
``../shared/stripe/fixtures3.json`` beside the project.

Billing (subscriptions) is modelled as Stripe's current API shapes it: periods on the
subscription items, an invoice's subscription under ``parent.subscription_details``,
its payments under ``payments`` (when expanded). Endpoints: Checkout Sessions in
``mode="subscription"`` (a ``customer``, at least one recurring ``price_data`` with one
interval for all, one-time lines alongside on the first invoice, ``subscription_data``;
no ``shipping_options`` / ``payment_intent_data``, as Stripe refuses them there),
subscriptions retrieve / list / update / cancel, invoices retrieve / list, billing
portal sessions. Prices made from ``product_data`` make a Product (its metadata kept;
``expand=["items.data.price.product"]`` on a subscription shows it).

Test controls (methods of ``FakeStripe``, all under its lock)::

    fake.pay_session(session_id)      # subscription mode: also the subscription (active)
                                      # and its first invoice (subscription_create, paid)
    fake.subscription_of(session_id)  # that subscription (a copy)
    fake.bill_next_cycle(sub_id, fail=False)
                                      # time moves to the next renewal: a paid
                                      # subscription_cycle invoice, or a failed one
                                      # (past_due); a void one while paused; the end if
                                      # cancel_at_period_end
    fake.failing_customers.add(cus_id)  # every renewal of theirs fails (a dead card)
    fake.retry_invoice(in_id, succeed=True)   # Stripe's next attempt at a failed invoice
    fake.stop_retrying(in_id, then="canceled" | "unpaid")   # Stripe gives up
    fake.take_events(*types)          # events queued since the last take, oldest first
    fake.event(evt_id)                # an event made earlier, to send again
    fake.subscription_updates         # (sub id, params) of each subscriptions.update

Events are what Stripe sends for each step (customer.subscription.created / .updated
with ``previous_attributes`` / .deleted, invoice.created / .finalized / .paid /
.payment_succeeded / .payment_failed / .voided, checkout.session.completed), each with a
later ``created`` than the one before. The server does not post them: a test delivers
them to the shop signed (``sign_payload``; tests.helpers.checkout.send_event), in any
order, or twice, to play duplicates and late deliveries.

Standard library only, plus ``stripe`` for the parameter declarations.
"""

from __future__ import annotations

import calendar
import collections.abc
import copy
import decimal
import hashlib
import hmac
import html
import importlib
import json
import os
import re
import secrets
import sys
import threading
import time
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

__all__ = [
    "FakeStripe",
    "RecordedRequest",
    "StripeParamError",
    "decode_form",
    "load_fixtures",
    "make_event",
    "sign_payload",
    "validate_params",
]

# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------

_FIXTURE_CANDIDATES = (
    Path(__file__).resolve().parent / "fixtures" / "stripe_fixtures3.json",
    Path(__file__).resolve().parents[2] / "shared" / "stripe" / "fixtures3.json",
)
_fixtures_lock = threading.Lock()
_fixtures_cache: dict[str, Any] | None = None


def load_fixtures() -> dict[str, Any]:
    """Stripe's sample objects (``fixtures3.json`` ``resources``), keyed by object type."""
    global _fixtures_cache
    with _fixtures_lock:
        if _fixtures_cache is None:
            candidates = list(_FIXTURE_CANDIDATES)
            if os.environ.get("STRIPE_FIXTURES"):
                candidates.insert(0, Path(os.environ["STRIPE_FIXTURES"]))
            for path in candidates:
                if path.is_file():
                    with path.open(encoding="utf-8") as fh:
                        _fixtures_cache = json.load(fh)["resources"]
                    break
            else:
                raise FileNotFoundError(
                    "Stripe fixtures3.json not found; set STRIPE_FIXTURES or copy it to "
                    + str(_FIXTURE_CANDIDATES[0])
                )
        return _fixtures_cache


def _sample(object_type: str) -> dict[str, Any]:
    return copy.deepcopy(load_fixtures()[object_type])


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _api_version() -> str | None:
    return getattr(stripe, "api_version", None)


# --------------------------------------------------------------------------------------
# Form decoding
# --------------------------------------------------------------------------------------

_KEY_RE = re.compile(r"\[([^\[\]]*)\]")


class StripeParamError(Exception):
    """A request Stripe would refuse; carries the HTTP status and Stripe's error body."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int = 400,
        error_type: str = "invalid_request_error",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error: dict[str, Any] = {"type": error_type, "message": message}
        if param is not None:
            self.error["param"] = param
        if code is not None:
            self.error["code"] = code
            self.error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if extra:
            self.error.update(extra)

    @property
    def body(self) -> dict[str, Any]:
        return {"error": dict(self.error)}


def _split_key(key: str) -> list[str]:
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    return [head, *_KEY_RE.findall("[" + rest)]


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
        return node
    if isinstance(node, list):
        return [_listify(v) for v in node]
    return node


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Decode Stripe's bracketed form encoding into nested dicts and lists.

    ``line_items[0][price_data][unit_amount]=1800`` -> ``{"line_items": [{"price_data":
    {"unit_amount": "1800"}}]}``. A key whose children are all integer indices becomes a
    list; ``expand[]=a&expand[]=b`` appends. Values stay strings, as sent on the wire.
    """
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        parts = _split_key(raw_key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":
                if not isinstance(node, dict):
                    raise StripeParamError(f"Invalid array: {raw_key}", param=raw_key)
                part = str(sum(1 for k in node if k.isdigit()))
            if not isinstance(node, dict):
                raise StripeParamError(f"Invalid parameter: {raw_key}", param=raw_key)
            if last:
                if isinstance(node.get(part), dict):
                    raise StripeParamError(f"Invalid parameter: {raw_key}", param=raw_key)
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise StripeParamError(f"Invalid parameter: {raw_key}", param=raw_key)
                node = child
    return _listify(root)


# --------------------------------------------------------------------------------------
# Parameter validation against the stripe package's TypedDicts
# --------------------------------------------------------------------------------------


def _request_option_keys() -> frozenset[str]:
    try:
        from stripe._request_options import RequestOptions
    except ImportError:  # pragma: no cover - layout of another stripe version
        return frozenset(
            {
                "api_key",
                "stripe_version",
                "stripe_account",
                "stripe_context",
                "max_network_retries",
                "idempotency_key",
                "content_type",
                "headers",
            }
        )
    return frozenset(RequestOptions.__annotations__)


_REQUEST_OPTION_KEYS = _request_option_keys()
_ANY = object()  # marker for "anything goes" (unresolvable annotation)


def _named(origin: Any, name: str) -> bool:
    return origin is getattr(typing, name, None) or getattr(origin, "_name", None) == name


def _is_typeddict(tp: Any) -> bool:
    return (
        isinstance(tp, type)
        and issubclass(tp, dict)
        and hasattr(tp, "__required_keys__")
        and hasattr(tp, "__annotations__")
    )


@lru_cache(maxsize=4096)
def _eval_annotation(text: str, module: str) -> Any:
    namespace = vars(sys.modules[module])
    try:
        # Annotation strings from the installed stripe package, evaluated in the namespace
        # of the module that declared them -- what typing.get_type_hints does internally.
        return eval(text, namespace)  # noqa: S307
    except Exception:
        return _ANY


def _resolve(tp: Any, module: str) -> tuple[Any, str]:
    """Resolve string / ForwardRef annotations lazily (some stripe annotations only exist
    under TYPE_CHECKING, which makes typing.get_type_hints fail on the whole class)."""
    while True:
        if isinstance(tp, str):
            tp = typing.ForwardRef(tp)
        if isinstance(tp, typing.ForwardRef):
            module = getattr(tp, "__forward_module__", None) or module
            tp = _eval_annotation(tp.__forward_arg__, module)
            continue
        origin = typing.get_origin(tp)
        if origin is not None and any(
            _named(origin, n) for n in ("NotRequired", "Required", "ReadOnly")
        ):
            tp = typing.get_args(tp)[0]
            continue
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        return tp, module


@lru_cache(maxsize=1024)
def _typeddict_fields(td: type) -> tuple[dict[str, Any], frozenset[str]]:
    annotations = dict(td.__annotations__)
    required = frozenset(getattr(td, "__required_keys__", frozenset()))
    if _REQUEST_OPTION_KEYS.issubset(annotations):
        # Top-level params classes inherit RequestOptions (api_key, idempotency_key, ...):
        # the client consumes those, they are not API parameters.
        for key in _REQUEST_OPTION_KEYS:
            annotations.pop(key, None)
        required = required - _REQUEST_OPTION_KEYS
    return annotations, required


def _kind_of(tp: Any, module: str) -> str:
    tp, module = _resolve(tp, module)
    if tp is _ANY or tp is Any or tp is object:
        return "any"
    if _is_typeddict(tp):
        return "object"
    origin = typing.get_origin(tp)
    if origin is typing.Union or (origin is not None and origin.__class__.__name__ == "UnionType"):
        kinds = {_kind_of(a, module) for a in typing.get_args(tp)}
        return kinds.pop() if len(kinds) == 1 else "any"
    if origin in (list, tuple, set) or _named(origin, "List"):
        return "array"
    if _mapping_origin(origin):
        return "object"
    if tp is type(None):
        return "none"
    return "scalar"


def _mapping_origin(origin: Any) -> bool:
    if origin is None:
        return False
    if origin in (dict, collections.abc.Mapping) or _named(origin, "Dict"):
        return True
    return isinstance(origin, type) and origin.__name__ == "UntypedStripeObject"


def _value_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "scalar"


def _join(path: str, key: Any) -> str:
    return f"{path}[{key}]" if path else str(key)


def _literal_text(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def _enum_name(path: str) -> str:
    """``a[b][allowed_countries][0]`` -> ``allowed_countries[0]`` (as Stripe words it)."""
    parts = _split_key(path)
    index = len(parts) - 1
    while index > 0 and parts[index].isdigit():
        index -= 1
    return parts[index] + "".join(f"[{p}]" for p in parts[index + 1 :])


def _one_of(options: list[str]) -> str:
    if len(options) <= 2:
        return " or ".join(options)
    return ", ".join(options[:-1]) + ", or " + options[-1]


@dataclass
class _Issues:
    unknown: list[str] = field(default_factory=list)
    other: list[StripeParamError] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.unknown or self.other)

    def extend(self, other: _Issues) -> None:
        self.unknown.extend(other.unknown)
        self.other.extend(other.other)


_INT_RE = re.compile(r"-?\d+")
_NUM_RE = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


def _check(value: Any, tp: Any, path: str, module: str, issues: _Issues) -> Any:
    tp, module = _resolve(tp, module)
    if tp is _ANY or tp is Any or tp is object:
        return value
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)

    if _is_typeddict(tp):
        if isinstance(value, list):  # keys were all digits: report them as unknown
            value = {str(i): v for i, v in enumerate(value)}
        if not isinstance(value, dict):
            issues.other.append(StripeParamError(f"Invalid object: {path}", param=path))
            return value
        fields, required = _typeddict_fields(tp)
        out = {}
        for key, sub in value.items():
            if key not in fields:
                issues.unknown.append(_join(path, key))
                continue
            out[key] = _check(sub, fields[key], _join(path, key), tp.__module__, issues)
        for key in sorted(required - value.keys()):
            name = _join(path, key)
            issues.other.append(StripeParamError(f"Missing required param: {name}.", param=name))
        return out

    if origin is typing.Union or (origin is not None and origin.__class__.__name__ == "UnionType"):
        return _check_union(value, args, path, module, issues)

    if origin in (list, tuple, set) or _named(origin, "List"):
        if isinstance(value, dict):
            if value and all(k.isdigit() for k in value):
                value = [value[k] for k in sorted(value, key=int)]
            else:
                issues.other.append(StripeParamError(f"Invalid array: {path}", param=path))
                return value
        if not isinstance(value, list):
            issues.other.append(StripeParamError(f"Invalid array: {path}", param=path))
            return value
        item_tp = args[0] if args else _ANY
        return [_check(v, item_tp, _join(path, i), module, issues) for i, v in enumerate(value)]

    if _mapping_origin(origin):
        if isinstance(value, list):
            value = {str(i): v for i, v in enumerate(value)}
        if not isinstance(value, dict):
            issues.other.append(StripeParamError(f"Invalid object: {path}", param=path))
            return value
        value_tp = args[-1] if args else _ANY
        return {k: _check(v, value_tp, _join(path, k), module, issues) for k, v in value.items()}

    if isinstance(value, (dict, list)):
        expected = {int: "integer", bool: "boolean", str: "string"}.get(tp, "value")
        issues.other.append(StripeParamError(f"Invalid {expected}: {path}", param=path))
        return value

    if origin is typing.Literal:
        allowed = [_literal_text(a) for a in args]
        if value in allowed:
            return args[allowed.index(value)]
        name = _enum_name(path)
        issues.other.append(
            StripeParamError(f"Invalid {name}: must be one of {_one_of(allowed)}", param=path)
        )
        return value
    if tp is bool:
        if value in ("true", "false"):
            return value == "true"
        issues.other.append(StripeParamError(f"Invalid boolean: {value}", param=path))
        return value
    if tp is int:
        if _INT_RE.fullmatch(value):
            return int(value)
        issues.other.append(StripeParamError(f"Invalid integer: {value}", param=path))
        return value
    if tp in (float, decimal.Decimal):
        if _NUM_RE.fullmatch(value):
            return decimal.Decimal(value)
        issues.other.append(StripeParamError(f"Invalid decimal: {value}", param=path))
        return value
    if tp is type(None):
        issues.other.append(StripeParamError(f"Invalid value: {path}", param=path))
        return value
    return value  # str and anything else: the wire value is a string


def _check_union(value: Any, args: tuple[Any, ...], path: str, module: str, issues: _Issues):
    kind = _value_kind(value)
    candidates = [a for a in args if _kind_of(a, module) in (kind, "any")]
    if kind == "scalar":
        # The SDK types enums as ``Literal[...] | str`` for forward compatibility; the API
        # itself only accepts the listed values, so check them strictly.
        resolved = [_resolve(a, module)[0] for a in candidates]
        has_enum = any(
            typing.get_origin(r) is typing.Literal and any(a != "" for a in typing.get_args(r))
            for r in resolved
        )
        if has_enum:
            candidates = [a for a, r in zip(candidates, resolved, strict=True) if r is not str]
    if not candidates:
        expected = {"object": "object", "array": "array"}.get(kind, "value")
        if kind == "scalar":
            kinds = {_kind_of(a, module) for a in args}
            expected = "object" if "object" in kinds else "array" if "array" in kinds else "value"
        issues.other.append(StripeParamError(f"Invalid {expected}: {path}", param=path))
        return value
    first: _Issues | None = None
    for candidate in candidates:
        attempt = _Issues()
        result = _check(value, candidate, path, module, attempt)
        if not attempt:
            return result
        if first is None:
            first = attempt
    assert first is not None
    issues.extend(first)
    return value


def validate_params(params: dict[str, Any], params_type: type | None) -> dict[str, Any]:
    """Check decoded form params against a stripe params TypedDict.

    Returns the params converted to Python types (ints, bools, Decimals, literals).
    Raises StripeParamError (HTTP 400) for unknown keys at any depth, values of the wrong
    type or enum, and missing required keys.
    """
    if params_type is None:
        return params
    issues = _Issues()
    result = _check(params, params_type, "", params_type.__module__, issues)
    if issues.unknown:
        first = issues.unknown[0]
        if len(issues.unknown) == 1:
            raise StripeParamError(f"Received unknown parameter: {first}", param=first)
        raise StripeParamError(
            "Received unknown parameters: " + ", ".join(issues.unknown), param=first
        )
    if issues.other:
        raise issues.other[0]
    return result


@lru_cache(maxsize=64)
def _params_type(module_path: str, name: str) -> type | None:
    """The params TypedDict ``name`` exported by ``module_path`` (None if this stripe
    version does not have it: the request is then accepted unchecked)."""
    try:
        module = importlib.import_module(module_path)
    except ImportError:
        return None
    found = getattr(module, name, None)
    return found if _is_typeddict(found) else None


# --------------------------------------------------------------------------------------
# Webhook helpers
# --------------------------------------------------------------------------------------


def make_event(event_type: str, obj: Any, *, event_id: str | None = None) -> dict[str, Any]:
    """A Stripe Event (shape of fixtures3 ``event``) wrapping ``obj`` as ``data.object``."""
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    event = _sample("event")
    event.update(
        {
            "id": event_id or _new_id("evt_test"),
            "object": "event",
            "type": event_type,
            "data": {"object": copy.deepcopy(obj)},
            "created": int(time.time()),
            "api_version": _api_version(),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
        }
    )
    return event


def sign_payload(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """A valid ``Stripe-Signature`` header for ``payload`` (the exact raw body sent)."""
    text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    generate = getattr(stripe.WebhookSignature, "generate_signature_header", None)
    if generate is not None:
        return generate(text, secret, timestamp=timestamp)
    ts = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode("utf-8"), f"{ts}.{text}".encode(), hashlib.sha256)
    return f"t={ts},v1={mac.hexdigest()}"


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the query string
    params: dict[str, Any]  # decoded from form body / query; leaf values are strings
    headers: dict[str, str]
    body: str = ""

    def header(self, name: str, default: str | None = None) -> str | None:
        """Case-insensitive header lookup."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    @property
    def idempotency_key(self) -> str | None:
        return self.header("Idempotency-Key")


_SESSION_TTL_MIN = 30 * 60
_SESSION_TTL_MAX = 24 * 60 * 60
_DEFAULT_SHIPPING = {
    "name": "Jenny Rosen",
    "address": {
        "city": "London",
        "country": "GB",
        "line1": "1 Test Street",
        "line2": None,
        "postal_code": "SW1A 1AA",
        "state": None,
    },
}
_FAIL_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Injected failure (FakeStripe.fail_next)."),
    401: ("authentication_error", None, "Invalid API Key provided (injected failure)."),
    402: ("card_error", "card_declined", "Your card was declined."),
    403: ("permission_error", None, "Injected permission failure."),
    404: ("invalid_request_error", "resource_missing", "No such object (injected failure)."),
    409: ("invalid_request_error", "lock_timeout", "Injected conflict (lock_timeout)."),
    429: ("invalid_request_error", "rate_limit", "Too many requests (injected failure)."),
}


def _money(amount: int, currency: str) -> str:
    symbol = {"gbp": "£", "usd": "$", "eur": "€"}.get(currency.lower(), "")
    text = f"{amount / 100:.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers at stop()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.fake._handle(self, "GET")

    def do_POST(self) -> None:
        self.server.fake._handle(self, "POST")

    def do_DELETE(self) -> None:
        self.server.fake._handle(self, "DELETE")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 makes bursts of connects wait 1 s for a SYN retry
    fake: FakeStripe


_Route = tuple[str, re.Pattern[str], str, tuple[str, str] | None]
_ROUTES: list[_Route] = [
    (
        "POST",
        re.compile(r"/v1/checkout/sessions"),
        "_create_session",
        ("stripe.params.checkout", "SessionCreateParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/checkout/sessions/(?P<obj_id>[^/]+)"),
        "_retrieve_session",
        ("stripe.params.checkout", "SessionRetrieveParams"),
    ),
    (
        "POST",
        re.compile(r"/v1/checkout/sessions/(?P<obj_id>[^/]+)/expire"),
        "_expire_session",
        ("stripe.params.checkout", "SessionExpireParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/checkout/sessions/(?P<obj_id>[^/]+)/line_items"),
        "_list_line_items",
        ("stripe.params.checkout", "SessionListLineItemsParams"),
    ),
    ("POST", re.compile(r"/v1/refunds"), "_create_refund", ("stripe.params", "RefundCreateParams")),
    (
        "POST",
        re.compile(r"/v1/customers"),
        "_create_customer",
        ("stripe.params", "CustomerCreateParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/customers/(?P<obj_id>[^/]+)"),
        "_retrieve_customer",
        ("stripe.params", "CustomerRetrieveParams"),
    ),
    (
        "POST",
        re.compile(r"/v1/customers/(?P<obj_id>[^/]+)"),
        "_update_customer",
        ("stripe.params", "CustomerUpdateParams"),
    ),
    (
        "DELETE",
        re.compile(r"/v1/customers/(?P<obj_id>[^/]+)"),
        "_delete_customer",
        ("stripe.params", "CustomerDeleteParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/refunds/(?P<obj_id>[^/]+)"),
        "_retrieve_refund",
        ("stripe.params", "RefundRetrieveParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/payment_intents/(?P<obj_id>[^/]+)"),
        "_retrieve_payment_intent",
        ("stripe.params", "PaymentIntentRetrieveParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/charges/(?P<obj_id>[^/]+)"),
        "_retrieve_charge",
        ("stripe.params", "ChargeRetrieveParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/shipping_rates/(?P<obj_id>[^/]+)"),
        "_retrieve_shipping_rate",
        ("stripe.params", "ShippingRateRetrieveParams"),
    ),
    ("POST", re.compile(r"/v1/coupons"), "_create_coupon", ("stripe.params", "CouponCreateParams")),
    (
        "GET",
        re.compile(r"/v1/coupons/(?P<obj_id>[^/]+)"),
        "_retrieve_coupon",
        ("stripe.params", "CouponRetrieveParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/subscriptions"),
        "_list_subscriptions",
        ("stripe.params", "SubscriptionListParams"),
    ),
    (
        "GET",
        re.compile(r"/v1/subscriptions/(?P<obj_id>[^/]+)"),
        "_retrieve_subscription",
        ("stripe.params", "SubscriptionRetrieveParams"),
    ),
    (
        "POST",
        re.compile(r"/v1/subscriptions/(?P<obj_id>[^/]+)"),
        "_update_subscription",
        ("stripe.params", "SubscriptionUpdateParams"),
    ),
    (
        "DELETE",
        re.compile(r"/v1/subscriptions/(?P<obj_id>[^/]+)"),
        "_cancel_subscription",
        ("stripe.params", "SubscriptionCancelParams"),
    ),
    ("GET", re.compile(r"/v1/invoices"), "_list_invoices", ("stripe.params", "InvoiceListParams")),
    (
        "GET",
        re.compile(r"/v1/invoices/(?P<obj_id>[^/]+)"),
        "_retrieve_invoice",
        ("stripe.params", "InvoiceRetrieveParams"),
    ),
    (
        "POST",
        re.compile(r"/v1/billing_portal/sessions"),
        "_create_portal_session",
        ("stripe.params.billing_portal", "SessionCreateParams"),
    ),
]


class FakeStripe:
    """In-process Stripe API stand-in served over HTTP on 127.0.0.1.

    Stores (``sessions``, ``refunds``, ``payment_intents``, ``charges``, ``shipping_rates``,
    ``prices``, ``customers``) hold the JSON objects as returned by the API; tests may read
    or edit them.
    Every store access happens under ``lock`` (an RLock).
    """

    def __init__(self) -> None:
        self.url: str = ""
        self.lock = threading.RLock()
        self.requests: list[RecordedRequest] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.shipping_rates: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.coupons: dict[str, dict[str, Any]] = {}
        # Price objects referenced by ``line_items[N][price]`` (tests may register some).
        self.prices: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.portal_sessions: dict[str, dict[str, Any]] = {}
        # Every event made, and those no test has taken yet (take_events).
        self.events: list[dict[str, Any]] = []
        self.pending_events: list[dict[str, Any]] = []
        # Customers whose renewals fail (a card that stopped working).
        self.failing_customers: set[str] = set()
        # (subscription id, params) of every subscriptions.update, in order.
        self.subscription_updates: list[tuple[str, dict[str, Any]]] = []
        self._invoice_payments: dict[str, list[dict[str, Any]]] = {}
        self._last_event_created = 0
        self.fail_next: int | None = None
        self._line_items: dict[str, list[dict[str, Any]]] = {}
        self._session_params: dict[str, dict[str, Any]] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, str, Any, int, dict[str, Any]]] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        load_fixtures()  # fail early and clearly if the samples are missing

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> FakeStripe:
        if self._server is not None:
            raise RuntimeError("FakeStripe already started")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="FakeStripe",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeStripe:
        return self.start() if self._server is None else self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget all objects, recorded requests, idempotency keys and ``fail_next``."""
        with self.lock:
            self.requests.clear()
            self.sessions.clear()
            self.refunds.clear()
            self.payment_intents.clear()
            self.charges.clear()
            self.shipping_rates.clear()
            self.customers.clear()
            self.coupons.clear()
            self.prices.clear()
            self.products.clear()
            self.subscriptions.clear()
            self.invoices.clear()
            self.portal_sessions.clear()
            self.events.clear()
            self.pending_events.clear()
            self.failing_customers.clear()
            self.subscription_updates.clear()
            self._invoice_payments.clear()
            self._line_items.clear()
            self._session_params.clear()
            self._idempotency.clear()
            self.fail_next = None

    # ----------------------------------------------------------------- inspection

    def requests_for(self, method: str | None = None, path: str | None = None):
        """Recorded requests, optionally filtered by method and exact path."""
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method.upper())
                and (path is None or r.path == path)
            ]

    # ----------------------------------------------------------------- test helpers

    def pay_session(
        self,
        session_id: str,
        *,
        payment_status: str = "paid",
        shipping: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Complete an open session as if the customer paid on the hosted page.

        Sets status "complete" and ``payment_status`` ("paid"; "unpaid" models a delayed
        payment method still processing), creates a succeeded PaymentIntent ``pi_...``
        (metadata copied from ``payment_intent_data.metadata``) with a Charge ``ch_...``,
        and fills ``customer_details`` and shipping details (a GB address by default;
        ``shipping={"name": ..., "address": {...}}`` overrides). Returns a copy of the
        session.
        """
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                raise KeyError(f"No such checkout.session: {session_id!r}")
            if session["status"] != "open":
                raise ValueError(f"Session {session_id} is {session['status']}, not open")
            params = self._session_params.get(session_id, {})
            now = int(time.time())
            details = copy.deepcopy(_DEFAULT_SHIPPING)
            if shipping:
                details["name"] = shipping.get("name", details["name"])
                details["address"].update(shipping.get("address") or {})
            customer = self.customers.get(session.get("customer") or "")
            email = (
                session.get("customer_email")
                or (customer or {}).get("email")
                or "customer@example.com"
            )
            amount = session.get("amount_total") or 0
            currency = session.get("currency") or "gbp"

            pi_id = _new_id("pi_test")
            charge_id = _new_id("ch_test")
            paid = payment_status != "unpaid"
            pi = _sample("payment_intent")
            pi.update(
                {
                    "id": pi_id,
                    "amount": amount,
                    "amount_capturable": 0,
                    "amount_details": {"tip": {}},
                    "amount_received": amount if paid else 0,
                    "canceled_at": None,
                    "client_secret": f"{pi_id}_secret_{secrets.token_hex(8)}",
                    "created": now,
                    "currency": currency,
                    "customer": session.get("customer"),
                    "description": params.get("payment_intent_data", {}).get("description"),
                    "last_payment_error": None,
                    "latest_charge": charge_id if paid else None,
                    "livemode": False,
                    "metadata": dict(params.get("payment_intent_data", {}).get("metadata", {})),
                    "next_action": None,
                    "payment_method": _new_id("pm_test"),
                    "payment_method_configuration_details": None,
                    "processing": None if paid else {"type": "card"},
                    "receipt_email": params.get("payment_intent_data", {}).get("receipt_email"),
                    "shipping": {
                        **copy.deepcopy(details),
                        "carrier": None,
                        "phone": None,
                        "tracking_number": None,
                    },
                    "status": "succeeded" if paid else "processing",
                    "transfer_data": None,
                }
            )
            self.payment_intents[pi_id] = pi
            self._redeem_discounts(session)
            if paid:
                charge = _sample("charge")
                charge.update(
                    {
                        "id": charge_id,
                        "amount": amount,
                        "amount_captured": amount,
                        "amount_refunded": 0,
                        "balance_transaction": _new_id("txn_test"),
                        "billing_details": {
                            "address": copy.deepcopy(details["address"]),
                            "email": email,
                            "name": details["name"],
                            "phone": None,
                            "tax_id": None,
                        },
                        "captured": True,
                        "created": now,
                        "currency": currency,
                        "description": None,
                        "livemode": False,
                        "metadata": {},
                        "paid": True,
                        "payment_intent": pi_id,
                        "payment_method": pi["payment_method"],
                        "receipt_email": email,
                        "receipt_url": f"{self.url}/receipts/{charge_id}",
                        "refunded": False,
                        "refunds": {
                            "object": "list",
                            "data": [],
                            "has_more": False,
                            "url": f"/v1/charges/{charge_id}/refunds",
                        },
                        "shipping": copy.deepcopy(pi["shipping"]),
                        "source": None,
                        "status": "succeeded",
                        "transfer_data": None,
                    }
                )
                self.charges[charge_id] = charge

            customer_details = {
                "address": copy.deepcopy(details["address"]),
                "business_name": None,
                "email": email,
                "individual_name": None,
                "name": details["name"],
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }
            shipping_details = {
                "address": copy.deepcopy(details["address"]),
                "name": details["name"],
            }
            if customer is not None:
                # What the session's customer_update lets Checkout save on the customer.
                saves = params.get("customer_update") or {}
                if saves.get("shipping") == "auto":
                    customer["shipping"] = {
                        **copy.deepcopy(details),
                        "phone": None,
                    }
                if saves.get("address") == "auto":
                    customer["address"] = copy.deepcopy(details["address"])
                if saves.get("name") == "auto":
                    customer["name"] = details["name"]
            session.update(
                {
                    "status": "complete",
                    "payment_status": payment_status,
                    "payment_intent": pi_id,
                    "customer_details": customer_details,
                    "collected_information": {
                        "business_name": None,
                        "individual_name": None,
                        "shipping_details": shipping_details,
                    },
                    "shipping_details": copy.deepcopy(shipping_details),
                    "url": None,
                }
            )
            if session.get("mode") == "subscription":
                if not paid:
                    raise ValueError("FakeStripe: a subscription's first payment is a card's")
                # The first invoice is paid by the payment intent; the session names the
                # invoice and the subscription instead.
                subscription, invoice = self._start_subscription(session, params, pi_id, now)
                session.update(
                    {
                        "payment_intent": None,
                        "invoice": invoice["id"],
                        "subscription": subscription["id"],
                    }
                )
                self._event("customer.subscription.created", subscription)
                self._event("invoice.created", invoice)
                self._event("invoice.finalized", invoice)
                self._event("invoice.paid", invoice)
                self._event("invoice.payment_succeeded", invoice)
            self._event("checkout.session.completed", session)
            return copy.deepcopy(session)

    # ----------------------------------------------------------------- HTTP plumbing

    def _handle(self, handler: _Handler, method: str) -> None:
        split = urlsplit(handler.path)
        path = split.path.rstrip("/") or "/"
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode("utf-8") if length else ""
        headers = dict(handler.headers.items())
        pairs = parse_qsl(split.query, keep_blank_values=True)
        content_type = handler.headers.get("Content-Type", "")
        if body and "application/x-www-form-urlencoded" in content_type:
            pairs += parse_qsl(body, keep_blank_values=True)
        try:
            params = decode_form(pairs)
            decode_error = None
        except StripeParamError as exc:
            params, decode_error = {}, exc
        with self.lock:
            self.requests.append(RecordedRequest(method, path, params, headers, body))

        extra_headers: dict[str, str] = {}
        if path.startswith("/pay/"):
            self._hosted_page(handler, method, path, params)
            return
        try:
            if decode_error is not None:
                raise decode_error
            status, payload = self._dispatch(method, path, params, headers, extra_headers)
        except StripeParamError as exc:
            status, payload = exc.status, exc.body
        except Exception as exc:  # a bug in the fake: make it loud, not a hang
            status, payload = (
                500,
                {"error": {"type": "api_error", "message": f"FakeStripe crashed: {exc!r}"}},
            )
        data = json.dumps(payload).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", _new_id("req"))
        handler.send_header("Stripe-Version", headers.get("Stripe-Version") or _api_version() or "")
        for key, value in extra_headers.items():
            handler.send_header(key, value)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(data)

    def _dispatch(
        self,
        method: str,
        path: str,
        params: dict[str, Any],
        headers: dict[str, str],
        extra_headers: dict[str, str],
    ) -> tuple[int, Any]:
        self._check_auth(headers)
        route = None
        path_args: dict[str, str] = {}
        for route_method, pattern, handler_name, params_ref in _ROUTES:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                route, path_args = (handler_name, params_ref), match.groupdict()
                break
        if route is None:
            raise StripeParamError(
                f"Unrecognized request URL ({method}: {path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                status=404,
            )
        mutating = method in ("POST", "DELETE")
        if mutating:
            with self.lock:
                fail, self.fail_next = self.fail_next, None
            if fail is not None:
                extra_headers["Stripe-Should-Retry"] = "false"
                error_type, code, message = _FAIL_ERRORS.get(
                    fail, ("api_error", None, "An unknown error occurred (injected failure).")
                )
                extra: dict[str, Any] = {}
                if code == "card_declined":
                    extra["decline_code"] = "generic_decline"
                raise StripeParamError(
                    message, status=fail, error_type=error_type, code=code, extra=extra
                )

        handler_name, params_ref = route
        key = headers.get("Idempotency-Key") if mutating else None
        scope = (headers.get("Authorization", ""), key or "")
        if key:
            with self.lock:
                stored = self._idempotency.get(scope)
            if stored is not None:
                stored_method, stored_path, stored_params, status, response = stored
                if (stored_method, stored_path, stored_params) != (method, path, params):
                    raise StripeParamError(
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        error_type="idempotency_error",
                    )
                extra_headers["Idempotent-Replayed"] = "true"
                extra_headers["Idempotency-Key"] = key
                return status, copy.deepcopy(response)

        params_type = _params_type(*params_ref) if params_ref else None
        typed = validate_params(params, params_type)
        with self.lock:
            status, response = getattr(self, handler_name)(typed, **path_args)
            if key and 200 <= status < 300:
                self._idempotency[scope] = (method, path, params, status, copy.deepcopy(response))
        if key:
            extra_headers["Idempotency-Key"] = key
        return status, response

    @staticmethod
    def _check_auth(headers: dict[str, str]) -> None:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        if not auth:
            raise StripeParamError(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
                status=401,
                error_type="authentication_error",
            )
        scheme, _, api_key = auth.partition(" ")
        if scheme != "Bearer" or not re.fullmatch(r"sk_test_\w+", api_key):
            shown = api_key[:8] + "*" * max(len(api_key) - 12, 0) + api_key[-4:]
            raise StripeParamError(
                f"Invalid API Key provided: {shown}",
                status=401,
                error_type="authentication_error",
            )

    # ----------------------------------------------------------------- hosted page

    def _hosted_page(
        self, handler: _Handler, method: str, path: str, params: dict[str, Any]
    ) -> None:
        """``session.url``: a tiny stand-in for the hosted Checkout page (for browser tests).

        GET shows Pay / Cancel; POST ``action=pay`` completes the session via
        ``pay_session`` and redirects to ``success_url`` with ``{CHECKOUT_SESSION_ID}``
        substituted, ``action=cancel`` redirects to ``cancel_url``.
        """
        session_id = path.removeprefix("/pay/")
        with self.lock:
            session = copy.deepcopy(self.sessions.get(session_id))
        if session is None:
            status, text, location = 404, "<h1>No such session</h1>", None
        elif method == "POST" and session["status"] == "open":
            if params.get("action") == "cancel":
                location = session.get("cancel_url")
            else:
                self.pay_session(session_id)
                location = (session.get("success_url") or "").replace(
                    "{CHECKOUT_SESSION_ID}", session_id
                )
            status, text = 303, ""
        else:
            status, location = 200, None
            amount = _money(session.get("amount_total") or 0, session.get("currency") or "gbp")
            if session["status"] == "open":
                text = (
                    f"<h1>Pay {html.escape(amount)}</h1>"
                    f'<form method="post"><button name="action" value="pay">Pay</button>'
                    f'<button name="action" value="cancel">Cancel</button></form>'
                )
            else:
                text = f"<h1>Session {html.escape(session['status'])}</h1>"
        data = f"<!doctype html><title>FakeStripe Checkout</title>{text}".encode()
        handler.send_response(status)
        if location:
            handler.send_header("Location", location)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(data)

    # ----------------------------------------------------------------- endpoints

    def _get(self, store: dict[str, dict[str, Any]], kind: str, obj_id: str, param: str):
        obj = store.get(obj_id)
        if obj is None:
            raise StripeParamError(
                f"No such {kind}: '{obj_id}'", param=param, code="resource_missing", status=404
            )
        return obj

    def _price_for(self, item: dict[str, Any], path: str) -> dict[str, Any]:
        now = int(time.time())
        if "price" in item:
            price = self.prices.get(item["price"])
            if price is None:
                raise StripeParamError(
                    f"No such price: '{item['price']}'",
                    param=f"{path}[price]",
                    code="resource_missing",
                )
            return copy.deepcopy(price)
        data = item.get("price_data")
        if data is None:
            raise StripeParamError(
                f"You must specify either `price` or `price_data` in `{path}`.", param=path
            )
        if "product" not in data and "product_data" not in data:
            raise StripeParamError(
                "You must specify either `product` or `product_data` when creating a price.",
                param=f"{path}[price_data]",
            )
        if "unit_amount" in data:
            unit_decimal = decimal.Decimal(data["unit_amount"])
        elif "unit_amount_decimal" in data:
            unit_decimal = decimal.Decimal(data["unit_amount_decimal"])
        else:
            raise StripeParamError(
                f"Missing required param: {path}[price_data][unit_amount].",
                param=f"{path}[price_data][unit_amount]",
            )
        if unit_decimal < 0:
            raise StripeParamError(
                "This value must be greater than or equal to 0.",
                param=f"{path}[price_data][unit_amount]",
            )
        price = _sample("price")
        recurring = data.get("recurring")
        price.update(
            {
                "id": _new_id("price"),
                "active": False,
                "created": now,
                "currency": data["currency"].lower(),
                "custom_unit_amount": None,
                "livemode": False,
                "lookup_key": None,
                "metadata": {},
                "nickname": None,
                "product": self._product_for(data),
                "recurring": (
                    {
                        "interval": recurring["interval"],
                        "interval_count": recurring.get("interval_count", 1),
                        "meter": None,
                        "trial_period_days": None,
                        "usage_type": "licensed",
                    }
                    if recurring
                    else None
                ),
                "tax_behavior": data.get("tax_behavior", "unspecified"),
                "tiers_mode": None,
                "transform_quantity": None,
                "type": "recurring" if recurring else "one_time",
                "unit_amount": int(unit_decimal) if unit_decimal == int(unit_decimal) else None,
                "unit_amount_decimal": str(unit_decimal),
            }
        )
        price["_product_name"] = (data.get("product_data") or {}).get("name")
        return price

    def _create_session(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        now = int(time.time())
        mode = params.get("mode")
        if mode is None:
            raise StripeParamError("Missing required param: mode.", param="mode")
        ui_mode = params.get("ui_mode")
        if "success_url" not in params and ui_mode in (None, "hosted", "hosted_page"):
            raise StripeParamError("Missing required param: success_url.", param="success_url")
        if "customer" in params and "customer_email" in params:
            raise StripeParamError(
                "You may only specify one of these parameters: customer, customer_email.",
                param="customer_email",
            )
        customer = None
        if "customer" in params:
            customer = self._get(self.customers, "customer", params["customer"], "customer")
        elif "customer_update" in params:
            raise StripeParamError(
                "`customer_update` can only be used with `customer`.", param="customer_update"
            )
        expires_at = params.get("expires_at", now + _SESSION_TTL_MAX)
        if expires_at < now + _SESSION_TTL_MIN:
            raise StripeParamError(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout "
                "Session creation.",
                param="expires_at",
            )
        if expires_at > now + _SESSION_TTL_MAX:
            raise StripeParamError(
                "The `expires_at` timestamp must be less than 24 hours from Checkout "
                "Session creation.",
                param="expires_at",
            )
        for meta_path, meta in (
            ("metadata", params.get("metadata")),
            (
                "payment_intent_data[metadata]",
                params.get("payment_intent_data", {}).get("metadata"),
            ),
        ):
            self._check_metadata(meta_path, meta)

        line_params = params.get("line_items") or []
        if mode in ("payment", "subscription") and not line_params:
            raise StripeParamError(
                f"`line_items` is required in `{mode}` mode.", param="line_items"
            )
        currency = params.get("currency")
        line_items: list[dict[str, Any]] = []
        subtotal = 0
        for index, item in enumerate(line_params):
            path = f"line_items[{index}]"
            quantity = item.get("quantity")
            if quantity is None:
                raise StripeParamError(
                    f"Missing required param: {path}[quantity].", param=f"{path}[quantity]"
                )
            if quantity < 1:
                raise StripeParamError(
                    f"Invalid positive integer: {quantity}", param=f"{path}[quantity]"
                )
            price = self._price_for(item, path)
            product_name = price.pop("_product_name", None)
            if currency is None:
                currency = price["currency"]
            elif price["currency"] != currency.lower():
                raise StripeParamError(
                    "All line items must use the same currency "
                    f"(got {price['currency']} and {currency.lower()}).",
                    param=f"{path}[price_data][currency]",
                )
            unit = decimal.Decimal(str(price.get("unit_amount_decimal") or price["unit_amount"]))
            amount = int((unit * quantity).to_integral_value(decimal.ROUND_HALF_UP))
            subtotal += amount
            line = _sample("item")
            line.update(
                {
                    "id": _new_id("li"),
                    "object": "item",
                    "adjustable_quantity": item.get("adjustable_quantity"),
                    "amount_discount": 0,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount,
                    "currency": price["currency"],
                    "description": product_name or price.get("nickname") or price["product"],
                    "metadata": dict(item.get("metadata", {})),
                    "price": price,
                    "quantity": quantity,
                }
            )
            line_items.append(line)
        currency = currency.lower() if currency else None
        self._check_subscription_session(params, line_items)

        shipping_options = []
        for index, option in enumerate(params.get("shipping_options") or []):
            path = f"shipping_options[{index}]"
            rate = self._shipping_rate_for(option, path, currency)
            shipping_options.append(
                {"shipping_amount": rate["fixed_amount"]["amount"], "shipping_rate": rate["id"]}
            )
        shipping_amount = shipping_options[0]["shipping_amount"] if shipping_options else 0
        discounts, discount = self._discounts_for(params.get("discounts") or [], subtotal, currency)
        self._share_discount(line_items, discount)

        session_id = _new_id("cs_test")
        session = _sample("checkout.session")
        has_amounts = bool(line_items)
        session.update(
            {
                "id": session_id,
                "object": "checkout.session",
                "adaptive_pricing": {"enabled": False},
                "after_expiration": params.get("after_expiration"),
                "allow_promotion_codes": params.get("allow_promotion_codes"),
                "amount_subtotal": subtotal if has_amounts else None,
                "amount_total": subtotal - discount + shipping_amount if has_amounts else None,
                "automatic_tax": {
                    "enabled": bool(params.get("automatic_tax", {}).get("enabled", False)),
                    "liability": None,
                    "provider": None,
                    "status": None,
                },
                "billing_address_collection": params.get("billing_address_collection"),
                "cancel_url": params.get("cancel_url"),
                "client_reference_id": params.get("client_reference_id"),
                "client_secret": None,
                "collected_information": None,
                "consent": None,
                "consent_collection": params.get("consent_collection"),
                "created": now,
                "currency": currency,
                "currency_conversion": None,
                "custom_fields": [],
                "custom_text": {
                    "after_submit": None,
                    "shipping_address": None,
                    "submit": None,
                    "terms_of_service_acceptance": None,
                },
                "customer": params.get("customer"),
                "customer_creation": params.get(
                    "customer_creation", "if_required" if mode == "payment" else None
                ),
                "customer_details": (
                    {
                        "address": None,
                        "business_name": None,
                        "email": params.get("customer_email") or customer["email"],
                        "individual_name": None,
                        "name": None,
                        "phone": None,
                        "tax_exempt": "none",
                        "tax_ids": None,
                    }
                    if params.get("customer_email") or (customer and customer.get("email"))
                    else None
                ),
                "customer_email": params.get("customer_email"),
                "discounts": discounts,
                "expires_at": expires_at,
                "invoice": None,
                "invoice_creation": (
                    {
                        "enabled": False,
                        "invoice_data": {
                            "account_tax_ids": None,
                            "custom_fields": None,
                            "description": None,
                            "footer": None,
                            "issuer": None,
                            "metadata": {},
                            "rendering_options": None,
                        },
                    }
                    if mode == "payment"
                    else None
                ),
                "livemode": False,
                "locale": params.get("locale"),
                "metadata": dict(params.get("metadata", {})),
                "mode": mode,
                "payment_intent": None,
                "payment_link": None,
                "payment_method_collection": "if_required" if mode != "payment" else None,
                "payment_method_configuration_details": None,
                "payment_method_options": {},
                "payment_method_types": list(params.get("payment_method_types") or ["card"]),
                "payment_status": "no_payment_required" if mode == "setup" else "unpaid",
                "phone_number_collection": {
                    "enabled": bool(params.get("phone_number_collection", {}).get("enabled"))
                },
                "recovered_from": None,
                "saved_payment_method_options": None,
                "setup_intent": None,
                "shipping_address_collection": params.get("shipping_address_collection"),
                "shipping_cost": (
                    {
                        "amount_subtotal": shipping_amount,
                        "amount_tax": 0,
                        "amount_total": shipping_amount,
                        "shipping_rate": shipping_options[0]["shipping_rate"],
                    }
                    if shipping_options
                    else None
                ),
                "shipping_details": None,
                "shipping_options": shipping_options,
                "status": "open",
                "submit_type": params.get("submit_type"),
                "subscription": None,
                "success_url": params.get("success_url"),
                "total_details": {
                    "amount_discount": discount,
                    "amount_shipping": shipping_amount,
                    "amount_tax": 0,
                },
                "ui_mode": ui_mode or "hosted_page",
                "url": f"{self.url}/pay/{session_id}",
            }
        )
        self.sessions[session_id] = session
        self._line_items[session_id] = line_items
        self._session_params[session_id] = params
        return 200, copy.deepcopy(session)

    # ----------------------------------------------------------------- coupons

    def _create_coupon(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST /v1/coupons: ``amount_off`` (with ``currency``) or ``percent_off``."""
        has_amount, has_percent = "amount_off" in params, "percent_off" in params
        if has_amount == has_percent:
            raise StripeParamError(
                "You must pass exactly one of `amount_off` or `percent_off`.",
                param="amount_off",
            )
        if has_amount and "currency" not in params:
            raise StripeParamError(
                "You must pass currency when passing amount_off.", param="currency"
            )
        if has_amount and params["amount_off"] < 1:
            raise StripeParamError("Invalid positive integer", param="amount_off")
        if has_percent and not 0 < float(params["percent_off"]) <= 100:
            raise StripeParamError(
                "percent_off must be greater than 0 and at most 100.", param="percent_off"
            )
        duration = params.get("duration", "once")
        if duration == "repeating" and "duration_in_months" not in params:
            raise StripeParamError(
                "You must pass duration_in_months when duration is repeating.",
                param="duration_in_months",
            )
        max_redemptions = params.get("max_redemptions")
        if max_redemptions is not None and max_redemptions < 1:
            raise StripeParamError("Invalid positive integer", param="max_redemptions")
        coupon_id = params.get("id") or _new_id("co")[3:11].upper()
        if coupon_id in self.coupons:
            raise StripeParamError(
                "Coupon already exists.", param="id", code="resource_already_exists"
            )
        coupon = {
            "id": coupon_id,
            "object": "coupon",
            "amount_off": params.get("amount_off"),
            "applies_to": None,
            "created": int(time.time()),
            "currency": params["currency"].lower() if has_amount else None,
            "duration": duration,
            "duration_in_months": params.get("duration_in_months"),
            "livemode": False,
            "max_redemptions": max_redemptions,
            "metadata": dict(params.get("metadata", {})),
            "name": params.get("name"),
            "percent_off": float(params["percent_off"]) if has_percent else None,
            "redeem_by": params.get("redeem_by"),
            "times_redeemed": 0,
            "valid": True,
        }
        self.coupons[coupon_id] = coupon
        return 200, copy.deepcopy(coupon)

    def _retrieve_coupon(self, params: dict[str, Any], obj_id: str):
        return 200, copy.deepcopy(self._get(self.coupons, "coupon", obj_id, "coupon"))

    def _discounts_for(
        self, wanted: list[dict[str, Any]], subtotal: int, currency: str | None
    ) -> tuple[list[dict[str, Any]], int]:
        """A session's ``discounts``: Checkout takes one, a coupon or a promotion code.
        The coupon's amount comes off the line items (never shipping), at most their
        subtotal; a percentage is rounded to the nearest unit."""
        if not wanted:
            return [], 0
        if len(wanted) > 1:
            raise StripeParamError(
                "You may only specify one discount for a Checkout Session.", param="discounts"
            )
        entry = wanted[0]
        coupon_id = entry.get("coupon")
        if coupon_id is None:
            raise StripeParamError(
                "You must specify either `coupon` or `promotion_code` in `discounts[0]`.",
                param="discounts[0]",
            )
        coupon = self._get(self.coupons, "coupon", coupon_id, "discounts[0][coupon]")
        if not coupon["valid"]:
            raise StripeParamError(
                f"This coupon is not valid: '{coupon_id}'", param="discounts[0][coupon]"
            )
        limit = coupon.get("max_redemptions")
        if limit is not None and coupon["times_redeemed"] >= limit:
            raise StripeParamError(
                f"This coupon has reached its maximum redemptions: '{coupon_id}'",
                param="discounts[0][coupon]",
            )
        if coupon["amount_off"] is not None:
            if currency and coupon["currency"] != currency:
                raise StripeParamError(
                    f"The coupon's currency ({coupon['currency']}) must match the Checkout "
                    f"Session currency ({currency}).",
                    param="discounts[0][coupon]",
                )
            amount = min(coupon["amount_off"], subtotal)
        else:
            amount = int(
                (
                    decimal.Decimal(subtotal) * decimal.Decimal(str(coupon["percent_off"])) / 100
                ).to_integral_value(decimal.ROUND_HALF_UP)
            )
        return [{"coupon": coupon_id, "promotion_code": None}], amount

    def _redeem_discounts(self, session: dict[str, Any]) -> None:
        """A paid session redeems its coupon: counted, and spent at its limit."""
        for entry in session.get("discounts") or []:
            coupon = self.coupons.get(entry.get("coupon") or "")
            if coupon is None:
                continue
            coupon["times_redeemed"] += 1
            limit = coupon.get("max_redemptions")
            if limit is not None and coupon["times_redeemed"] >= limit:
                coupon["valid"] = False

    @staticmethod
    def _share_discount(line_items: list[dict[str, Any]], discount: int) -> None:
        """Spread a session's discount over its line items in proportion to their
        amounts (the remainder to the first lines), as each line's ``amount_discount``."""
        whole = sum(line["amount_subtotal"] for line in line_items)
        if not discount or not whole:
            return
        shares = [discount * line["amount_subtotal"] // whole for line in line_items]
        for index in range(discount - sum(shares)):
            shares[index % len(shares)] += 1
        for line, share in zip(line_items, shares, strict=True):
            line["amount_discount"] = share
            line["amount_total"] = line["amount_subtotal"] - share

    @staticmethod
    def _check_metadata(path: str, metadata: dict[str, Any] | None) -> None:
        if not metadata:
            return
        if len(metadata) > 50:
            raise StripeParamError(
                "You can have at most 50 metadata keys.", param=path, code="parameter_invalid"
            )
        for key, value in metadata.items():
            if len(key) > 40:
                raise StripeParamError(
                    f"Metadata keys can have up to 40 characters, but you passed in a key that "
                    f"is {len(key)} characters. Invalid key: {key}",
                    param=f"{path}[{key}]",
                )
            if len(value) > 500:
                raise StripeParamError(
                    f"Metadata values can have up to 500 characters, but you passed in a "
                    f"value that is {len(value)} characters.",
                    param=f"{path}[{key}]",
                )

    def _shipping_rate_for(
        self, option: dict[str, Any], path: str, currency: str | None
    ) -> dict[str, Any]:
        if "shipping_rate" in option:
            return self._get(
                self.shipping_rates,
                "shipping_rate",
                option["shipping_rate"],
                f"{path}[shipping_rate]",
            )
        data = option.get("shipping_rate_data")
        if data is None:
            raise StripeParamError(
                f"You must specify either `shipping_rate` or `shipping_rate_data` in `{path}`.",
                param=path,
            )
        fixed = data.get("fixed_amount")
        if fixed is None:
            raise StripeParamError(
                f"Missing required param: {path}[shipping_rate_data][fixed_amount].",
                param=f"{path}[shipping_rate_data][fixed_amount]",
            )
        if currency and fixed["currency"].lower() != currency:
            raise StripeParamError(
                f"The shipping rate currency ({fixed['currency'].lower()}) must match the "
                f"Checkout Session currency ({currency}).",
                param=f"{path}[shipping_rate_data][fixed_amount][currency]",
            )
        if fixed["amount"] < 0:
            raise StripeParamError(
                "This value must be greater than or equal to 0.",
                param=f"{path}[shipping_rate_data][fixed_amount][amount]",
            )
        rate = _sample("shipping_rate")
        rate.update(
            {
                "id": _new_id("shr"),
                "active": True,
                "created": int(time.time()),
                "delivery_estimate": data.get("delivery_estimate"),
                "display_name": data["display_name"],
                "fixed_amount": {
                    "amount": fixed["amount"],
                    "currency": fixed["currency"].lower(),
                },
                "livemode": False,
                "metadata": dict(data.get("metadata", {})),
                "tax_behavior": data.get("tax_behavior", "unspecified"),
                "tax_code": data.get("tax_code"),
                "type": data.get("type", "fixed_amount"),
            }
        )
        self.shipping_rates[rate["id"]] = rate
        return rate

    def _expanded_session(self, session_id: str, expand: list[str]) -> dict[str, Any]:
        session = copy.deepcopy(self._get(self.sessions, "checkout.session", session_id, "session"))
        if "line_items" in expand:
            session["line_items"] = self._line_items_list(session_id, None)
        if "payment_intent" in expand and session.get("payment_intent"):
            pi = self.payment_intents.get(session["payment_intent"])
            if pi is not None:
                session["payment_intent"] = copy.deepcopy(pi)
        if {"invoice", "invoice.payments"} & set(expand) and session.get("invoice"):
            session["invoice"] = self._expanded_invoice(
                session["invoice"], ["payments"] if "invoice.payments" in expand else []
            )
        if "subscription" in expand and session.get("subscription"):
            session["subscription"] = self._expanded_subscription(session["subscription"], [])
        return session

    def _retrieve_session(self, params: dict[str, Any], obj_id: str):
        return 200, self._expanded_session(obj_id, params.get("expand", []))

    def _expire_session(self, params: dict[str, Any], obj_id: str):
        session = self._get(self.sessions, "checkout.session", obj_id, "session")
        if session["status"] != "open":
            raise StripeParamError(
                'Only Checkout Sessions with a status in ["open"] can be expired.',
                param="session",
            )
        session["status"] = "expired"
        session["url"] = None
        return 200, self._expanded_session(obj_id, params.get("expand", []))

    def _line_items_list(self, session_id: str, limit: int | None) -> dict[str, Any]:
        items = self._line_items.get(session_id, [])
        limit = 10 if limit is None else limit
        return {
            "object": "list",
            "data": copy.deepcopy(items[:limit]),
            "has_more": len(items) > limit,
            "url": f"/v1/checkout/sessions/{session_id}/line_items",
        }

    def _list_line_items(self, params: dict[str, Any], obj_id: str):
        self._get(self.sessions, "checkout.session", obj_id, "session")
        return 200, self._line_items_list(obj_id, params.get("limit"))

    def _create_refund(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if "payment_intent" in params:
            pi = self._get(
                self.payment_intents, "payment_intent", params["payment_intent"], "payment_intent"
            )
            charge = self.charges.get(pi.get("latest_charge") or "")
            if charge is None or pi["status"] != "succeeded":
                raise StripeParamError(
                    f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                    param="payment_intent",
                )
        elif "charge" in params:
            charge = self._get(self.charges, "charge", params["charge"], "charge")
        else:
            raise StripeParamError(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                param="payment_intent",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise StripeParamError(
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        amount = params.get("amount", remaining)
        if amount <= 0:
            raise StripeParamError(f"Invalid positive integer: {amount}", param="amount")
        if amount > remaining:
            raise StripeParamError(
                f"Refund amount ({_money(amount, charge['currency'])}) is greater than "
                f"unrefunded amount on charge ({_money(remaining, charge['currency'])})",
                param="amount",
                code="charge_already_refunded",
            )
        refund = _sample("refund")
        refund.update(
            {
                "id": _new_id("re_test"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": _new_id("txn_test"),
                "charge": charge["id"],
                "created": int(time.time()),
                "currency": charge["currency"],
                "metadata": dict(params.get("metadata", {})),
                "payment_intent": charge.get("payment_intent"),
                "payment_method": charge.get("payment_method"),
                "reason": params.get("reason"),
                "status": "succeeded",
            }
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        self.refunds[refund["id"]] = refund
        return 200, copy.deepcopy(refund)

    def _create_customer(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """A Customer from Stripe's sample, with what was sent (no discount, no address
        until one is given or a Checkout Session saves one)."""
        self._check_metadata("metadata", params.get("metadata"))
        customer = _sample("customer")
        customer.update(
            {
                "id": _new_id("cus_test"),
                "object": "customer",
                "address": copy.deepcopy(params.get("address")),
                "balance": params.get("balance", 0),
                "created": int(time.time()),
                "currency": None,
                "description": params.get("description"),
                "discount": None,
                "email": params.get("email"),
                "invoice_prefix": secrets.token_hex(4).upper(),
                "livemode": False,
                "metadata": dict(params.get("metadata", {})),
                "name": params.get("name"),
                "phone": params.get("phone"),
                "preferred_locales": list(params.get("preferred_locales") or []),
                "shipping": copy.deepcopy(params.get("shipping")),
            }
        )
        self.customers[customer["id"]] = customer
        return 200, copy.deepcopy(customer)

    def _retrieve_customer(self, params: dict[str, Any], obj_id: str):
        return 200, copy.deepcopy(self._get(self.customers, "customer", obj_id, "id"))

    # What an update may change, as Stripe's API takes it.
    _CUSTOMER_FIELDS = ("address", "description", "email", "name", "phone", "shipping")

    def _update_customer(self, params: dict[str, Any], obj_id: str):
        """Change the fields sent ("" clears one, as Stripe's form encoding does);
        metadata keys are merged."""
        customer = self._get(self.customers, "customer", obj_id, "id")
        self._check_metadata("metadata", params.get("metadata"))
        for name in self._CUSTOMER_FIELDS:
            if name in params:
                customer[name] = copy.deepcopy(params[name]) if params[name] != "" else None
        if params.get("metadata"):
            customer["metadata"].update(params["metadata"])
        return 200, copy.deepcopy(customer)

    def _delete_customer(self, params: dict[str, Any], obj_id: str):
        """Stripe's answer to a deletion; the customer is gone (a second deletion, or any
        other request for it, is a 404 like any unknown customer)."""
        self._get(self.customers, "customer", obj_id, "id")
        del self.customers[obj_id]
        return 200, {"id": obj_id, "object": "customer", "deleted": True}

    def _retrieve_refund(self, params: dict[str, Any], obj_id: str):
        return 200, copy.deepcopy(self._get(self.refunds, "refund", obj_id, "id"))

    def _retrieve_payment_intent(self, params: dict[str, Any], obj_id: str):
        pi = copy.deepcopy(self._get(self.payment_intents, "payment_intent", obj_id, "intent"))
        if "latest_charge" in params.get("expand", []) and pi.get("latest_charge"):
            pi["latest_charge"] = copy.deepcopy(self.charges.get(pi["latest_charge"]))
        return 200, pi

    def _retrieve_charge(self, params: dict[str, Any], obj_id: str):
        return 200, copy.deepcopy(self._get(self.charges, "charge", obj_id, "charge"))

    def _retrieve_shipping_rate(self, params: dict[str, Any], obj_id: str):
        return 200, copy.deepcopy(
            self._get(self.shipping_rates, "shipping_rate", obj_id, "shipping_rate_token")
        )

    # ----------------------------------------------------------------- billing

    def _event(self, event_type: str, obj: dict[str, Any], previous: dict | None = None) -> None:
        """Queue the event Stripe would send now (see the test controls at the top)."""
        created = max(int(time.time()), self._last_event_created + 1)
        self._last_event_created = created
        event = make_event(event_type, obj)
        event["created"] = created
        if previous is not None:
            event["data"]["previous_attributes"] = copy.deepcopy(previous)
        self.events.append(event)
        self.pending_events.append(event)

    def _product_for(self, data: dict[str, Any]) -> str:
        """The Product a ``price_data`` names, made from its ``product_data`` if need be."""
        if "product" in data:
            return data["product"]
        product_data = data.get("product_data") or {}
        product = _sample("product")
        product.update(
            {
                "id": _new_id("prod"),
                "active": True,
                "created": int(time.time()),
                "default_price": None,
                "description": product_data.get("description"),
                "images": list(product_data.get("images") or []),
                "livemode": False,
                "metadata": dict(product_data.get("metadata") or {}),
                "name": product_data.get("name"),
                "package_dimensions": None,
                "tax_code": product_data.get("tax_code"),
                "unit_label": product_data.get("unit_label"),
                "updated": int(time.time()),
            }
        )
        self.products[product["id"]] = product
        return product["id"]

    @staticmethod
    def _interval(price: dict[str, Any]) -> tuple[str, int] | None:
        recurring = price.get("recurring")
        if not recurring:
            return None
        return recurring["interval"], int(recurring.get("interval_count") or 1)

    def _check_subscription_session(
        self, params: dict[str, Any], line_items: list[dict[str, Any]]
    ) -> None:
        """What Stripe refuses of a Checkout Session in subscription mode (and of
        recurring prices in payment mode)."""
        mode = params.get("mode")
        intervals = {self._interval(line["price"]) for line in line_items} - {None}
        if mode != "subscription":
            if intervals:
                raise StripeParamError(
                    f"You specified `{mode}` mode but passed a recurring price. Either switch "
                    "to `subscription` mode or use only one-time prices.",
                    param="line_items",
                )
            if "subscription_data" in params:
                raise StripeParamError(
                    "`subscription_data` can only be used in `subscription` mode.",
                    param="subscription_data",
                )
            return
        if not intervals:
            raise StripeParamError(
                "You must provide at least one recurring price in `subscription` mode when "
                "using prices.",
                param="line_items",
            )
        if len(intervals) > 1:
            raise StripeParamError(
                "Checkout does not support multiple prices with different billing intervals.",
                param="line_items",
            )
        for name in ("shipping_options", "payment_intent_data", "submit_type"):
            if name in params:
                raise StripeParamError(f"`{name}` is only supported in `payment` mode.", param=name)
        if "customer" not in params:
            # Stripe would make a customer; the shop always names its own.
            raise StripeParamError(
                "FakeStripe: a subscription-mode session needs `customer`.", param="customer"
            )
        self._check_metadata(
            "subscription_data[metadata]", (params.get("subscription_data") or {}).get("metadata")
        )

    def _start_subscription(
        self, session: dict[str, Any], params: dict[str, Any], pi_id: str, now: int
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A paid subscription-mode session: its subscription, active, and its first
        invoice (``subscription_create``), paid by ``pi_id``."""
        line_items = self._line_items.get(session["id"], [])
        data = params.get("subscription_data") or {}
        sub_id = _new_id("sub_test")
        subscription = _sample("subscription")
        subscription.update(
            {
                "id": sub_id,
                "billing_cycle_anchor": now,
                "billing_cycle_anchor_config": None,
                "billing_mode": {"type": "classic"},
                "cancel_at": None,
                "cancel_at_period_end": False,
                "canceled_at": None,
                "cancellation_details": {"comment": None, "feedback": None, "reason": None},
                "created": now,
                "currency": session["currency"],
                "customer": session["customer"],
                "default_payment_method": self.payment_intents[pi_id]["payment_method"],
                "description": data.get("description"),
                "discounts": [],
                "ended_at": None,
                "latest_invoice": None,
                "livemode": False,
                "metadata": dict(data.get("metadata") or {}),
                "next_pending_invoice_item_invoice": None,
                "pause_collection": None,
                "pending_update": None,
                "schedule": None,
                "start_date": now,
                "status": "active",
                "test_clock": None,
                "trial_end": None,
                "trial_start": None,
            }
        )
        items = []
        for line in line_items:
            if self._interval(line["price"]) is None:
                continue
            items.append(self._subscription_item(sub_id, line["price"], line["quantity"], now))
        subscription["items"] = {
            "object": "list",
            "data": items,
            "has_more": False,
            "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={sub_id}",
        }
        self.subscriptions[sub_id] = subscription
        invoice_lines = []
        for line in line_items:
            item = next((i for i in items if i["price"]["id"] == line["price"]["id"]), None)
            invoice_lines.append(
                self._invoice_line(subscription, line["price"], line["quantity"], item, now)
            )
        invoice = self._make_invoice(
            subscription,
            "subscription_create",
            invoice_lines,
            now,
            total=session.get("amount_total") or 0,
        )
        self._pay_invoice(invoice, pi_id, now)
        subscription["latest_invoice"] = invoice["id"]
        return subscription, invoice

    def _subscription_item(
        self, sub_id: str, price: dict[str, Any], quantity: int, now: int
    ) -> dict[str, Any]:
        interval, count = self._interval(price)
        return {
            "id": _new_id("si"),
            "object": "subscription_item",
            "billing_thresholds": None,
            "created": now,
            "current_period_start": now,
            "current_period_end": _add_interval(now, interval, count),
            "discounts": [],
            "metadata": {},
            "plan": {
                "id": price["id"],
                "object": "plan",
                "active": True,
                "amount": price["unit_amount"],
                "amount_decimal": price["unit_amount_decimal"],
                "billing_scheme": "per_unit",
                "created": now,
                "currency": price["currency"],
                "interval": interval,
                "interval_count": count,
                "livemode": False,
                "metadata": {},
                "meter": None,
                "nickname": None,
                "product": price["product"],
                "tiers_mode": None,
                "transform_usage": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            },
            "price": copy.deepcopy(price),
            "quantity": quantity,
            "subscription": sub_id,
            "tax_rates": [],
        }

    def _invoice_line(
        self,
        subscription: dict[str, Any],
        price: dict[str, Any],
        quantity: int,
        item: dict[str, Any] | None,
        now: int,
    ) -> dict[str, Any]:
        amount = int(price["unit_amount"]) * quantity
        product = self.products.get(price["product"]) or {}
        if item is not None:
            parent = {
                "type": "subscription_item_details",
                "invoice_item_details": None,
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": subscription["id"],
                    "subscription_item": item["id"],
                },
            }
            period = {"start": item["current_period_start"], "end": item["current_period_end"]}
        else:
            parent = {
                "type": "invoice_item_details",
                "invoice_item_details": {
                    "invoice_item": _new_id("ii"),
                    "proration": False,
                    "proration_details": {"credited_items": None},
                    "subscription": subscription["id"],
                },
                "subscription_item_details": None,
            }
            period = {"start": now, "end": now}
        return {
            "id": _new_id("il"),
            "object": "line_item",
            "amount": amount,
            "currency": price["currency"],
            "description": f"{quantity} × {product.get('name') or price['product']}",
            "discount_amounts": [],
            "discountable": True,
            "discounts": [],
            "invoice": None,
            "livemode": False,
            "metadata": {},
            "parent": parent,
            "period": period,
            "pretax_credit_amounts": [],
            "pricing": {
                "type": "price_details",
                "price_details": {"price": price["id"], "product": price["product"]},
                "unit_amount_decimal": price["unit_amount_decimal"],
            },
            "quantity": quantity,
            "subtotal": amount,
            "taxes": [],
        }

    def _make_invoice(
        self,
        subscription: dict[str, Any],
        billing_reason: str,
        lines: list[dict[str, Any]],
        now: int,
        total: int | None = None,
    ) -> dict[str, Any]:
        subtotal = sum(line["amount"] for line in lines)
        total = subtotal if total is None else total
        invoice_id = _new_id("in_test")
        for line in lines:
            line["invoice"] = invoice_id
        recurring = [
            line for line in lines if line["parent"]["type"] == "subscription_item_details"
        ]
        customer = self.customers.get(subscription["customer"]) or {}
        invoice = _sample("invoice")
        invoice.update(
            {
                "id": invoice_id,
                "object": "invoice",
                "amount_due": total,
                "amount_overpaid": 0,
                "amount_paid": 0,
                "amount_remaining": total,
                "amount_shipping": 0,
                "attempt_count": 0,
                "attempted": False,
                "auto_advance": True,
                "billing_reason": billing_reason,
                "collection_method": "charge_automatically",
                "created": now,
                "currency": subscription["currency"],
                "customer": subscription["customer"],
                "customer_email": customer.get("email"),
                "customer_name": customer.get("name"),
                "description": None,
                "discounts": [],
                "due_date": None,
                "effective_at": now,
                "ending_balance": 0,
                "from_invoice": None,
                "hosted_invoice_url": f"{self.url}/invoices/{invoice_id}",
                "invoice_pdf": f"{self.url}/invoices/{invoice_id}.pdf",
                "last_finalization_error": None,
                "latest_revision": None,
                "lines": {
                    "object": "list",
                    "data": lines,
                    "has_more": False,
                    "total_count": len(lines),
                    "url": f"/v1/invoices/{invoice_id}/lines",
                },
                "livemode": False,
                "metadata": {},
                "next_payment_attempt": None,
                "number": f"{secrets.token_hex(4).upper()}-{len(self.invoices) + 1:04d}",
                "parent": {
                    "type": "subscription_details",
                    "quote_details": None,
                    "subscription_details": {
                        "metadata": copy.deepcopy(subscription["metadata"]),
                        "subscription": subscription["id"],
                    },
                },
                "period_start": recurring[0]["period"]["start"] if recurring else now,
                "period_end": recurring[0]["period"]["end"] if recurring else now,
                "receipt_number": None,
                "starting_balance": 0,
                "status": "open",
                "status_transitions": {
                    "finalized_at": now,
                    "marked_uncollectible_at": None,
                    "paid_at": None,
                    "voided_at": None,
                },
                "subtotal": subtotal,
                "subtotal_excluding_tax": subtotal,
                "test_clock": None,
                "total": total,
                "total_discount_amounts": (
                    [{"amount": subtotal - total, "discount": _new_id("di")}]
                    if subtotal > total
                    else []
                ),
                "total_excluding_tax": total,
                "total_taxes": [],
                "webhooks_delivered_at": now,
            }
        )
        invoice.pop("payments", None)  # includable: only when expanded
        # The sample still has the old top-level field; today's API names the
        # subscription under parent.subscription_details alone.
        invoice.pop("subscription", None)
        self.invoices[invoice_id] = invoice
        self._invoice_payments[invoice_id] = []
        return invoice

    def _charge_invoice(self, invoice: dict[str, Any], now: int) -> str:
        """A succeeded PaymentIntent and Charge for an invoice (a renewal's card payment)."""
        pi_id = _new_id("pi_test")
        charge_id = _new_id("ch_test")
        subscription = self.subscriptions[invoice["parent"]["subscription_details"]["subscription"]]
        pi = _sample("payment_intent")
        pi.update(
            {
                "id": pi_id,
                "amount": invoice["amount_due"],
                "amount_received": invoice["amount_due"],
                "created": now,
                "currency": invoice["currency"],
                "customer": invoice["customer"],
                "latest_charge": charge_id,
                "livemode": False,
                "metadata": {},
                "payment_method": subscription.get("default_payment_method"),
                "status": "succeeded",
            }
        )
        self.payment_intents[pi_id] = pi
        charge = _sample("charge")
        charge.update(
            {
                "id": charge_id,
                "amount": invoice["amount_due"],
                "amount_captured": invoice["amount_due"],
                "amount_refunded": 0,
                "captured": True,
                "created": now,
                "currency": invoice["currency"],
                "customer": invoice["customer"],
                "livemode": False,
                "metadata": {},
                "paid": True,
                "payment_intent": pi_id,
                "refunded": False,
                "refunds": {
                    "object": "list",
                    "data": [],
                    "has_more": False,
                    "url": f"/v1/charges/{charge_id}/refunds",
                },
                "status": "succeeded",
            }
        )
        self.charges[charge_id] = charge
        return pi_id

    def _pay_invoice(self, invoice: dict[str, Any], pi_id: str, now: int) -> None:
        invoice.update(
            {
                "amount_paid": invoice["amount_due"],
                "amount_remaining": 0,
                "attempt_count": invoice["attempt_count"] + 1,
                "attempted": True,
                "next_payment_attempt": None,
                "status": "paid",
            }
        )
        invoice["status_transitions"]["paid_at"] = now
        self._invoice_payments[invoice["id"]].append(
            {
                "id": _new_id("inpay"),
                "object": "invoice_payment",
                "amount_paid": invoice["amount_due"],
                "amount_requested": invoice["amount_due"],
                "created": now,
                "currency": invoice["currency"],
                "invoice": invoice["id"],
                "is_default": True,
                "livemode": False,
                "payment": {"type": "payment_intent", "payment_intent": pi_id},
                "status": "paid",
                "status_transitions": {"canceled_at": None, "paid_at": now},
            }
        )

    def _expanded_invoice(self, invoice_id: str, expand: list[str]) -> dict[str, Any]:
        invoice = copy.deepcopy(self._get(self.invoices, "invoice", invoice_id, "invoice"))
        if "payments" in expand:
            payments = copy.deepcopy(self._invoice_payments.get(invoice_id, []))
            invoice["payments"] = {
                "object": "list",
                "data": payments,
                "has_more": False,
                "total_count": len(payments),
                "url": f"/v1/invoices/{invoice_id}/payments",
            }
        return invoice

    def _expanded_subscription(self, sub_id: str, expand: list[str]) -> dict[str, Any]:
        subscription = copy.deepcopy(
            self._get(self.subscriptions, "subscription", sub_id, "subscription_exposed_id")
        )
        if "items.data.price.product" in expand:
            for item in subscription["items"]["data"]:
                product = self.products.get(item["price"]["product"])
                if product is not None:
                    item["price"]["product"] = copy.deepcopy(product)
        if "latest_invoice" in expand and subscription.get("latest_invoice"):
            subscription["latest_invoice"] = self._expanded_invoice(
                subscription["latest_invoice"], []
            )
        if "customer" in expand and subscription["customer"] in self.customers:
            subscription["customer"] = copy.deepcopy(self.customers[subscription["customer"]])
        return subscription

    def _retrieve_subscription(self, params: dict[str, Any], obj_id: str):
        return 200, self._expanded_subscription(obj_id, params.get("expand", []))

    def _list_subscriptions(self, params: dict[str, Any]):
        wanted = params.get("status")
        found = [
            self._expanded_subscription(sub_id, params.get("expand", []))
            for sub_id, sub in self.subscriptions.items()
            if params.get("customer") in (None, sub["customer"])
            and (
                wanted == "all"
                or sub["status"] == wanted
                or (wanted is None and sub["status"] != "canceled")
            )
        ]
        return 200, self._list(found, params.get("limit"), "/v1/subscriptions")

    @staticmethod
    def _list(objects: list[dict[str, Any]], limit: int | None, url: str) -> dict[str, Any]:
        objects = sorted(objects, key=lambda o: o.get("created", 0), reverse=True)
        limit = 10 if limit is None else limit
        return {
            "object": "list",
            "data": objects[:limit],
            "has_more": len(objects) > limit,
            "url": url,
        }

    _SUBSCRIPTION_EVENT_FIELDS = (
        "cancel_at",
        "cancel_at_period_end",
        "canceled_at",
        "cancellation_details",
        "items",
        "metadata",
        "pause_collection",
        "status",
        "trial_end",
        "trial_start",
    )

    def _subscription_changed(self, subscription: dict[str, Any], before: dict[str, Any]) -> None:
        previous = {
            name: before.get(name)
            for name in self._SUBSCRIPTION_EVENT_FIELDS
            if before.get(name) != subscription.get(name)
        }
        if previous:
            self._event("customer.subscription.updated", subscription, previous)

    def _update_subscription(self, params: dict[str, Any], obj_id: str):
        """POST /v1/subscriptions/:id: cancel_at_period_end, pause_collection ("" to
        resume), trial_end (a timestamp ahead: trialing until then, the current period
        ending there), items (quantity, price or price_data with an existing product,
        deleted), metadata, description, proration_behavior (recorded, never prorated).
        A new billing interval without a trial_end restarts the cycle now and bills at
        once (a ``subscription_update`` invoice), as Stripe does."""
        subscription = self._get(
            self.subscriptions, "subscription", obj_id, "subscription_exposed_id"
        )
        if subscription["status"] in ("canceled", "incomplete_expired"):
            raise StripeParamError(
                "A canceled subscription can only update its cancellation_details and metadata.",
                param="subscription",
            )
        now = int(time.time())
        before = copy.deepcopy(subscription)
        self._check_metadata("metadata", params.get("metadata"))
        if "cancel_at_period_end" in params:
            subscription["cancel_at_period_end"] = params["cancel_at_period_end"]
            ends = min(i["current_period_end"] for i in subscription["items"]["data"])
            subscription["cancel_at"] = ends if params["cancel_at_period_end"] else None
            subscription["cancellation_details"] = {
                "comment": None,
                "feedback": None,
                "reason": "cancellation_requested" if params["cancel_at_period_end"] else None,
            }
        if "pause_collection" in params:
            pause = params["pause_collection"]
            if pause == "":
                subscription["pause_collection"] = None
            else:
                resumes_at = pause.get("resumes_at")
                if resumes_at is not None and resumes_at <= now:
                    raise StripeParamError(
                        "Invalid timestamp: must be an integer Unix timestamp in the future.",
                        param="pause_collection[resumes_at]",
                    )
                subscription["pause_collection"] = {
                    "behavior": pause["behavior"],
                    "resumes_at": resumes_at,
                }
        items = subscription["items"]["data"]
        new_interval = False
        for index, change in enumerate(params.get("items") or []):
            path = f"items[{index}]"
            item = None
            if "id" in change:
                item = next((i for i in items if i["id"] == change["id"]), None)
                if item is None:
                    raise StripeParamError(
                        f"Invalid subscription_item: '{change['id']}'", param=f"{path}[id]"
                    )
            if change.get("deleted"):
                if item is None:
                    raise StripeParamError("You must specify `id` to delete an item.", param=path)
                items.remove(item)
                continue
            price = None
            if "price" in change or "price_data" in change:
                data = change.get("price_data")
                if data is not None and data.get("product") not in self.products:
                    raise StripeParamError(
                        f"No such product: '{data.get('product')}'",
                        param=f"{path}[price_data][product]",
                        code="resource_missing",
                    )
                price = self._price_for(change, path)
                price.pop("_product_name", None)
                if self._interval(price) is None:
                    raise StripeParamError(
                        "The price specified is set to `type=one_time` but this field only "
                        "accepts prices with `type=recurring`.",
                        param=f"{path}[price]",
                    )
            quantity = change.get("quantity")
            if quantity is not None and quantity < 0:
                raise StripeParamError(f"Invalid integer: {quantity}", param=f"{path}[quantity]")
            if item is None:
                if price is None:
                    raise StripeParamError(
                        f"You must specify either `price` or `price_data` in `{path}`.",
                        param=path,
                    )
                item = self._subscription_item(
                    obj_id, price, 1 if quantity is None else quantity, now
                )
                items.append(item)
                new_interval = True
                continue
            if price is not None:
                if self._interval(price) != self._interval(item["price"]):
                    new_interval = True
                item["price"] = price
                item["plan"].update(
                    {
                        "id": price["id"],
                        "amount": price["unit_amount"],
                        "amount_decimal": price["unit_amount_decimal"],
                        "interval": price["recurring"]["interval"],
                        "interval_count": price["recurring"]["interval_count"],
                    }
                )
            if quantity is not None:
                item["quantity"] = quantity
        if not items:
            raise StripeParamError("A subscription must have at least one item.", param="items")
        if len({self._interval(i["price"]) for i in items}) > 1:
            raise StripeParamError(
                "All prices on a subscription must have the same `recurring.interval` and "
                "`recurring.interval_count`.",
                param="items",
            )
        subscription["items"]["total_count"] = len(items)
        if "trial_end" in params:
            trial_end = params["trial_end"]
            if trial_end == "now" or trial_end <= now:
                raise StripeParamError(
                    "FakeStripe: trial_end must be a timestamp in the future.",
                    param="trial_end",
                )
            subscription.update({"status": "trialing", "trial_start": now, "trial_end": trial_end})
            for item in items:
                item["current_period_start"] = now
                item["current_period_end"] = trial_end
            if subscription["cancel_at_period_end"]:
                subscription["cancel_at"] = trial_end
        elif new_interval and subscription["status"] != "trialing":
            # Stripe restarts the billing cycle on a new interval and bills now.
            subscription["billing_cycle_anchor"] = now
            for item in items:
                interval, count = self._interval(item["price"])
                item["current_period_start"] = now
                item["current_period_end"] = _add_interval(now, interval, count)
            self._bill(subscription, "subscription_update", now, fail=False)
        if params.get("metadata"):
            subscription["metadata"].update(params["metadata"])
            subscription["metadata"] = {k: v for k, v in subscription["metadata"].items() if v}
        if "description" in params:
            subscription["description"] = params["description"] or None
        self.subscription_updates.append((obj_id, copy.deepcopy(params)))
        self._subscription_changed(subscription, before)
        return 200, self._expanded_subscription(obj_id, params.get("expand", []))

    def _cancel_subscription(self, params: dict[str, Any], obj_id: str):
        """DELETE /v1/subscriptions/:id: ended now (customer.subscription.deleted); a
        second cancel is refused."""
        subscription = self._get(
            self.subscriptions, "subscription", obj_id, "subscription_exposed_id"
        )
        if subscription["status"] in ("canceled", "incomplete_expired"):
            raise StripeParamError(
                f"No such subscription: '{obj_id}' can not be canceled: it is already canceled.",
                param="subscription",
            )
        details = params.get("cancellation_details") or {}
        self._end_subscription(
            subscription,
            "canceled",
            int(time.time()),
            reason="cancellation_requested",
            comment=details.get("comment"),
            feedback=details.get("feedback"),
        )
        return 200, self._expanded_subscription(obj_id, params.get("expand", []))

    def _end_subscription(
        self,
        subscription: dict[str, Any],
        status: str,
        now: int,
        *,
        reason: str,
        comment: str | None = None,
        feedback: str | None = None,
    ) -> None:
        before = copy.deepcopy(subscription)
        subscription["status"] = status
        subscription["cancellation_details"] = {
            "comment": comment,
            "feedback": feedback,
            "reason": reason,
        }
        if status == "canceled":
            subscription.update({"canceled_at": now, "ended_at": now, "cancel_at": None})
            self._event("customer.subscription.deleted", subscription)
        else:
            self._subscription_changed(subscription, before)

    def _bill(
        self, subscription: dict[str, Any], reason: str, now: int, *, fail: bool
    ) -> dict[str, Any]:
        """Invoice a subscription's items for their current period, pay it (or fail to)
        and queue the events Stripe sends."""
        lines = [
            self._invoice_line(subscription, item["price"], item["quantity"], item, now)
            for item in subscription["items"]["data"]
        ]
        invoice = self._make_invoice(subscription, reason, lines, now)
        subscription["latest_invoice"] = invoice["id"]
        self._event("invoice.created", invoice)
        self._event("invoice.finalized", invoice)
        if fail or subscription["customer"] in self.failing_customers:
            invoice.update(
                {
                    "attempt_count": 1,
                    "attempted": True,
                    "next_payment_attempt": now + 3 * 24 * 60 * 60,
                }
            )
            before = copy.deepcopy(subscription)
            subscription["status"] = "past_due"
            self._subscription_changed(subscription, before)
            self._event("invoice.payment_failed", invoice)
        else:
            self._pay_invoice(invoice, self._charge_invoice(invoice, now), now)
            self._event("invoice.paid", invoice)
            self._event("invoice.payment_succeeded", invoice)
        return invoice

    def _list_invoices(self, params: dict[str, Any]):
        found = [
            self._expanded_invoice(invoice_id, [])
            for invoice_id, invoice in self.invoices.items()
            if params.get("customer") in (None, invoice["customer"])
            and params.get("subscription")
            in (None, invoice["parent"]["subscription_details"]["subscription"])
            and params.get("status") in (None, invoice["status"])
        ]
        return 200, self._list(found, params.get("limit"), "/v1/invoices")

    def _retrieve_invoice(self, params: dict[str, Any], obj_id: str):
        return 200, self._expanded_invoice(obj_id, params.get("expand", []))

    def _create_portal_session(self, params: dict[str, Any]):
        """POST /v1/billing_portal/sessions: a one-time link for a known customer."""
        if "customer" not in params:
            raise StripeParamError("Missing required param: customer.", param="customer")
        self._get(self.customers, "customer", params["customer"], "customer")
        portal = _sample("billing_portal.session")
        portal_id = _new_id("bps")
        portal.update(
            {
                "id": portal_id,
                "configuration": "bpc_test_default",
                "created": int(time.time()),
                "customer": params["customer"],
                "flow": None,
                "livemode": False,
                "locale": params.get("locale"),
                "on_behalf_of": None,
                "return_url": params.get("return_url"),
                "url": f"{self.url}/portal/{portal_id}",
            }
        )
        self.portal_sessions[portal_id] = portal
        return 200, copy.deepcopy(portal)

    # ----------------------------------------------------------------- billing controls

    def take_events(self, *types: str) -> list[dict[str, Any]]:
        """The events queued since the last take (of ``types`` only, if given), oldest
        first, removed from the queue. Deliver them with tests.helpers.checkout.send_event
        in any order, or twice."""
        with self.lock:
            taken = [e for e in self.pending_events if not types or e["type"] in types]
            self.pending_events = [e for e in self.pending_events if e not in taken]
            return copy.deepcopy(taken)

    def event(self, event_id: str) -> dict[str, Any]:
        """An event made earlier, as first sent (to send again: a duplicate)."""
        with self.lock:
            for event in self.events:
                if event["id"] == event_id:
                    return copy.deepcopy(event)
        raise KeyError(f"No such event: {event_id!r}")

    def subscription_of(self, session_id: str) -> dict[str, Any]:
        """The subscription a paid subscription-mode session started (a copy)."""
        with self.lock:
            sub_id = self.sessions[session_id]["subscription"]
            return copy.deepcopy(self.subscriptions[sub_id])

    def bill_next_cycle(self, subscription_id: str, *, fail: bool = False) -> dict[str, Any] | None:
        """Time moves to the subscription's next renewal (its trial end, when a delivery
        was skipped, else its items' period end) and Stripe acts:

        - ``cancel_at_period_end``: it ends (customer.subscription.deleted); None returned.
        - paused (``pause_collection`` with no resumes_at, or one later than the renewal):
          the period moves on and the invoice is void (invoice.voided), nothing charged.
          A pause whose resumes_at has come is lifted first.
        - otherwise a ``subscription_cycle`` invoice for the new period, paid
          (invoice.paid, invoice.payment_succeeded) or, with ``fail=True`` or a customer
          in ``failing_customers``, failed (invoice.payment_failed, status past_due,
          another attempt in three days: see ``retry_invoice`` / ``stop_retrying``).

        Each change also sends customer.subscription.updated. Returns the invoice (copy).
        """
        with self.lock:
            subscription = self._get(
                self.subscriptions, "subscription", subscription_id, "subscription"
            )
            if subscription["status"] in ("canceled", "incomplete_expired"):
                raise ValueError(f"Subscription {subscription_id} has ended")
            items = subscription["items"]["data"]
            moment = min(i["current_period_end"] for i in items)
            if subscription["cancel_at_period_end"]:
                self._end_subscription(
                    subscription, "canceled", moment, reason="cancellation_requested"
                )
                return None
            before = copy.deepcopy(subscription)
            for item in items:
                interval, count = self._interval(item["price"])
                item["current_period_start"] = moment
                item["current_period_end"] = _add_interval(moment, interval, count)
            if subscription["status"] == "trialing":
                subscription["status"] = "active"
            pause = subscription.get("pause_collection")
            if pause and pause.get("resumes_at") is not None and pause["resumes_at"] <= moment:
                subscription["pause_collection"] = pause = None
            if pause:
                self._subscription_changed(subscription, before)
                lines = [
                    self._invoice_line(subscription, i["price"], i["quantity"], i, moment)
                    for i in items
                ]
                invoice = self._make_invoice(subscription, "subscription_cycle", lines, moment)
                invoice["status"] = "void"
                invoice["status_transitions"]["voided_at"] = moment
                subscription["latest_invoice"] = invoice["id"]
                self._event("invoice.voided", invoice)
                return copy.deepcopy(invoice)
            self._subscription_changed(subscription, before)
            return copy.deepcopy(self._bill(subscription, "subscription_cycle", moment, fail=fail))

    def retry_invoice(self, invoice_id: str, *, succeed: bool = True) -> dict[str, Any]:
        """Stripe's next automatic attempt at a failed invoice: paid now (invoice.paid,
        the subscription active again) or failed once more (invoice.payment_failed)."""
        with self.lock:
            invoice = self._get(self.invoices, "invoice", invoice_id, "invoice")
            if invoice["status"] != "open":
                raise ValueError(f"Invoice {invoice_id} is {invoice['status']}, not open")
            sub_id = invoice["parent"]["subscription_details"]["subscription"]
            subscription = self.subscriptions[sub_id]
            now = int(time.time())
            if succeed:
                self._pay_invoice(invoice, self._charge_invoice(invoice, now), now)
                before = copy.deepcopy(subscription)
                subscription["status"] = "active"
                self._subscription_changed(subscription, before)
                self._event("invoice.paid", invoice)
                self._event("invoice.payment_succeeded", invoice)
            else:
                invoice["attempt_count"] += 1
                invoice["next_payment_attempt"] = now + 3 * 24 * 60 * 60
                self._event("invoice.payment_failed", invoice)
            return copy.deepcopy(invoice)

    def stop_retrying(self, invoice_id: str, *, then: str = "canceled") -> dict[str, Any]:
        """Stripe gives up on a failed invoice (its last retry failed): the invoice has no
        next attempt (invoice.payment_failed) and the subscription becomes ``then``:
        "canceled" (customer.subscription.deleted) or "unpaid" (.updated), as the
        account's retry settings say. Returns the subscription (copy)."""
        if then not in ("canceled", "unpaid"):
            raise ValueError("then must be 'canceled' or 'unpaid'")
        with self.lock:
            invoice = self._get(self.invoices, "invoice", invoice_id, "invoice")
            sub_id = invoice["parent"]["subscription_details"]["subscription"]
            subscription = self.subscriptions[sub_id]
            now = int(time.time())
            invoice["attempt_count"] += 1
            invoice["next_payment_attempt"] = None
            self._event("invoice.payment_failed", invoice)
            if then == "canceled":
                invoice["status"] = "uncollectible"
            self._end_subscription(subscription, then, now, reason="payment_failed")
            return copy.deepcopy(subscription)


def _add_interval(timestamp: int, interval: str, count: int) -> int:
    """A timestamp moved on by a billing interval, the day of the month kept where the
    month has it (31 January + 1 month = 28 or 29 February), as Stripe does."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    if interval in ("day", "week"):
        return timestamp + count * (7 if interval == "week" else 1) * 24 * 60 * 60
    months = count * (12 if interval == "year" else 1)
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(moment.replace(year=year, month=month, day=day).timestamp())
