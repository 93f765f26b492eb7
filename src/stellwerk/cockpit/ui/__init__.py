"""The Cockpit in the browser: server-rendered pages (Jinja2) made live with htmx and server-sent events, over
the same services and permission checks as the JOC API (`/joc/api`), whose handlers the pages call."""
