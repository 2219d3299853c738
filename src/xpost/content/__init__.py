"""One parse of a post body into a typed document (see ``model``)."""
