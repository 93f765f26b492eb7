"""The Monitor: notifications of failed, warning and long- or short-running jobs and of components lost
(Controller, Agent, Cockpit node), stored, shown and acknowledged through `/joc/api/monitoring/...`, and
delivered by mail, webhook or command (see `service`)."""
