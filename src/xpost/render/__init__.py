"""What several adapters share: the Markdown emitter and X's text rules."""
