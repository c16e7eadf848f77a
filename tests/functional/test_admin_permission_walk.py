"""Every admin action and custom admin view of the plugin, walked without and with its permissions.

Found, not listed: every ``ModelAdmin`` registered for a model of the plugin's app, every action it
has (Django's ``delete_selected`` too, unless the admin lets no one delete), and every URL its
``get_urls`` adds to Django's own. Staff lacking any one permission an action or view needs are
offered nothing, and a forged request is refused with 403 and changes nothing; staff holding
exactly the permissions it needs (and view) use it, and a ``LogEntry`` records what changed.

What an action needs is what its ``has_<permission>_permission`` checks ask a user who holds
everything; what a view needs is what it declares with ``console.permissions.requires``. Each one
runs in a world built for it (``ACTION_WORLDS``, ``VIEW_WORLDS``): a new action or view without
one fails here until it gets one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_permission_codename, get_user
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from oscar.core.loading import get_model

from oscar_backorders import services
from oscar_backorders.console import reports
from oscar_backorders.console.permissions import AdminPermissionsMixin
from oscar_backorders.notifications.abstract_models import (
    NoticeEventKind,
    NoticeKind,
    NoticeStatus,
)
from oscar_backorders.payments.shipping import ship
from tests.helpers import confirmation_token, staff_with, token_in
from tests.payments_support import (  # noqa: F401 (fixtures)
    allocate,
    gateway,
    lines_of,
    mixed_order,
    run_on_commit,
)
from tests.supply_factories import PurchaseOrderFactory, SupplierFactory, inbound

pytestmark = pytest.mark.django_db

APP = "oscar_backorders"
BackorderPolicy = get_model(APP, "BackorderPolicy")
DelayConsent = get_model(APP, "DelayConsent")
Notice = get_model(APP, "Notice")
NoticeEvent = get_model(APP, "NoticeEvent")
NotificationPreference = get_model(APP, "NotificationPreference")
Promotion = get_model(APP, "Promotion")
PaymentRelease = get_model(APP, "PaymentRelease")


# --- Discovery ---


class PermissionProbe:
    """A staff user who holds every permission and notes each one a check asks for."""

    is_active = is_staff = is_authenticated = True
    is_superuser = is_anonymous = False

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        self.asked.add(perm)
        return True

    def has_perms(self, perms: Any, obj: Any = None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perms)

    def has_module_perms(self, app_label: str) -> bool:
        return True


def probe(modeladmin: admin.ModelAdmin, checks: tuple[str, ...]) -> tuple[frozenset[str], bool]:
    """The permissions ``has_<check>_permission`` ask for, and whether anyone may pass them."""
    request = RequestFactory().get("/")
    request.user = PermissionProbe()
    passed = all(getattr(modeladmin, f"has_{check}_permission")(request) for check in checks)
    return frozenset(request.user.asked), passed


def plugin_admins() -> list[admin.ModelAdmin]:
    found = [ma for model, ma in admin.site._registry.items() if model._meta.app_label == APP]
    return sorted(found, key=lambda ma: ma.opts.model_name)


@dataclass(frozen=True)
class Action:
    modeladmin: admin.ModelAdmin
    name: str
    declared: tuple[str, ...]  # the action's ``allowed_permissions``
    needed: frozenset[str]  # "app_label.codename" of each permission its checks ask for

    @property
    def id(self) -> str:
        return f"{self.modeladmin.opts.model_name}.{self.name}"


@dataclass(frozen=True)
class View:
    modeladmin: admin.ModelAdmin
    pattern: URLPattern
    needed: frozenset[str]

    @property
    def id(self) -> str:
        return self.pattern.name or str(self.pattern.pattern)


def discover_actions() -> list[Action]:
    found = []
    for modeladmin in plugin_admins():
        for function, name, _label in modeladmin._get_base_actions():
            declared = tuple(getattr(function, "allowed_permissions", ()))
            needed, anyone_may = probe(modeladmin, declared)
            if name == "delete_selected" and not anyone_may:
                continue  # the admin lets no one delete, so Django never offers it
            found.append(Action(modeladmin, name, declared, needed))
    return found


def discover_views() -> list[View]:
    found = []
    for modeladmin in plugin_admins():
        defaults = {str(p.pattern) for p in admin.ModelAdmin.get_urls(modeladmin)}
        for pattern in modeladmin.get_urls():
            if str(pattern.pattern) in defaults:
                continue
            if getattr(pattern.callback, "permission_per_object", False):
                continue  # a console job's pages: tests/functional/test_console_jobs.py
            declared = getattr(pattern.callback, "required_permissions", ())
            needed = frozenset(f"{modeladmin.opts.app_label}.{name}" for name in declared)
            found.append(View(modeladmin, pattern, needed))
    return found


ACTIONS = discover_actions()
VIEWS = discover_views()


# --- Worlds: something for each action and view to do ---


@dataclass
class World:
    """An authorised order (tests.payments_support.mixed_order): 3 units backordered on its main
    line (no free stock), 1 in-stock unit on its plain line, and the test gateway."""

    order: Any
    gateway: Any
    run_on_commit: Callable[..., Any]

    @property
    def main(self) -> Any:
        return lines_of(self.order)[0]

    @property
    def plain(self) -> Any:
        return lines_of(self.order)[1]

    @property
    def backorder(self) -> Any:
        return self.main.backorder

    def free_stock(self, units: int) -> Any:
        """``units`` arrive on the main line's stock record (no allocation runs yet)."""
        record = self.main.stockrecord
        type(record).objects.filter(pk=record.pk).update(num_in_stock=F("num_in_stock") + units)
        return record

    def held_capture(self) -> int:
        self.gateway.fail_next("capture", "decline")
        return self.run_on_commit(ship, self.order.pk, {self.plain.pk: 1}).capture_id

    def failed_release(self) -> int:
        self.gateway.fail_next("release", "timeout")
        self.run_on_commit(services.cancel_units, self.backorder.pk, 1, reason="customer asked")
        return PaymentRelease.objects.get(status="failed").pk


