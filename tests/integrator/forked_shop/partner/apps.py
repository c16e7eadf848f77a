import oscar.apps.partner.apps as apps


class PartnerConfig(apps.PartnerConfig):
    name = "tests.integrator.forked_shop.partner"
