"""Django's `i18n` template library, with the output of `{% translate "a text" %}` kept.

Settings map `{% load i18n %}` here. Every tag and filter is Django's; only a translate tag
whose text is a constant (no variable, filter, context or `as`) keeps what it rendered, per
language and escaping: Django resolves such a tag anew on every render through a lazy string
(about 20 µs; an inbox page has some eighty).
"""

from django import template
from django.templatetags import i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


class KeptTranslateNode(i18n.TranslateNode):
    def __init__(self, filter_expression, noop, asvar=None, message_context=None):
        super().__init__(filter_expression, noop, asvar, message_context)
        text = self.filter_expression
        self.constant = (
            asvar is None
            and message_context is None
            and not text.filters
            and text.var.literal is not None
        )
        self.kept: dict[tuple[str | None, bool], str] = {}

    def render(self, context):
        if not self.constant:
            return super().render(context)
        key = (get_language(), context.autoescape)
        value = self.kept.get(key)
        if value is None:
            value = self.kept[key] = super().render(context)
        return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = i18n.do_translate(parser, token)
    return KeptTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)