@dataclass
class Target:
    """The rows an action is run on and what its confirmation form posts."""

    selected: list[int]
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    """A custom view's URL arguments and, for a view that changes things, what to POST."""

    kwargs: dict[str, Any] = field(default_factory=dict)
    post: Callable[[], dict[str, Any]] | None = None


EXPECTED = dt.date(2026, 12, 2)
PO_CSV = b"reference,supplier,sku,quantity,expected_date\nPO-9,acme,KETTLE,4,2026-12-04\n"


def _with_free_stock(world: World) -> Target:
    world.free_stock(1)
    return Target([world.backorder.pk], {"reason": "Stock counted"})


def _ready_to_ship(world: World) -> Target:
    allocate(world.main, 1)
    return Target([world.backorder.pk], {"quantity": "", "reason": ""})


def _policy_of_plain_line(world: World) -> Target:
    return Target([BackorderPolicy.objects.get(stockrecord=world.plain.stockrecord).pk])


def _notice(status: str = NoticeStatus.FAILED) -> int:
    return Notice.objects.create(
        scope="shop", kind=NoticeKind.MERCHANT_DIGEST, version="walk", status=status, attempts=8
    ).pk


ACTION_WORLDS: dict[str, Callable[[World], Target]] = {
    "backorderline.set_estimate": lambda w: Target(
        [w.backorder.pk], {"new_date": "2026-12-30", "reason": "Supplier late"}
    ),
    "backorderline.change_priority": lambda w: Target([w.backorder.pk], {"priority": 7}),
    "backorderline.cancel_waiting": lambda w: Target(
        [w.backorder.pk], {"quantity": 1, "reason": "Customer asked"}
    ),
    "backorderline.allocate_now": _with_free_stock,
    "backorderline.ship_and_capture": _ready_to_ship,
    "backorderpolicy.delete_selected": _policy_of_plain_line,
    "delayconsent.delete_selected": lambda w: Target(
        [
            DelayConsent.objects.create(
                backorder_line=w.backorder, revised_date=dt.date(2027, 1, 8), rule="slip"
            ).pk
        ]
    ),
    "notice.delete_selected": lambda w: Target([_notice(NoticeStatus.SENT)]),
    "notice.retry_now": lambda w: Target([_notice()]),
    "noticeevent.delete_selected": lambda w: Target(
        [NoticeEvent.objects.create(kind=NoticeEventKind.PAYMENT_CAPTURED, order=w.order).pk]
    ),
    "notificationpreference.delete_selected": lambda w: Target(
        [NotificationPreference.objects.create(email="walk@example.com").pk]
    ),
    "paymentcapture.abandon": lambda w: Target([w.held_capture()]),
    "paymentcapture.retry_now": lambda w: Target([w.held_capture()]),
    "paymentrelease.retry_now": lambda w: Target([w.failed_release()]),
    "promotion.delete_selected": lambda w: Target(
        [
            Promotion.objects.create(
                name="Flash sale",
                product=w.main.product,
                start_date=EXPECTED,
                end_date=EXPECTED,
                uplift_percent=100,
            ).pk
        ]
    ),
    "purchaseorder.delete_selected": lambda w: Target([PurchaseOrderFactory().pk]),
    "purchaseorderline.delete_selected": lambda w: Target(
        [inbound(w.main.stockrecord, 2, EXPECTED).pk]
    ),
    "purchaseorderline.receive_outstanding": lambda w: Target(
        [inbound(w.main.stockrecord, 2, EXPECTED).pk]
    ),
    "supplier.delete_selected": lambda w: Target([SupplierFactory().pk]),
}


