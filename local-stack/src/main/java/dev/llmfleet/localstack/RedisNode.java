package dev.llmfleet.localstack;

import redis.embedded.RedisServer;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A real Redis server on a free port: the {@code redis-server} on PATH when there is one (a maintained
 * Redis), otherwise the binary that the {@code embedded-redis} artifact ships (Redis 6.2, no install needed).
 * It never evicts ({@code maxmemory-policy noeviction}): one local Redis serves the fleet's state role,
 * whose job records, ledger and idempotency replays must not vanish, as well as its answer cache.
 * {@link #stop()} and {@link #restart()} keep the port, for fault tests (the data does not survive: no persistence).
 */
public final class RedisNode implements AutoCloseable {
    private final Path dir;
    private final int port;
    private Process process;
    private RedisServer embedded;

    private RedisNode(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    public static RedisNode start(Path dir) throws IOException {
        Files.createDirectories(dir);
        RedisNode node = new RedisNode(dir, Ports.free());
        node.launch();
        return node;
    }

    private void launch() throws IOException {
        Optional<Path> onPath = findOnPath("redis-server");
        if (onPath.isPresent()) {
            process = new ProcessBuilder(List.of(onPath.get().toString(),
                    "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--maxmemory-policy", "noeviction", "--dir", dir.toString(), "--daemonize", "no"))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                    .start();
            if (!Ports.awaitOpen(port, 10_000, process)) {
                stop();
                throw new IllegalStateException("redis-server did not start; see " + dir.resolve("redis.log"));
            }
            return;
        }
        embedded = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").setting("maxmemory-policy noeviction").build();
        embedded.start();
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Which Redis runs: a path to a redis-server binary, or the embedded one. */
    public String flavour() {
        return process != null ? "redis-server on PATH" : "embedded-redis binary";
    }

    /** Stops the server; clients see connections refused on its port until {@link #restart()}. */
    public void stop() {
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

    /** Starts a stopped server again on the same port (empty: nothing is persisted). */
    public void restart() throws IOException {
        if (process != null || embedded != null) {
            throw new IllegalStateException("Redis on port " + port + " is running");
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
        stop();
    }
}
