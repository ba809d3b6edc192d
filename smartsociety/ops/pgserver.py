"""A local PostgreSQL server in a directory of its own: the suite's throwaway one and `make serve`'s."""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(
            f"PostgreSQL's {name} not found; `make test` installs Debian's postgresql package"
        )
    return found[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """initdb + pg_ctl start on 127.0.0.1; as root, the server runs as the `postgres` user.

    Without `root` it lives in a fresh temporary directory; with one, it keeps its data there
    (initialised once) so `make serve` finds its database again next time."""

    def __init__(self, root: str | None = None, port: int | None = None,
                 durable: bool = False) -> None:
        # The suite's server trades durability for speed; `make serve`'s keeps its data safe.
        self.extra_options = "-c max_connections=200" + (
            "" if durable else " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.root = root or tempfile.mkdtemp(prefix="smartsociety-pg-")
        os.makedirs(self.root, exist_ok=True)
        self.data = os.path.join(self.root, "data")
        self.port = port or _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, cwd=self.root)

    def running(self) -> bool:
        status = subprocess.run([*self.as_user, _bin("pg_ctl"), "-D", self.data, "status"],
                                capture_output=True, cwd=self.root)
        return status.returncode == 0

    def start(self) -> "PostgresServer":
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self._initdb()
        elif self.running():
            # Left running by an earlier `make serve` that was killed: restart on our port.
            self.stop("fast")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 {self.extra_options}"
        )
        self._run(_bin("pg_ctl"), "-D", self.data, "-o", options, "-w", "-t", "60",
                  "-l", os.path.join(self.root, "log"), "start")
        return self

    def _initdb(self) -> None:
        self._run(_bin("initdb"), "-D", self.data, "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")

    def create_database(self, name: str, exist_ok: bool = False) -> str:
        try:
            self._run(_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                      name)
        except subprocess.CalledProcessError as exc:
            if not (exist_ok and b"already exists" in exc.stderr):
                raise
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self, mode: str = "immediate") -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop")
        except subprocess.CalledProcessError:
            pass

    def destroy(self) -> None:
        self.stop()
        for _ in range(20):
            try:
                shutil.rmtree(self.root)
                return
            except OSError:
                time.sleep(0.1)
