"""A separate process that votes: ``python voter_process.py URL ROOM ROUND_ID THREADS FILE``
with one token code per line in FILE. For each token it redeems the code, votes for the round's
first option, and prints ``ok <ballot_id>`` only after the vote committed (then flushes),
or ``refused <message>`` (``error <type>`` when the database itself fails). The tests kill
it part-way, crash its database server, or run several at once."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from geo.deliberation.codes import new_device_secret
from geo.deliberation.database import DatabaseSettings
from geo.deliberation.model import DeliberationError
from geo.deliberation.store import DeliberationStore


def main() -> int:
    url, room, round_id = sys.argv[1:4]
    threads = int(sys.argv[4])
    codes_file = Path(sys.argv[5])
    codes = [line.strip() for line in codes_file.read_text("utf-8").splitlines() if line.strip()]
    codes_file.unlink()
    store = DeliberationStore(DatabaseSettings(url=url))
    box = store.ballot_box()
    option = store.round(round_id).option_ids[0]
    lock = threading.Lock()

    def vote(code: str) -> None:
        try:
            ballot = box.redeem_token(room, code, new_device_secret())
            receipt = box.cast(ballot, round_id, [option])
            line = f"ok {receipt.ballot_id}"
        except DeliberationError as exc:
            line = f"refused {exc}"
        except Exception as exc:  # the database server went away: keep going, say so
            line = f"error {type(exc).__name__}"
        with lock:
            print(line, flush=True)

    chunks = [codes[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=lambda c=c: [vote(x) for x in c]) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
