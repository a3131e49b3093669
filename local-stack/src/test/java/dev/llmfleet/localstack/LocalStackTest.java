package dev.llmfleet.localstack;

import dev.llmfleet.common.messaging.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
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
    void kafkaRoundTrip() {
        String topic = "roundtrip-" + UUID.randomUUID();
        String value = "hello " + UUID.randomUUID();
        try (var producer = new KafkaProducer<String, String>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                for (var record : records) {
                    assertThat(record.value()).isEqualTo(value);
                    return;
                }
            }
        }
        throw new AssertionError("record not consumed within 30 s");
    }

    @Test
    void redisRoundTrip() throws Exception {
        URI uri = URI.create(stack.redisUrl());
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.write("*3\r\n$3\r\nSET\r\n$5\r\nfleet\r\n$2\r\nok\r\n".getBytes(StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("+OK");
            out.write("*2\r\n$3\r\nGET\r\n$5\r\nfleet\r\n".getBytes(StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("$2");
            assertThat(in.readLine()).isEqualTo("ok");
        }
    }
}
