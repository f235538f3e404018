"""The cost of enriching a mention, as `risk_quality` reports it.

Each round runs in a fresh process started as a worker starts (riskdesk.celery.prepare_worker:
what it holds by then, the labelled set included, frozen out of the garbage collector's sight):
enrichment warms on the training split (its caches of words, lemmas and authors fill as in a
running worker), then one pass over the test split, texts it has not seen, is timed: the
`Enricher.enrich` calls only, the mentions being built from the labelled rows before the clock
starts (in a worker, connectors build them). On a shared 2-core machine one pass varies by a
fifth from run to run, so the figure is the median of a few rounds.
"""

import multiprocessing
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

ROUNDS = 5


def us_per_mention(rounds: int = ROUNDS) -> tuple[float, list[float]]:
    """(median, every round) in microseconds a mention."""
    spawn = multiprocessing.get_context("spawn")
    timings = []
    for _ in range(rounds):
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as fresh:
            timings.append(fresh.submit(_timed_pass).result())
    return statistics.median(timings), timings


def _timed_pass() -> float:
    import django

    django.setup()
    from monitoring.enrichment.evaluation import enrich_rows, evaluation_enricher, mention_of
    from monitoring.enrichment.training import load_labelled, split
    from riskdesk.celery import prepare_worker

    train_rows, test_rows = split(load_labelled())
    enricher = evaluation_enricher()
    prepare_worker()
    enrich_rows(train_rows, enricher)
    mentions = [mention_of(row) for row in test_rows]
    started = time.perf_counter()
    for mention in mentions:
        enricher.enrich(mention)
    return (time.perf_counter() - started) / len(mentions) * 1e6
