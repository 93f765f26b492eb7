"""The Cockpit's background services and the operations its routers share."""
