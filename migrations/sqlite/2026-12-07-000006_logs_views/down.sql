DROP TABLE logs_views;
