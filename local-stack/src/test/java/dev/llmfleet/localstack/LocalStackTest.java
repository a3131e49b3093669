package dev.llmfleet.localstack;

import dev.llmfleet.common.messaging.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The local stack starts a real broker and a real Redis, creates the topics, and cleans up after itself. */
class LocalStackTest {
    private static LocalStack stack;

    @BeforeAll
    static void start() {
        stack = LocalStack.start();
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void createsEveryDesignTopicWithItsPartitions() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers()))) {
            Set<String> names = admin.listTopics().names().get();
            for (Topics.TopicSpec spec : Topics.ALL) {
                assertThat(names).contains(spec.name());
                int partitions = admin.describeTopics(List.of(spec.name())).allTopicNames().get()
                        .get(spec.name()).partitions().size();
                assertThat(partitions).as(spec.name()).isEqualTo(spec.partitions());
            }
        }
    }

    @Test
    void kafkaRoundTrip() throws Exception {
        String topic = "roundtrip-" + UUID.randomUUID();
        String value = "hello " + UUID.randomUUID();
        produce(topic, value);
        assertThat(consumeFirst(topic)).isEqualTo(value);
    }

    @Test
    void redisRoundTrip() throws Exception {
        redisSet("fleet", "ok");
        assertThat(redisGet("fleet")).isEqualTo("ok");
    }

    /** What the outage tests rely on: both servers come back on the same port with what they held. */
    @Test
    void kafkaAndRedisRestartOnTheSamePortWithTheirData() throws Exception {
        String topic = "restart-" + UUID.randomUUID();
        String value = "kept " + UUID.randomUUID();
        produce(topic, value);
        redisSet("restart", value);
        String bootstrap = stack.kafkaBootstrapServers();
        String redisUrl = stack.redisUrl();

        stack.kafka().stop();
        stack.redis().stop();
        assertThat(Ports.busy(URI.create("tcp://" + bootstrap).getPort())).as("Kafka's port while stopped").isFalse();
        assertThat(Ports.busy(URI.create(redisUrl).getPort())).as("Redis's port while stopped").isFalse();
        stack.kafka().restart();
        stack.redis().restart();

        assertThat(stack.kafkaBootstrapServers()).isEqualTo(bootstrap);
        assertThat(stack.redisUrl()).isEqualTo(redisUrl);
        assertThat(redisGet("restart")).isEqualTo(value);
        assertThat(consumeFirst(topic)).isEqualTo(value);
    }

    private static void produce(String topic, String value) throws Exception {
        try (var producer = new KafkaProducer<String, String>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get();
        }
    }

    private static String consumeFirst(String topic) {
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    return record.value();
                }
            }
        }
        throw new AssertionError("nothing consumed from " + topic + " within 60 s");
    }

    private static void redisSet(String key, String value) throws Exception {
        assertThat(redis("*3\r\n$3\r\nSET\r\n" + bulk(key) + bulk(value), 1)).containsExactly("+OK");
    }

    private static String redisGet(String key) throws Exception {
        return redis("*2\r\n$3\r\nGET\r\n" + bulk(key), 2).get(1);
    }

    private static String bulk(String s) {
        return "$" + s.getBytes(StandardCharsets.UTF_8).length + "\r\n" + s + "\r\n";
    }

    /** Sends one RESP command and reads {@code lines} reply lines. */
    private static List<String> redis(String command, int lines) throws Exception {
        URI uri = URI.create(stack.redisUrl());
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.write(command.getBytes(StandardCharsets.UTF_8));
            List<String> reply = new java.util.ArrayList<>();
            for (int i = 0; i < lines; i++) {
                reply.add(in.readLine());
            }
            return reply;
        }
    }
}
