import oscar.apps.partner.apps as apps


class PartnerConfig(apps.PartnerConfig):
    name = "tests.forked_shop.partner"
