"""through-fifo.py FIFO CMD...: makes the named pipe FIFO, runs CMD (which writes an output
to it) while a thread reads it, prints what was read, and checks that FIFO is still a pipe,
not a file the command renamed over it. Exit status: the command's, or 1."""
import os
import stat
import subprocess
import sys
import threading

fifo, command = sys.argv[1], sys.argv[2:]
os.mkfifo(fifo)
read = []
reader = threading.Thread(target=lambda: read.append(open(fifo, "rb").read()), daemon=True)
reader.start()
status = subprocess.run(command).returncode
if not stat.S_ISFIFO(os.stat(fifo).st_mode):
    # the reader waits on a pipe nobody opens now: leave it
    print(f"through-fifo: {fifo} is no longer a pipe", file=sys.stderr)
    os.remove(fifo)
    os._exit(1)
while reader.is_alive():  # the command never opened the pipe: end the read
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:  # ENXIO: the reader has not opened it yet, or is done
        pass
    reader.join(0.01)
sys.stdout.buffer.write(read[0])
os.remove(fifo)
sys.exit(status)
