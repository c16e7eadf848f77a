"""The shop's order creator: README's snippet for shops that forked ``order``, as README has it."""

from tests.integrator import readme

readme.apply("forked-order-utils", globals())
