package dev.llmfleet.localstack.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * The key secret and admin key of a packaged service under {@code @QuarkusIntegrationTest}: it runs in the prod
 * profile, where both come only from the environment (the test profile's own values do not apply), and intake and
 * billing refuse to start without a key secret.
 */
public class PackagedAuthResource implements QuarkusTestResourceLifecycleManager {
    /** The admin key the packaged service is started with. */
    public static final String ADMIN_KEY = "it-admin-key-for-packaged-service-tests-000";
    private static final String KEY_SECRET = "it-key-secret-for-packaged-service-tests-00";

    @Override
    public Map<String, String> start() {
        return Map.of("fleet.auth.key-secret", KEY_SECRET, "fleet.auth.admin-key", ADMIN_KEY);
    }

    @Override
    public void stop() {
    }
}
