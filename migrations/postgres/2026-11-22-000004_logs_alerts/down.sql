DROP TABLE logs_alert_deliveries;
DROP TABLE logs_alert_destinations;
DROP TABLE integrations;
DROP TABLE logs_alert_events;
DROP TABLE logs_alerts;
