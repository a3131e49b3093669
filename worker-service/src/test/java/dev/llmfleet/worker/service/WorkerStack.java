package dev.llmfleet.worker.service;

import dev.llmfleet.localstack.testing.SharedStack;
import io.quarkus.test.kafka.KafkaCompanionResource;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A worker under test on the run's shared Kafka, with topics and a consumer group of its own (no other test's jobs,
 * no other worker's partitions), a Redis of its own that a test may stop and start again on the same port, and no
 * provider at all: every provider call fails at once (connection refused), so a job ends dead-lettered after
 * {@code fleet.worker.max-attempts} (1) call (the jobs name a model without fallbacks). A short lease, balance pause and commit max age make hours-long
 * situations take seconds. A field annotated {@code @InjectKafkaCompanion} gets a Kafka companion on the shared broker:
 * this resource is a {@link KafkaCompanionResource} that starts no container.
 */
public class WorkerStack extends KafkaCompanionResource {
    static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    static final String JOBS_NORMAL = "test." + SUFFIX + ".jobs.normal";
    static final String RETRY = "test." + SUFFIX + ".jobs.retry";
    static final String BILLING_STATE = "test." + SUFFIX + ".billing.state";
    static final String RESULTS = "test." + SUFFIX + ".results";
    /** The commit strategy's unprocessed-record-max-age here. */
    static final long MAX_AGE_MS = 4_000;

    private static int redisPort;
    private static RedisServer redis;

    @Override
    public void init(Map<String, String> initArgs) {
        // no container: the broker is the run's shared one
    }

    @Override
    public Map<String, String> start() {
        redisPort = freePort();
        startRedis();
        kafkaCompanion = new KafkaCompanion(SharedStack.get().kafkaBootstrapServers());
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", SharedStack.get().kafkaBootstrapServers());
        config.put("quarkus.redis.hosts", "redis://127.0.0.1:" + redisPort);
        config.put("mp.messaging.connector.smallrye-kafka.group.id", "worker-test-" + SUFFIX);
        config.put("mp.messaging.incoming.llm-jobs-high.topic", "test." + SUFFIX + ".jobs.high");
        config.put("mp.messaging.incoming.llm-jobs-normal.topic", JOBS_NORMAL);
        config.put("mp.messaging.incoming.llm-jobs-bulk.topic", "test." + SUFFIX + ".jobs.bulk");
        config.put("mp.messaging.incoming.llm-jobs-retry.topic", RETRY);
        config.put("mp.messaging.outgoing.llm-jobs-retry-out.topic", RETRY);
        config.put("mp.messaging.outgoing.llm-jobs-dlq.topic", "test." + SUFFIX + ".jobs.dlq");
        config.put("mp.messaging.connector.smallrye-kafka.dead-letter-queue.topic", "test." + SUFFIX + ".jobs.dlq");
        config.put("mp.messaging.outgoing.llm-results.topic", RESULTS);
        config.put("mp.messaging.outgoing.llm-usage.topic", "test." + SUFFIX + ".usage");
        config.put("mp.messaging.incoming.billing-state.topic", BILLING_STATE);
        config.put("mp.messaging.connector.smallrye-kafka.throttled.unprocessed-record-max-age.ms", Long.toString(MAX_AGE_MS));
        config.put("fleet.provider.base-url", "http://127.0.0.1:" + freePort() + "/v1");
        config.put("fleet.provider.retry.max-attempts", "1");
        config.put("fleet.worker.max-attempts", "1");
        config.put("fleet.worker.concurrency.initial", "1");
        config.put("fleet.worker.concurrency.max", "1");
        config.put("fleet.worker.lease", "3s");
        config.put("fleet.worker.balance-pause", "1s");
        config.put("fleet.worker.max-hold", "1s");
        config.put("fleet.worker.retry-initial-backoff", "200ms");
        config.put("fleet.worker.retry-max-backoff", "1s");
        // a job's end retries a failing Redis for a minute; seconds here, so a stopped Redis parks the job soon
        config.put("quarkus.fault-tolerance.\"dev.llmfleet.common.jobs.JobStore/finish\".retry.max-duration", "3000");
        config.put("quarkus.fault-tolerance.\"dev.llmfleet.common.jobs.JobStore/finish\".exponential-backoff.max-delay", "1000");
        return config;
    }

    static synchronized void startRedis() {
        try {
            redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
                    .setting("save \"\"").setting("appendonly no").build();
            redis.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized void stopRedis() {
        try {
            redis.stop();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        super.stop(); // closes the companion
        stopRedis();
    }
}
