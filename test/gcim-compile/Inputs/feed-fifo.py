"""feed-fifo.py FIFO FILE CMD...: makes the named pipe FIFO, runs CMD (which reads its input
from it) while a thread writes FILE into it once, then removes FIFO. Exit status: the
command's."""
import os
import subprocess
import sys
import threading


def feed(fifo, path):
    with open(fifo, "wb") as pipe, open(path, "rb") as data:
        pipe.write(data.read())


fifo, path, command = sys.argv[1], sys.argv[2], sys.argv[3:]
os.mkfifo(fifo)
threading.Thread(target=feed, args=(fifo, path), daemon=True).start()
status = subprocess.run(command).returncode
os.remove(fifo)  # a writer still waiting for a reader is a daemon: it ends with us
sys.exit(status)
