"""Time and alerts: the clock crossing an iteration's end, and the alerts webhooks to chat."""
