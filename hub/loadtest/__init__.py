"""`kongjian loadtest`: a load tester that also checks correctness — every event must
reach exactly its audience, once, in order. Entry points: `cli.add_parser` / `cli.run`.
See docs/loadtest.md for the design of the accounting."""
