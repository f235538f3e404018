"""Rules, channels, notifications and spikes are not in the admin: they change through the
audited pages and API (a channel's secret is never shown back), as monitoring's are."""
