from django.shortcuts import render


def render_page(request, page_template: str, fragment_template: str, context: dict):
    """Render the whole page, or only its fragment when htmx asks for it.

    The fragment lives beside the page and is included by it, so both render
    the same markup.
    """
    is_partial = request.htmx and not request.htmx.boosted
    return render(request, fragment_template if is_partial else page_template, context)
