"""xpost: publish on your own site, syndicate everywhere else."""

__version__ = "0.1.0"
