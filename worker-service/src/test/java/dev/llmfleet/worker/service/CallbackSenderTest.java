package dev.llmfleet.worker.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.llmfleet.common.jobs.JobCompleted;
import dev.llmfleet.common.jobs.JobStatus;
import dev.llmfleet.worker.client.CallbackClient;
import dev.llmfleet.worker.config.WorkerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.vertx.mutiny.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A callback host that resolves inside the network is refused at send time, before any connection. */
class CallbackSenderTest {
    private final Vertx vertx = Vertx.vertx();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> resolved = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        vertx.closeAndAwait();
    }

    private CallbackSender sender(String resolvesTo) {
        WorkerConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of(), "test", 500))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(WorkerConfig.class)
                .build().getConfigMapping(WorkerConfig.class);
        CallbackClient client = new CallbackClient(vertx, config, host -> {
            resolved.add(host);
            return new InetAddress[] {InetAddress.getByName(resolvesTo)};
        });
        return new CallbackSender(client, new ObjectMapper().registerModule(new JavaTimeModule()), config, registry);
    }

    private static JobCompleted result() {
        return new JobCompleted(JobCompleted.SCHEMA_VERSION, "job_1", JobStatus.SUCCEEDED, "f", "m", "0.1", null, null, 1, Instant.now());
    }

    private double refused() {
        var counter = registry.find("fleet.jobs.callbacks").tag("outcome", "refused").counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aPublicNameThatResolvesToAPrivateAddressIsRefusedWithoutRetrying() {
        sender("10.1.2.3").send("https://hooks.example.com/llm", result());
        await().atMost(Duration.ofSeconds(10)).until(() -> refused() == 1);
        assertThat(resolved).containsExactly("hooks.example.com");
        assertThat(registry.find("fleet.jobs.callbacks").tag("outcome", "failed").counter()).isNull();
    }

    @Test
    void aLiteralInternalAddressIsRefusedBeforeAnyLookup() {
        sender("93.184.216.34").send("http://169.254.169.254/latest/meta-data", result());
        assertThat(refused()).isEqualTo(1);
        assertThat(resolved).isEmpty();
    }
}
