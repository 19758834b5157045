def exercise(module):
    """The exercise the integration tests run on every fixture: call bump() once and return the result."""
    return module.bump()
