{{ key }} = {{ value }}
