from django.contrib.auth.hashers import Argon2PasswordHasher


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with minimal cost, used only by the test suite."""

    time_cost = 1
    memory_cost = 256
    parallelism = 1
