import pytest

from oscar_backorders.supply.checks import check_supply_settings


def test_default_supply_settings_pass_the_checks():
    assert check_supply_settings() == []


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("BACKORDERS_SERVICE_LEVEL", 1.2, "oscar_backorders.E101"),
        ("BACKORDERS_SERVICE_LEVEL", "high", "oscar_backorders.E101"),
        ("BACKORDERS_PRIORITY_ORDER", "nowhere.Order", "oscar_backorders.E102"),
        ("BACKORDERS_INBOUND_ALLOWANCE", -1, "oscar_backorders.E103"),
        ("BACKORDERS_DEMAND_WINDOW_DAYS", 0, "oscar_backorders.E103"),
    ],
)
def test_bad_supply_setting_is_reported_with_its_name(settings, name, value, check_id):
    setattr(settings, name, value)
    errors = check_supply_settings()
    assert [e.id for e in errors] == [check_id]
    assert name in errors[0].msg
