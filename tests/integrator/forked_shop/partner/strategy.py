"""The shop's strategy: README's snippet for shops that forked ``partner``, as README has it."""

from tests.integrator import readme

readme.apply("forked-partner-strategy", globals())
