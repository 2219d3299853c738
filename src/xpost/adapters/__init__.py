"""Platform adapters, found through the ``xpost.adapters`` entry-point group."""
