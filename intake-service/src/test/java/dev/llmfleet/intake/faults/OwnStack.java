package dev.llmfleet.intake.faults;

import dev.llmfleet.localstack.KafkaBroker;
import dev.llmfleet.localstack.KafkaBrokerMain;
import dev.llmfleet.localstack.Ports;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Kafka broker and a Redis of the fault tests' own (stopping the shared ones would break every other test),
 * each of which a test may stop and start again on the same port with its data, as an outage does.
 * Stand-in until local-stack's KafkaBroker gains stop()/restart() (in progress on another branch): the broker is
 * started by {@link KafkaBroker} and restarted here from the configuration and storage it left in its folder.
 */
public final class OwnStack implements AutoCloseable {
    private final Path dir;
    private final KafkaBroker firstBroker;
    private final RedisServer redis;
    private final int redisPort;
    private Process restartedBroker;

    private OwnStack(Path dir, KafkaBroker firstBroker, RedisServer redis, int redisPort) {
        this.dir = dir;
        this.firstBroker = firstBroker;
        this.redis = redis;
        this.redisPort = redisPort;
    }

    public static OwnStack start() {
        try {
            Path dir = Files.createTempDirectory("intake-faults-");
            int redisPort = Ports.free();
            RedisServer redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
                    .setting("save \"\"").setting("appendonly no").build();
            redis.start();
            KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"));
            kafka.createTopics();
            return new OwnStack(dir, kafka, redis, redisPort);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String kafkaBootstrapServers() {
        return firstBroker.bootstrapServers();
    }

    public String redisUrl() {
        return "redis://127.0.0.1:" + redisPort;
    }

    /** Stops the broker (SIGTERM, as an orchestrator does) and waits until it is gone. */
    public synchronized void stopKafka() {
        firstBroker.close();
        if (restartedBroker != null) {
            restartedBroker.destroy();
            try {
                if (!restartedBroker.waitFor(30, TimeUnit.SECONDS)) {
                    restartedBroker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            restartedBroker = null;
        }
    }

    /** Starts the broker again on its port, with the topics and records it had. */
    public synchronized void restartKafka() {
        Path kafkaDir = dir.resolve("kafka");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        try {
            restartedBroker = new ProcessBuilder(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    KafkaBrokerMain.class.getName(), kafkaDir.resolve("server.properties").toString()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(kafkaDir.resolve("kafka.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int port = Integer.parseInt(kafkaBootstrapServers().substring(kafkaBootstrapServers().lastIndexOf(':') + 1));
        if (!Ports.awaitOpen(port, 180_000, restartedBroker)) {
            throw new IllegalStateException("Kafka did not restart; see " + kafkaDir.resolve("kafka.log"));
        }
    }

    /** Stops Redis (its data is gone, as with a Redis restarted without persistence). */
    public synchronized void stopRedis() {
        try {
            redis.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void restartRedis() {
        try {
            redis.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            stopKafka();
        } finally {
            stopRedis();
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e.getMessage());
        }
    }
}
