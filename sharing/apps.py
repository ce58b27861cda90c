from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing and audit"

    def ready(self) -> None:
        from sharing import auth_events

        auth_events.connect()
