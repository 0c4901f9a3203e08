"""A stand-in for django-templated-mail, which Djoser imports and Debian does not package: the
part Djoser uses (BaseEmailMessage), rendering a template's subject, text_body and html_body
blocks into a multipart message."""
