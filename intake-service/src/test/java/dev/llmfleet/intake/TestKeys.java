package dev.llmfleet.intake;

import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.ApiKeyStore;
import dev.llmfleet.common.auth.KeyHasher;
import io.quarkus.arc.Arc;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** API keys for tests: made through the running app's own key store, as the admin API would. */
public final class TestKeys {
    /** The admin key of the test profile (common's microprofile-config.properties). */
    public static final String ADMIN = "test-admin-key-for-quarkus-tests-only-0000";
    /** The tenant the tests' requests belong to unless they say otherwise. */
    public static final String TENANT = "default";

    private static volatile String current;

    private TestKeys() {
    }

    /** A new key of {@code tenant} that may use every feature and model. */
    public static String create(String tenant) {
        return create(new ApiKey(KeyHasher.newId(), tenant, "test", List.of(), List.of(), null, null, null, null, Instant.now()));
    }

    /** Stores {@code key}'s settings under a new key and answers the key. */
    public static String create(ApiKey key) {
        return Arc.container().instance(ApiKeyStore.class).get().create(key).await().atMost(Duration.ofSeconds(30));
    }

    /** {@code Authorization} header value of {@code key}. */
    public static String bearer(String key) {
        return "Bearer " + key;
    }

    /** Makes every RestAssured request of the calling test carry a new key of {@link #TENANT}; answers that key. */
    public static String authenticate() {
        String key = create(TENANT);
        current = key;
        RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Authorization", bearer(key)).build();
        return key;
    }

    /** The {@code Authorization} header line of the key {@link #authenticate} made last, for hand-written HTTP requests. */
    public static String headerLine() {
        return "Authorization: " + bearer(current) + "\r\n";
    }
}
