"""The hub's HTTP routes, one room per concern: `common` (JSON answers, bodies, origin
and token checks shared by every route), `accounts` (register, login, logout),
`oproute` (ops over HTTP), `status` (health, metrics, the client's page)."""
