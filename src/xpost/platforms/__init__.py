"""The built-in platforms, each one package shaped as an out-of-tree adapter is:
its settings, renderer, wire client and sending side together, depending only on
the adapter API and the shared libraries (content, render, clients)."""
