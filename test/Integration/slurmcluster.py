#!/usr/bin/python3
"""slurmcluster.py: a one-node Slurm cluster on localhost for a test, started and stopped
by the test itself: its own munge daemon (a fresh key, a private socket), slurmctld and
slurmd from Debian's slurm-wlm, all state in one temporary folder and on free ports, so
that it touches no system service. Use as `with SlurmCluster(folder) as cluster:` and run
Slurm's commands with `cluster.env`; leaving the block stops every daemon it started."""
import os
import shutil
import socket
import subprocess
import time

DAEMONS = ("/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd")


class SlurmUnavailable(Exception):
    """The cluster could not start; the message says why."""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, seconds, log=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = ""
    if log and os.path.exists(log):
        with open(log, errors="replace") as f:
            tail = "\n" + "".join(f.readlines()[-15:])
    raise SlurmUnavailable(f"{what} did not come up within {seconds} s{tail}")


class SlurmCluster:
    def __init__(self, folder, cpus=2):
        self.folder = os.path.abspath(folder)
        self.cpus = cpus
        self.processes = []
        self.env = dict(os.environ)

    def _start(self, args, log):
        with open(log, "ab") as out:
            self.processes.append(subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                                   env=self.env))

    def _write_config(self, munge_socket):
        node = socket.gethostname().split(".")[0]
        spool = os.path.join(self.folder, "spool")
        os.makedirs(spool, exist_ok=True)
        config = os.path.join(self.folder, "slurm.conf")
        with open(config, "w") as f:
            f.write(f"""ClusterName=gcimtest
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={munge_socket}
StateSaveLocation={spool}/ctld
SlurmdSpoolDir={spool}/d
SlurmctldPidFile={self.folder}/slurmctld.pid
SlurmdPidFile={self.folder}/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
SlurmctldLogFile={self.folder}/slurmctld.log
SlurmdLogFile={self.folder}/slurmd.log
NodeName={node} NodeAddr=127.0.0.1 CPUs={self.cpus} State=UNKNOWN
PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP
""")
        return config

    def __enter__(self):
        missing = [d for d in DAEMONS if not os.path.exists(d)]
        if missing:
            raise SlurmUnavailable(f"not installed: {', '.join(missing)} (utils/install-deps.sh "
                                   "installs slurm-wlm and munge)")
        os.makedirs(self.folder, exist_ok=True)
        try:
            self._start_daemons()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start_daemons(self):
        munge = os.path.join(self.folder, "munge")
        os.makedirs(munge, mode=0o700, exist_ok=True)
        key = os.path.join(munge, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o600)
        munge_socket = os.path.join(munge, "munge.socket")
        # --force: the test may run as root, which munged refuses without it.
        self._start(["/usr/sbin/munged", "--foreground", "--force", f"--key-file={key}",
                     f"--socket={munge_socket}", f"--pid-file={munge}/munged.pid",
                     f"--seed-file={munge}/munged.seed", f"--log-file={munge}/munged.log"],
                    os.path.join(munge, "munged.out"))
        wait_for("munged", lambda: os.path.exists(munge_socket), 20,
                 os.path.join(munge, "munged.out"))
        config = self._write_config(munge_socket)
        self.env["SLURM_CONF"] = config
        self._start(["/usr/sbin/slurmctld", "-D", "-i", "-f", config],
                    os.path.join(self.folder, "slurmctld.out"))
        self._start(["/usr/sbin/slurmd", "-D", "-f", config],
                    os.path.join(self.folder, "slurmd.out"))
        wait_for("the node (sinfo: idle)", self._idle, 60,
                 os.path.join(self.folder, "slurmd.log"))

    def _idle(self):
        for p in self.processes:
            if p.poll() is not None:
                raise SlurmUnavailable(f"{p.args[0]} exited with {p.returncode}: see "
                                       f"{self.folder}")
        state = subprocess.run(["sinfo", "-h", "-o", "%T"], env=self.env, capture_output=True,
                               text=True)
        return state.returncode == 0 and state.stdout.strip() == "idle"

    def __exit__(self, *exc):
        for p in reversed(self.processes):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.processes = []
        return False


if __name__ == "__main__":
    import sys
    import tempfile
    with tempfile.TemporaryDirectory(prefix="gcim-slurm-") as tmp:
        with SlurmCluster(tmp) as cluster:
            out = subprocess.run(["srun", "hostname"], env=cluster.env, capture_output=True,
                                 text=True, timeout=60)
            print("srun:", out.returncode, out.stdout.strip(), out.stderr.strip())
            shutil.copy(os.path.join(tmp, "slurmd.log"), "/tmp/rpt-slurmd.log")
        sys.exit(out.returncode)
