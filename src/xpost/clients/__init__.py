"""Thin wire-protocol clients for the platforms xpost publishes to, used by the adapters."""
