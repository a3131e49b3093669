package dev.llmfleet.localstack;

import redis.embedded.RedisServer;

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

/**
 * A real Redis server on a free port: the {@code redis-server} on PATH when there is one (a maintained
 * Redis), otherwise the binary that the {@code embedded-redis} artifact ships (Redis 6.2, no install needed).
 * It never evicts ({@code maxmemory-policy noeviction}): one local Redis serves the fleet's state role,
 * whose job records, ledger and idempotency replays must not vanish, as well as its answer cache.
 * It can be stopped and restarted on the same port with its data, for outage tests.
 */
public final class RedisNode implements AutoCloseable {
    private static final long STOP_TIMEOUT_MS = 30_000;
    private final int port;
    private final Path dir;
    /** The redis-server on PATH, or null for the embedded binary. */
    private final Path binary;
    private Process process;
    private RedisServer embedded;

    private RedisNode(int port, Path dir, Path binary) {
        this.port = port;
        this.dir = dir;
        this.binary = binary;
    }

    public static RedisNode start(Path dir) throws IOException {
        Files.createDirectories(dir);
        RedisNode node = new RedisNode(Ports.free(), dir, findOnPath("redis-server").orElse(null));
        node.launch();
        return node;
    }

    private void launch() throws IOException {
        // no save points and no AOF: nothing is written unless stop() asks for a snapshot
        if (binary != null) {
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
            return;
        }
        embedded = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").setting("maxmemory-policy noeviction")
                .setting("dir " + dir).build();
        embedded.start();
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Which Redis runs: a path to a redis-server binary, or the embedded one. */
    public String flavour() {
        return binary != null ? "redis-server on PATH" : "embedded-redis binary";
    }

    /**
     * Stops Redis the way a restart with persistence does: {@code SHUTDOWN SAVE} writes a snapshot to this node's folder
     * and exits, so {@link #restart()} comes back with the same keys. Clients see connections refused meanwhile.
     */
    public void stop() {
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
    public void restart() throws IOException {
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
    public void close() {
        if (process != null) {
            JavaProcess.stop(process, 5);
            process = null;
        }
        if (embedded != null) {
            try {
                embedded.stop();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("could not stop embedded Redis", e);
            } finally {
                embedded = null;
            }
        }
    }
}
