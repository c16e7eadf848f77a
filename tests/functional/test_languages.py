"""Customer pages and the merchant console render in Dutch, Simplified Chinese and Indonesian."""

from __future__ import annotations

import gettext
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from django.apps import apps
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.core.management import call_command
from django.urls import include, path, reverse
from django.utils import translation
from django.utils.translation import to_locale
from oscar.test.factories import UserFactory

import oscar_backorders
from tests.factories import stocked_product
from tests.functional.checkout import add_to_basket
from tests.helpers import basket_with, place
from tests.markers import in_ci

EXPECTED = {
    "nl": {
        "product": "Niet op voorraad, wel te bestellen — verzonden uiterlijk 8 dec",
        "money": "£\xa01.234,50",
        "basket": "3 nu verzonden, 2 nabesteld — verzonden uiterlijk 3 dec",
        "detail": [
            "Levering van je artikelen",
            "3 uit voorraad",
            "2 wachten op voorraad — verzonden uiterlijk 3 december 2026",
            "Wachtende artikelen annuleren",
        ],
    },
    "zh-hans": {
        "product": "可缺货预订 — 预计 12月8日 前发货",
        "money": "£1,234.50",
        "basket": "3 件现在发货，2 件缺货预订 — 预计 12月3日 前发货",
        "detail": [
            "商品配送情况",
            "3 件现货",
            "2 件等待到货 — 预计 2026年12月3日 前发货",
            "取消等待中的商品",
        ],
    },
    "id": {
        "product": "Stok habis, bisa pesan inden — dikirim paling lambat 8 Des",
        "money": "£1.234,50",
        "basket": "3 dikirim sekarang, 2 inden — dikirim paling lambat 3 Des",
        "detail": [
            "Pengiriman barang Anda",
            "3 dari stok",
            "2 menunggu stok — dikirim paling lambat 3 Des. 2026",
            "Batalkan barang yang menunggu",
        ],
    },
}


@pytest.fixture(autouse=True)
def language_restored():
    """Each request activates its language in this thread; later tests must not inherit it."""
    previous = translation.get_language()
    yield
    translation.activate(previous)


@pytest.fixture
def products(today):
    return (
        stocked_product(num_in_stock=0, lead_time_days=10, price=Decimal("1234.50")),
        stocked_product(num_in_stock=3, lead_time_days=7),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_product_page_basket_and_order_detail_render_translated(
    client, strategy, products, language
):
    backordered, partly = products
    expected = EXPECTED[language]
    with translation.override(language):
        product_url = backordered.get_absolute_url()
        basket_url = reverse("basket:summary")
    assert product_url.startswith(f"/{language}/")

    page = client.get(product_url).content.decode()
    assert expected["product"] in page
    assert expected["money"] in page
    assert expected["money"] == format_currency(
        Decimal("1234.50"), "GBP", locale=to_locale(language)
    )

    add_to_basket(client, partly, 5)
    assert expected["basket"] in client.get(basket_url).content.decode()

    user = UserFactory()
    client.force_login(user)
    order = place(basket_with(strategy, (partly, 5)), user=user)
    with translation.override(language):
        detail_url = reverse("customer:order", kwargs={"order_number": order.number})
    detail = client.get(detail_url).content.decode()
    for text in expected["detail"]:
        assert text in detail


@pytest.mark.django_db
def test_indonesian_product_page_says_a_backordered_product_is_out_of_stock(client, products):
    # Glossary (docs/display.md): "inden" is ordering what the shop does not have yet, and
    # "Stok habis" says so outright; "Bisa dipesan" ("can be ordered") lost that meaning.
    with translation.override("id"):
        page = client.get(products[0].get_absolute_url()).content.decode()
    assert "Stok habis, bisa pesan inden" in page
    assert "Bisa dipesan —" not in page


# A shop that serves its admin in the staff's language: the admin inside `i18n_patterns`
# (the sandbox keeps it at /admin/, always in LANGUAGE_CODE).
urlpatterns = i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include(apps.get_app_config("oscar").urls[0])),
    prefix_default_language=False,
)

