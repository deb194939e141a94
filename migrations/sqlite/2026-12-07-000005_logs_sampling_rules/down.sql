DROP TABLE logs_sampling_rule_counters;
DROP TABLE logs_sampling_rules;
