modules_enabled = {
{%- for m in modules %}
{{ indent }}{{ m }};
{%- endfor %}
{{ close_indent }}}
