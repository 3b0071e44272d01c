"""Keeps writing log records through real loguru into DB until killed: sentinel's crash test load.

usage: loguru_writer.py DB SEED
Several templates at WARNING and ERROR (one matched by the test's ignore rule, one with a traceback),
INFO noise below the minimum level, and every 60 records a brand-new group (a new logger) so every run
has something to investigate. Prints "ready" once the first row is committed.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples"))
from loguru import logger  # noqa: E402
from loguru_sqlite_sink import SQLiteSink  # noqa: E402

WORDS = ("alder aspen birch cedar elm fir hazel larch maple oak pine rowan spruce willow yew acacia balsa "
         "cherry ebony hickory holly juniper laurel linden myrtle olive poplar redwood sequoia teak walnut").split()


class UploadTimeout(Exception):
    pass


def main():
    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed)
    logger.remove()
    logger.add(SQLiteSink(path), level="DEBUG")
    new_groups = 0
    n = 0
    while True:
        n += 1
        pick = rng.random()
        if pick < 0.25:
            logger.bind().patch(lambda r: r.update(name="app.tts", function="synthesize")).error(
                f"Timeout after {rng.randint(5, 60)}s calling {rng.choice(['gemini', 'inworld'])}")
        elif pick < 0.40:
            try:
                raise UploadTimeout(f"upload {n} timed out")
            except UploadTimeout:
                logger.patch(lambda r: r.update(name="app.storage", function="upload")).opt(exception=True).error(
                    f"upload of job {n} failed")
        elif pick < 0.55:
            logger.patch(lambda r: r.update(name="app.jobs", function="retry")).warning(
                f"Retrying upload of job {n} (attempt {rng.randint(1, 5)})")
        elif pick < 0.65:
            logger.patch(lambda r: r.update(name="app.billing", function="webhook")).error(
                f"payment webhook returned {rng.choice([500, 502, 503])} for order {rng.randint(1000, 9999)}")
        elif pick < 0.75:
            logger.patch(lambda r: r.update(name="app.queue", function="watch")).warning(
                f"queue depth {rng.randint(100, 900)} above 100")
        else:
            logger.patch(lambda r: r.update(name="app.worker", function="loop")).info(f"job {n} done")
        if n % 60 == 0:
            word = f"{WORDS[new_groups % len(WORDS)]}_{WORDS[new_groups // len(WORDS) % len(WORDS)]}"
            new_groups += 1
            logger.patch(lambda r, w=word: r.update(name=f"app.feature.{w}", function="check")).error(
                f"feature check failed for user {rng.randint(1, 500)}")
        if n == 1:
            print("ready", flush=True)
        time.sleep(0.004)


main()
