import gc

from celery.signals import worker_init

from monitoring.enrichment import model, sentiment
from riskdesk.celery import prepare_worker


def test_a_starting_worker_loads_enrichment_then_freezes_what_it_holds():
    assert prepare_worker in worker_init._live_receivers(None)
    model.trained_model.cache_clear()
    sentiment._french.cache_clear()
    try:
        prepare_worker()
        assert gc.get_freeze_count() > 0
        assert model.trained_model.cache_info().currsize == 1
        assert sentiment._french.cache_info().currsize == 1
    finally:
        gc.unfreeze()
