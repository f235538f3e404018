from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self):
        from alerting.services import apply_rules, queue_for_stored
        from inbox.services import apply_sla, brand_replies_record
        from monitoring import (
            ownership,
            permissions,  # noqa: F401  (declares the actions)
            pipeline,
            threads,
        )
        from monitoring.enrichment.enricher import enrich_batch

        pipeline.register_step(enrich_batch)
        pipeline.register_step(threads.thread_context)
        pipeline.register_step(apply_rules)
        pipeline.register_step(apply_sla)
        pipeline.register_on_store(brand_replies_record)
        pipeline.register_on_store(threads.fast_threads)
        pipeline.register_on_store(threads.late_replies)
        pipeline.register_on_store(queue_for_stored, on_routing=True)
        ownership.register()
