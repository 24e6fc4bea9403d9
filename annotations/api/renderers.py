"""The browsable API renderer, fitted to the site's Content-Security-Policy."""

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages without inline <style>, and with their style attributes.

    The pygments CSS DRF inlines styles `.highlight` blocks of markdown view
    descriptions, which these views do not have. The few `style="float: right"`
    attributes are allowed on these pages only (`style-src-attr`): scripts and
    style sheets stay limited to the app's own files.
    """

    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["style-src-attr"] = [UNSAFE_INLINE]
            response._csp_update = update
        return super().render(data, accepted_media_type, renderer_context)
