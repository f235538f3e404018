"""`{% translate "a text" %}` keeps its output, per language and escaping.

Django resolves a translate tag anew on every render, through a lazy string: about 20 µs,
and an inbox page has some eighty. `install` (RiskdeskConfig.ready) makes Django's own
`i18n` library build the tags below instead: a tag whose text is a constant (no variable,
filter, context or `as`) keeps what it rendered; any other renders as Django renders it.
The library keeps its name (a second library named `i18n` is a warning of Django's checks).
"""

from django.templatetags import i18n
from django.utils.translation import get_language


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


def do_translate(parser, token):
    node = i18n.do_translate(parser, token)
    return KeptTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)


def install() -> None:
    """Every template compiled from now on that loads `i18n` builds its translate tags here."""
    i18n.register.tags["translate"] = i18n.register.tags["trans"] = do_translate