CONSOLE = {
    "nl": ["Nabestelrapporten", "Nabestellingen in de tijd", "Leverbetrouwbaarheid per product"],
    "zh-hans": ["缺货预订报表", "缺货预订趋势", "按商品统计的承诺准确率"],
    "id": ["Laporan pesanan inden", "Pesanan inden dari waktu ke waktu", "Ketepatan janji"],
}
QUEUE = {
    "nl": ["Bestelling / klant", "Verzenden en betaling innen…", "Verwachte verzenddatum"],
    "zh-hans": ["订单 / 顾客", "发货并扣款…", "设置或调整预计发货日期…"],
    "id": ["Pesanan / pelanggan", "Kirim dan tagih pembayaran…", "Ubah prioritas…"],
}


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", sorted(CONSOLE))
def test_merchant_console_renders_translated_when_the_admin_is_served_per_language(
    client, strategy, products, language
):
    backordered, _ = products
    place(basket_with(strategy, (backordered, 2)))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with translation.override(language):
        queue_url = reverse("admin:oscar_backorders_backorderline_changelist")
        reports_url = reverse("admin:oscar_backorders_backorderline_reports")
    assert queue_url.startswith(f"/{language}/admin/")
    queue = client.get(queue_url).content.decode()
    reports = client.get(reports_url).content.decode()
    for text in QUEUE[language]:
        assert text in queue
    for text in CONSOLE[language]:
        assert text in reports


LOCALE_DIR = Path(oscar_backorders.__file__).parent / "locale"


@pytest.mark.parametrize("locale", ["nl", "zh_Hans", "id"])
def test_every_plugin_string_is_translated_and_compiled(locale):
    po = (LOCALE_DIR / locale / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = [e for e in po.split("\n\n") if "msgid " in e and 'msgid ""\nmsgstr ""' not in e]
    untranslated = [
        e
        for e in entries
        for value in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', e + "\n", re.M)
        if not "".join(re.findall(r'"(.*)"', value))
    ]
    assert untranslated == []
    assert "#, fuzzy" not in po
    with open(LOCALE_DIR / locale / "LC_MESSAGES" / "django.mo", "rb") as mo:
        catalog = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]
    singular_ids = {key if isinstance(key, str) else key[0] for key in catalog} - {""}
    assert len(singular_ids) == len(entries), "run `make messages` to recompile the .mo"


def _message_ids(po_file: Path) -> set[tuple[str | None, str]]:
    with open(po_file, "rb") as po:
        catalog = read_po(po)
    return {
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in catalog
        if message.id
    }


def test_every_string_in_the_code_is_in_each_catalogue_when_extracted_afresh(tmp_path, monkeypatch):
    if shutil.which("xgettext") is None:
        # Like the service markers: skipped on a developer's machine, a failure in CI.
        (pytest.fail if in_ci() else pytest.skip)("needs GNU gettext (apt-get install gettext)")
    # Extract into a copy of the package, as `make messages` does, so the real catalogues are
    # left alone; a string added to the code without `make messages` then fails here.
    package = tmp_path / "oscar_backorders"
    shutil.copytree(
        LOCALE_DIR.parent, package, ignore=shutil.ignore_patterns("locale", "__pycache__")
    )
    (package / "locale").mkdir()
    monkeypatch.chdir(package)
    call_command(
        "makemessages",
        locale=["nl"],
        no_obsolete=True,
        # Oscar's order confirmation, shipped whole: its strings are Oscar's (Oscar translates them).
        ignore_patterns=["templates/oscar/communication/emails/commtype_order_placed_body.*"],
        verbosity=0,
    )
    in_code = _message_ids(package / "locale" / "nl" / "LC_MESSAGES" / "django.po")
    assert len(in_code) > 100
    for locale in ["nl", "zh_Hans", "id"]:
        catalogued = _message_ids(LOCALE_DIR / locale / "LC_MESSAGES" / "django.po")
        missing, stale = (
            sorted(in_code - catalogued, key=str),
            sorted(catalogued - in_code, key=str),
        )
        assert (missing, stale) == ([], []), f"{locale}: run `make messages` and translate"
