"""BaseEmailMessage as django-templated-mail 1.1 has it, reduced to what Djoser calls."""
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core import mail
from django.template.context import make_context
from django.template.loader import get_template
from django.template.loader_tags import BlockNode, ExtendsNode
from django.views.generic.base import ContextMixin


class BaseEmailMessage(mail.EmailMultiAlternatives, ContextMixin):
    _node_map = {"subject": "subject", "text_body": "body", "html_body": "html"}
    template_name = None

    def __init__(self, request=None, context=None, template_name=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.context = {} if context is None else context
        self.html = None
        if template_name is not None:
            self.template_name = template_name

    def get_context_data(self, **kwargs):
        context = dict(super().get_context_data(**kwargs), **self.context)
        site = get_current_site(self.request) if self.request else None
        context.update(
            {
                "domain": context.get("domain") or getattr(settings, "DOMAIN", "") or (site and site.domain),
                "protocol": context.get("protocol") or "http",
                "site_name": context.get("site_name") or getattr(settings, "SITE_NAME", "") or (site and site.name),
                "user": context.get("user") or (self.request and self.request.user),
            }
        )
        return context

    def render(self):
        context = make_context(self.get_context_data(), request=self.request)
        template = get_template(self.template_name)
        with context.bind_template(template.template):
            for node in template.template.nodelist:
                self._process_node(node, context)
        if self.body and self.html:
            self.attach_alternative(self.html, "text/html")
        elif self.html:
            self.body, self.content_subtype = self.html, "html"

    def send(self, to, *args, **kwargs):
        self.render()
        self.to = to
        self.from_email = kwargs.pop("from_email", settings.DEFAULT_FROM_EMAIL)
        super().send(*args, **kwargs)

    def _process_node(self, node, context):
        attr = self._node_map.get(getattr(node, "name", ""))
        if isinstance(node, BlockNode) and attr is not None:
            setattr(self, attr, node.render(context).strip())
        elif isinstance(node, ExtendsNode):
            for child in node.nodelist:
                self._process_node(child, context)
