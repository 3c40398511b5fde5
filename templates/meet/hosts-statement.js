config.hosts.{{ key }} = {{ value }};
