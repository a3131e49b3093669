package dev.llmfleet.common;

import dev.llmfleet.common.auth.AuthConfig;
import dev.llmfleet.common.config.FleetConfig;
import dev.llmfleet.common.provider.ProviderConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.time.Duration;
import java.util.Map;

/** The real FleetConfig mapping over the shipped defaults (META-INF/microprofile-config.properties), plus overrides. */
public final class TestConfig {
    private TestConfig() {
    }

    public static FleetConfig fleet(Map<String, String> overrides) {
        return new SmallRyeConfigBuilder()
                .addDefaultSources()
                .withSources(new PropertiesConfigSource(overrides, "test-overrides", 500))
                .withConverter(Duration.class, 100, new DurationConverter())
                .withMapping(FleetConfig.class)
                .withMapping(ProviderConfig.class)
                .withMapping(AuthConfig.class)
                .build()
                .getConfigMapping(FleetConfig.class);
    }

    public static FleetConfig fleet() {
        return fleet(Map.of());
    }
}
