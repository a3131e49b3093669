package dev.llmfleet.localstack;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

import dev.llmfleet.common.messaging.Topics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache Kafka broker in KRaft mode (combined broker and controller) in a child JVM.
 * A child JVM, not in-process: the broker's memory and threads stay out of the test or launcher JVM,
 * and a SIGKILL test of a service never takes the broker with it.
 */
public final class KafkaBroker implements AutoCloseable {
    private final int port;
    private final Path config;
    private final Path log;
    private Process process;

    private KafkaBroker(int port, Path config, Path log) {
        this.port = port;
        this.config = config;
        this.log = log;
    }

    /** Formats storage in {@code dir}, starts the broker on a free port and waits until it accepts clients. */
    public static KafkaBroker start(Path dir) throws IOException, InterruptedException {
        int port = Ports.free();
        int controllerPort = Ports.free();
        Path config = dir.resolve("server.properties");
        Files.createDirectories(dir);
        Properties props = new Properties();
        props.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("log.dirs", dir.resolve("data").toString()),
                Map.entry("num.partitions", "3"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "10"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // the default 128 MiB dedupe buffer silently kills a small-heap broker
                Map.entry("log.cleaner.dedupe.buffer.size", "4194304"),
                Map.entry("auto.create.topics.enable", "true")));
        try (var out = Files.newBufferedWriter(config)) {
            props.store(out, "LLM Fleet local stack");
        }
        Path log = dir.resolve("kafka.log");
        String clusterId = Uuid.randomUuid().toString();
        Process format = JavaProcess.builder("kafka.tools.StorageTool", List.of("format", "-t", clusterId, "-c", config.toString()), "-Xmx128m")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
            format.destroyForcibly();
            throw new IllegalStateException("Kafka storage format failed; its log ends with:\n" + tail(log, 30));
        }
        KafkaBroker kafka = new KafkaBroker(port, config, log);
        kafka.launch();
        return kafka;
    }

    /** Starts the broker process on the formatted storage and waits until its port accepts clients. */
    private void launch() throws IOException {
        process = JavaProcess.builder(KafkaBrokerMain.class.getName(), List.of(config.toString()), "-Xmx512m")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        if (!Ports.awaitOpen(port, 180_000, process)) {
            stop();
            // the folder is deleted on failure: carry the log's end in the message
            throw new IllegalStateException("Kafka did not start within 180 s; its log ends with:\n" + tail(log, 30));
        }
    }

    /**
     * Stops the broker (SIGTERM, a clean shutdown); clients see it unreachable until {@link #restart()}.
     * For fault tests: an outage of the whole cluster, as a client sees it.
     */
    public void stop() {
        JavaProcess.stop(process, 15);
        process = null;
    }

    /** Starts a stopped broker again on the same ports and data directory: topics, records and offsets survive. */
    public void restart() throws IOException {
        if (process != null) {
            throw new IllegalStateException("the broker on port " + port + " is running");
        }
        launch();
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Creates the topics of docs/ARCHITECTURE.md (idempotent: existing ones are left alone). */
    public void createTopics() throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            List<NewTopic> topics = Topics.ALL.stream().map(spec -> {
                NewTopic topic = new NewTopic(spec.name(), spec.partitions(), (short) 1);
                return spec.compacted() ? topic.configs(Map.of("cleanup.policy", "compact")) : topic;
            }).toList();
            for (var entry : admin.createTopics(topics).values().entrySet()) {
                try {
                    entry.getValue().get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("could not create topic " + entry.getKey(), e.getCause());
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("timed out creating topic " + entry.getKey(), e);
                }
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

}
