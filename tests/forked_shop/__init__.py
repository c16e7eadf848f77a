"""A shop that forked Oscar's ``partner`` and ``order`` apps and composes the plugin's mixins
itself (README, "Integration routes"), instead of using the plugin's class loader."""
