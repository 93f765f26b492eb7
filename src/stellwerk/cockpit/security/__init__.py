"""Who may call the Cockpit: passwords, sessions, JOC's permissions and folder permissions."""
