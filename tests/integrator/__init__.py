"""A shop that is not our sandbox: README's install steps applied to other people's settings.

``readme.py`` reads the install snippets out of README.md (so tests follow README), and
``run_oscar_suite.py`` runs django-oscar's own test suite with those snippets applied.
"""
