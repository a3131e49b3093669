package dev.llmfleet.worker.service;

import dev.llmfleet.worker.config.WorkerConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;
import java.util.Map;

/** A {@link WorkerConfig} from a few {@code fleet.worker.*} properties and the defaults, without starting Quarkus. */
final class TestConfig {
    private TestConfig() {
    }

    static WorkerConfig worker(Map<String, String> settings) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(settings, "test", 500))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(WorkerConfig.class)
                .build().getConfigMapping(WorkerConfig.class);
    }
}
