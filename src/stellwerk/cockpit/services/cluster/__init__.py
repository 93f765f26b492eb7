"""The Cockpit cluster: several Cockpits on one database, one of which runs the background services."""
