package dev.llmfleet.localstack;

import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Redis server on a free port: the {@code redis-server} on PATH when there is one (a maintained
 * Redis), otherwise the binary that the {@code embedded-redis} artifact ships (Redis 6.2, no install needed).
 * It never evicts ({@code maxmemory-policy noeviction}): one local Redis serves the fleet's state role,
 * whose job records, ledger and idempotency replays must not vanish, as well as its answer cache.
 * It can be stopped and restarted on the same port with its data, and paused and resumed, for outage tests.
 */
public final class RedisNode implements AutoCloseable {
    private static final long STOP_TIMEOUT_MS = 30_000;
    private final int port;
    private final Path dir;
    /** The redis-server binary this node runs. */
    private final Path binary;
    private final boolean onPath;
    private Process process;
    private boolean paused;

    private RedisNode(int port, Path dir, Path binary, boolean onPath) {
        this.port = port;
        this.dir = dir;
        this.binary = binary;
        this.onPath = onPath;
    }

    public static RedisNode start(Path dir) throws IOException {
        Files.createDirectories(dir);
        Optional<Path> onPath = findOnPath("redis-server");
        Path binary = onPath.isPresent() ? onPath.get() : ExecutableProvider.newJarResourceProvider().get().toPath();
        RedisNode node = new RedisNode(Ports.free(), dir, binary, onPath.isPresent());
        node.launch();
        // a JVM that exits without closing the node does not leave its server behind
        Runtime.getRuntime().addShutdownHook(new Thread(node::close, "redis-node-" + node.port));
        return node;
    }

    private void launch() throws IOException {
        // no save points and no AOF: nothing is written unless stop() asks for a snapshot
        process = new ProcessBuilder(List.of(binary.toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--maxmemory-policy", "noeviction", "--dir", dir.toString(), "--daemonize", "no"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                .start();
        if (!Ports.awaitOpen(port, 10_000, process)) {
            close();
            throw new IllegalStateException("redis-server did not start; see " + dir.resolve("redis.log"));
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Which Redis runs: a redis-server on PATH, or the binary the embedded-redis artifact ships. */
    public String flavour() {
        return onPath ? "redis-server on PATH" : "embedded-redis binary";
    }

    /**
     * Freezes the server (SIGSTOP) the way a stalled Redis looks to its clients: connections stay open and new ones are
     * still accepted by the kernel, but no command is answered until {@link #resume()}.
     */
    public synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    /** Lets a {@link #pause() paused} server run again (SIGCONT); it answers every command sent meanwhile. */
    public synchronized void resume() {
        signal("CONT");
        paused = false;
    }

    private void signal(String name) {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException("Redis on port " + port + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not signal Redis on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling Redis on port " + port, e);
        }
    }

    /**
     * Stops Redis the way a restart with persistence does: {@code SHUTDOWN SAVE} writes a snapshot to this node's folder
     * and exits, so {@link #restart()} comes back with the same keys. Clients see connections refused meanwhile.
     */
    public synchronized void stop() {
        if (paused) {
            resume();
        }
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = socket.getOutputStream();
            out.write("*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // an error reply leaves the connection open: do not wait on it longer than on the shutdown itself
            socket.setSoTimeout((int) STOP_TIMEOUT_MS);
            InputStream in = socket.getInputStream();
            // a successful SHUTDOWN answers nothing: the server closes the connection as it exits
            while (in.read() >= 0) {
                // an error reply would end in the log below, as the port stays open
            }
        } catch (IOException e) {
            // not running (or gone while answering): nothing to save
        }
        long deadline = System.currentTimeMillis() + STOP_TIMEOUT_MS;
        while (Ports.busy(port)) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("Redis on port " + port + " did not shut down within 30 s");
            }
            Ports.sleep(50);
        }
        close();
    }

    /** Starts the stopped Redis again on the same port, loading the snapshot {@link #stop()} wrote. */
    public synchronized void restart() throws IOException {
        if (Ports.busy(port)) {
            throw new IllegalStateException("Redis is still running on port " + port);
        }
        launch();
    }

    private static Optional<Path> findOnPath(String binary) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, binary);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            if (paused) {
                resume(); // a stopped process would not act on SIGTERM
            }
            JavaProcess.stop(process, 5);
            process = null;
        }
    }
}
