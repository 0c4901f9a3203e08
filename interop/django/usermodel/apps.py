from django.apps import AppConfig


class UsermodelConfig(AppConfig):
    name = "usermodel"
    default_auto_field = "django.db.models.AutoField"
