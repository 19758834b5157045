# Exercise for fixtures whose bump() takes one argument (bad_refleak_argument).
# TOKEN is a module-level global so that the main-config leak check follows its
# reference count (it tracks the exercise file's globals).
TOKEN = object()


def exercise(module):
    """Call bump(TOKEN) once and return the result."""
    return module.bump(TOKEN)
