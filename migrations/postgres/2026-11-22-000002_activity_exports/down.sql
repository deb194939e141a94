DROP TABLE exports;
DROP TABLE activity_log;