def _import_page(world: World) -> Page:
    record = world.main.stockrecord
    type(record).objects.filter(pk=record.pk).update(partner_sku="KETTLE")
    SupplierFactory(code="acme")
    return Page(post=lambda: {"file": SimpleUploadedFile("po.csv", PO_CSV)})


VIEW_WORLDS: dict[str, Callable[[World], Page]] = {
    "oscar_backorders_backorderline_reports": lambda w: Page(),
    "oscar_backorders_backorderline_report_csv": lambda w: Page(
        {"table": next(iter(reports.TABLES))}
    ),
    "oscar_backorders_purchaseorder_import": _import_page,
    "oscar_backorders_purchaseorder_import_sample": lambda w: Page(),
    "oscar_backorders_purchaseorder_reorder": lambda w: Page(),
    "oscar_backorders_purchaseorder_allocation": lambda w: Page(
        {"stockrecord_id": w.free_stock(2).pk}, post=lambda: {}
    ),
    "oscar_backorders_purchaseorderline_receive": lambda w: Page(
        {"pk": inbound(w.main.stockrecord, 2, EXPECTED).pk}, post=lambda: {"quantity": "2"}
    ),
}


@pytest.fixture
def world(mixed_order, gateway, run_on_commit):  # noqa: F811
    return World(mixed_order, gateway, run_on_commit)


# --- What is compared ---

#: Apps whose rows an admin action or view may change (LogEntry is in "admin").
WATCHED_APPS = ("oscar_backorders", "partner", "order", "payment", "admin")


