"""Fan-out keyed by the friend graph: who receives an event (audience), the
per-user inboxes and live channels (brokers), and the node's local registry."""
