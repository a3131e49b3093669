package dev.llmfleet.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Kafka (KRaft) and Redis for one run, data in a temp folder that is deleted on close. */
public final class LocalStack implements AutoCloseable {
    private final Path dir;
    private final KafkaBroker kafka;
    private final RedisNode redis;

    private LocalStack(Path dir, KafkaBroker kafka, RedisNode redis) {
        this.dir = dir;
        this.kafka = kafka;
        this.redis = redis;
    }

    /** Starts both servers (on free ports) and creates the topics of docs/ARCHITECTURE.md. */
    public static LocalStack start() {
        Path dir = null;
        RedisNode redis = null;
        try {
            dir = Files.createTempDirectory("llm-fleet-stack-");
            redis = RedisNode.start(dir.resolve("redis"));
            KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"));
            LocalStack stack = new LocalStack(dir, kafka, redis);
            kafka.createTopics();
            return stack;
        } catch (IOException e) {
            cleanUp(dir, redis);
            throw new UncheckedIOException("local stack failed to start", e);
        } catch (InterruptedException e) {
            cleanUp(dir, redis);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the local stack", e);
        } catch (RuntimeException e) {
            cleanUp(dir, redis);
            throw e;
        }
    }

    private static void cleanUp(Path dir, RedisNode redis) {
        if (redis != null) {
            redis.close();
        }
        deleteTree(dir);
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String redisUrl() {
        return redis.url();
    }

    /** The broker, for outage tests that stop and restart it. */
    public KafkaBroker kafka() {
        return kafka;
    }

    /** The Redis, for outage tests that stop and restart it. */
    public RedisNode redis() {
        return redis;
    }

    public String redisFlavour() {
        return redis.flavour();
    }

    @Override
    public void close() {
        try {
            kafka.close();
        } finally {
            redis.close();
            deleteTree(dir);
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage());
        }
    }
}
