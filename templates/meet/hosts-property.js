{{ key }}: {{ value }},
