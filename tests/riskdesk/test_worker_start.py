import gc

from celery.signals import worker_init

from monitoring.enrichment import model, sentiment


def test_a_starting_worker_loads_enrichment_then_freezes_what_it_holds():
    model.trained_model.cache_clear()
    sentiment._french.cache_clear()
    try:
        worker_init.send(sender=None)
        assert gc.get_freeze_count() > 0
        assert model.trained_model.cache_info().currsize == 1
        assert sentiment._french.cache_info().currsize == 1
    finally:
        gc.unfreeze()