def snapshot(world: World, *, with_log: bool = True) -> dict[str, Any]:
    """Every row of the watched apps, and every call made to the payment gateway."""
    rows: dict[str, Any] = {"gateway calls": len(world.gateway.calls)}
    for app_label in WATCHED_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if model is LogEntry and not with_log:
                continue
            rows[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return rows


def staff_lacking_one(needed: frozenset[str], model_view: str) -> list[tuple[str, set[str]]]:
    """For each needed permission, two staff who lack just that one: one holding only the other
    needed ones and view on the model, one holding every other permission of the plugin."""
    assert needed, "declares no permission"
    wanted = set(codenames(needed))
    everything = set(
        Permission.objects.filter(content_type__app_label=APP).values_list("codename", flat=True)
    )
    return [
        (missing, held - {missing})
        for missing in sorted(wanted)
        for held in (wanted | {model_view}, everything)
    ]


def as_staff(*names: str) -> Client:
    return staff_with(Client(), *names)


def codenames(needed: frozenset[str]) -> list[str]:
    assert all(name.startswith(f"{APP}.") for name in needed), needed
    return [name.split(".", 1)[1] for name in needed]


def view_codename(modeladmin: admin.ModelAdmin) -> str:
    return get_permission_codename("view", modeladmin.opts)


def warnings_of(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level >= messages.WARNING]


def offered(client: Client, modeladmin: admin.ModelAdmin) -> list[str] | None:
    """The action names the changelist offers this user (None: the changelist is refused)."""
    opts = modeladmin.opts
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    if response.status_code == 403:
        return None
    assert response.status_code == 200
    form = response.context["action_form"]
    return [] if form is None else [name for name, _label in form.fields["action"].choices]


# --- The walk ---


def test_every_plugin_admin_refuses_with_403_an_action_it_does_not_offer():
    assert plugin_admins()
    assert [
        type(ma).__name__ for ma in plugin_admins() if not isinstance(ma, AdminPermissionsMixin)
    ] == []


def test_every_admin_action_declares_the_permissions_it_needs():
    assert ACTIONS
    assert [a.id for a in ACTIONS if not a.declared or not a.needed] == []


def test_every_custom_admin_view_declares_the_permissions_it_needs():
    assert VIEWS
    assert [v.id for v in VIEWS if not v.needed] == []


def test_every_action_and_view_found_has_a_world_to_run_in():
    assert sorted(a.id for a in ACTIONS) == sorted(ACTION_WORLDS)
    assert sorted(v.id for v in VIEWS) == sorted(VIEW_WORLDS)


def _post_action(client: Client, world: World, action: Action, target: Target, **extra: Any):
    opts = action.modeladmin.opts
    payload = {
        "action": action.name,
        "_selected_action": target.selected,
        "apply": "yes",  # the plugin's confirmation pages
        "post": "yes",  # Django's delete confirmation
        **confirmation_token(client, f"queue:{action.name}"),
        **target.data,
        **extra,
    }
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return world.run_on_commit(client.post, url, payload)


@pytest.mark.parametrize("action", ACTIONS, ids=[a.id for a in ACTIONS])
def test_staff_lacking_a_permission_are_not_offered_the_action_and_a_forged_post_is_refused(
    world, action
):
    target = ACTION_WORLDS[action.id](world)
    before = snapshot(world)
    for missing, held in staff_lacking_one(action.needed, view_codename(action.modeladmin)):
        client = as_staff(*held)
        assert action.name not in (offered(client, action.modeladmin) or []), missing
        from_the_menu = _post_action(client, world, action, target, index="0")
        from_a_confirmation_page = _post_action(client, world, action, target)
        assert (from_the_menu.status_code, from_a_confirmation_page.status_code) == (403, 403)
        assert snapshot(world) == before, f"{action.id} changed something without {missing}"


@pytest.mark.parametrize("action", ACTIONS, ids=[a.id for a in ACTIONS])
def test_staff_with_the_permissions_run_the_action_and_it_is_logged(world, action):
    target = ACTION_WORLDS[action.id](world)
    client = as_staff(view_codename(action.modeladmin), *codenames(action.needed))
    assert action.name in offered(client, action.modeladmin)
    before = snapshot(world, with_log=False)
    logged_before = set(LogEntry.objects.values_list("pk", flat=True))

    response = _post_action(client, world, action, target)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert warnings_of(response) == []
    assert snapshot(world, with_log=False) != before
    written = LogEntry.objects.exclude(pk__in=logged_before)
    assert written.exists()
    assert {entry.user_id for entry in written} == {get_user(client).pk}


@pytest.mark.parametrize("view", VIEWS, ids=[v.id for v in VIEWS])
def test_staff_lacking_a_permission_are_refused_the_custom_view(world, view):
    page = VIEW_WORLDS[view.id](world)
    url = reverse(f"admin:{view.id}", kwargs=page.kwargs)
    before = snapshot(world)
    opts = view.modeladmin.opts
    listing_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    for missing, held in staff_lacking_one(view.needed, view_codename(view.modeladmin)):
        client = as_staff(*held)
        listing = client.get(listing_url)
        assert listing.status_code == 403 or url not in listing.content.decode(), missing
        assert client.get(url).status_code == 403, missing
        posted = world.run_on_commit(client.post, url, page.post() if page.post else {})
        assert posted.status_code == 403, missing
        assert snapshot(world) == before, f"{view.id} changed something without {missing}"


@pytest.mark.parametrize("view", VIEWS, ids=[v.id for v in VIEWS])
def test_staff_with_the_permissions_use_the_custom_view(world, view):
    page = VIEW_WORLDS[view.id](world)
    url = reverse(f"admin:{view.id}", kwargs=page.kwargs)
    client = as_staff(view_codename(view.modeladmin), *codenames(view.needed))
    shown = client.get(url)
    assert shown.status_code == 200
    if page.post is None:
        return  # it only shows
    before = snapshot(world, with_log=False)
    logged_before = set(LogEntry.objects.values_list("pk", flat=True))

    response = world.run_on_commit(client.post, url, {**page.post(), **token_in(shown)})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert warnings_of(response) == []
    assert snapshot(world, with_log=False) != before
    written = LogEntry.objects.exclude(pk__in=logged_before)
    assert written.exists()
    assert {entry.user_id for entry in written} == {get_user(client).pk}
