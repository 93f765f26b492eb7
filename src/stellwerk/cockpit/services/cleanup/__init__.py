"""The Cleanup service: purges history, logs, Daily Plan, audit log and deployment history past their retention."""
