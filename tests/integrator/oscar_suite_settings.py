"""django-oscar's own test settings with the plugin installed exactly as README says.

Loaded by ``run_oscar_suite.py`` as ``DJANGO_SETTINGS_MODULE=oscar_suite_settings`` with a
working copy of Oscar's suite first on ``PYTHONPATH`` (its package is ``tests``).
"""

import readme  # the sibling module, loaded by its plain name on this path

from tests.settings import *  # noqa: F403

readme.apply("settings", globals())
ROOT_URLCONF = "oscar_suite_urls"
