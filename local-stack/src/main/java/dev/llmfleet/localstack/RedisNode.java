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
 */
public final class RedisNode implements AutoCloseable {
    private final int port;
    private final Process process;
    private final RedisServer embedded;

    private RedisNode(int port, Process process, RedisServer embedded) {
        this.port = port;
        this.process = process;
        this.embedded = embedded;
    }

    public static RedisNode start(Path dir) throws IOException {
        Files.createDirectories(dir);
        int port = Ports.free();
        Optional<Path> onPath = findOnPath("redis-server");
        if (onPath.isPresent()) {
            Process process = new ProcessBuilder(List.of(onPath.get().toString(),
                    "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", dir.toString(), "--daemonize", "no"))
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.log").toFile())
                    .start();
            RedisNode node = new RedisNode(port, process, null);
            if (!Ports.awaitOpen(port, 10_000, process)) {
                node.close();
                throw new IllegalStateException("redis-server did not start; see " + dir.resolve("redis.log"));
            }
            return node;
        }
        RedisServer server = RedisServer.newRedisServer().port(port).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").build();
        server.start();
        return new RedisNode(port, null, server);
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Which Redis runs: a path to a redis-server binary, or the embedded one. */
    public String flavour() {
        return process != null ? "redis-server on PATH" : "embedded-redis binary";
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
        }
        if (embedded != null) {
            try {
                embedded.stop();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("could not stop embedded Redis", e);
            }
        }
    }
}
