VirtualHost {{ name }}
{%- for s in settings %}
{{ indent }}{{ s.key }} = {{ s.value }}
{%- endfor %}
