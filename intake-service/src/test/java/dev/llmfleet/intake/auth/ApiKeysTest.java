package dev.llmfleet.intake.auth;

import dev.llmfleet.common.auth.ApiKey;
import dev.llmfleet.common.auth.ApiKeyStore;
import dev.llmfleet.common.auth.AuthConfig;
import dev.llmfleet.common.auth.KeyHasher;
import dev.llmfleet.common.redis.RedisTimeouts;
import dev.llmfleet.intake.TestKeys;
import dev.llmfleet.localstack.testing.LocalStackResource;
import dev.llmfleet.localstack.testing.SharedStack;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.redis.runtime.datasource.ReactiveRedisDataSourceImpl;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisAPI;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * Every {@code /v1} endpoint of intake needs a tenant's API key (401 invalid_api_key otherwise), a key is held to its
 * features and models (403), the admin API needs the admin key and never shows a key or its hash, and a revoked key is
 * refused by another replica within a second. Keys never reach the log.
 */
@QuarkusTest
@WithTestResource(LocalStackResource.class)
class ApiKeysTest {
    private static final String CHAT = "{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Inject
    ApiKeyStore keys;

    @Inject
    AuthConfig config;

    @Inject
    Vertx vertx;

    @Inject
    ObjectMapper mapper;

    @Inject
    RedisTimeouts timeouts;

    @BeforeEach
    void noDefaultKey() {
        RestAssured.requestSpecification = null;
    }

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key);
    }

    private static RequestSpecification admin() {
        return as(TestKeys.ADMIN).contentType(ContentType.JSON);
    }

    private static void assertUnauthorized(Response response) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(401);
        assertThat(response.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(response.<String>path("error.code")).isEqualTo("invalid_api_key");
        assertThat(response.<String>path("error.type")).isEqualTo("invalid_request_error");
        assertThat(response.<String>path("error.message")).isNotBlank();
    }

    /** Every {@code /v1} endpoint: a request each, with {@code request} setting the credentials. */
    private static List<Response> everyEndpoint(java.util.function.Supplier<RequestSpecification> request) {
        String job = "job_" + "0".repeat(32);
        return List.of(
                request.get().contentType(ContentType.JSON).body(CHAT).post("/v1/chat/completions"),
                request.get().contentType(ContentType.JSON).body(CHAT).post("/v1/jobs"),
                request.get().contentType("application/x-ndjson").body((CHAT + "\n").getBytes(StandardCharsets.UTF_8)).post("/v1/jobs/batch"),
                request.get().get("/v1/jobs/" + job),
                request.get().delete("/v1/jobs/" + job),
                request.get().get("/v1/models"),
                request.get().get("/v1/admin/keys"));
    }

    @Test
    void noKeyAMalformedKeyAWrongKeyAndARevokedKeyAre401OnEveryEndpoint() {
        String revoked = TestKeys.create(TestKeys.TENANT);
        as(revoked).get("/v1/models").then().statusCode(200);
        ApiKey found = keys.find(revoked).await().atMost(Duration.ofSeconds(10)).key();
        admin().delete("/v1/admin/keys/" + found.id()).then().statusCode(200).body("deleted", equalTo(true));

        everyEndpoint(RestAssured::given).forEach(ApiKeysTest::assertUnauthorized);
        everyEndpoint(() -> given().header("Authorization", "Basic dXNlcjpwYXNz")).forEach(ApiKeysTest::assertUnauthorized);
        everyEndpoint(() -> as("fk_short")).forEach(ApiKeysTest::assertUnauthorized);
        everyEndpoint(() -> as(KeyHasher.newKey())).forEach(ApiKeysTest::assertUnauthorized);
        everyEndpoint(() -> as(revoked)).forEach(ApiKeysTest::assertUnauthorized);
    }

    @Test
    void healthMetricsAndTheApiDocumentStayOpen() {
        given().get("/q/health").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void aKeyIsHeldToItsFeaturesAndModels() {
        String key = created(Map.of("tenant", "acme", "name", "support bot", "features", List.of("support-chat"),
                "models", List.of("openai/gpt-4o-mini"))).path("key");
        String otherModel = CHAT.replace("openai/gpt-4o-mini", "openai/gpt-4o");

        Response feature = as(key).contentType(ContentType.JSON).header("X-Fleet-Feature", "doc-summarize").body(CHAT).post("/v1/chat/completions");
        assertThat(feature.statusCode()).as(feature.asString()).isEqualTo(403);
        assertThat(feature.<String>path("error.code")).isEqualTo("feature_not_allowed");
        assertThat(feature.<String>path("error.param")).isEqualTo("feature");
        Response model = as(key).contentType(ContentType.JSON).header("X-Fleet-Feature", "support-chat").body(otherModel).post("/v1/chat/completions");
        assertThat(model.statusCode()).as(model.asString()).isEqualTo(403);
        assertThat(model.<String>path("error.code")).isEqualTo("model_not_allowed");

        as(key).contentType(ContentType.JSON).body(CHAT.replace("{\"model\"", "{\"feature\":\"doc-summarize\",\"model\"")).post("/v1/jobs")
                .then().statusCode(403).body("error.code", equalTo("feature_not_allowed"));
        as(key).contentType(ContentType.JSON).body(otherModel.replace("{\"model\"", "{\"feature\":\"support-chat\",\"model\"")).post("/v1/jobs")
                .then().statusCode(403).body("error.code", equalTo("model_not_allowed"));
        as(key).contentType("application/x-ndjson").body((otherModel.replace("{\"model\"", "{\"feature\":\"support-chat\",\"model\"") + "\n").getBytes(StandardCharsets.UTF_8))
                .post("/v1/jobs/batch").then().statusCode(202).body("jobs[0].error.code", equalTo("model_not_allowed"));
        // the model list shows what the key may use
        as(key).get("/v1/models").then().statusCode(200).body("data.id", equalTo(List.of("openai/gpt-4o-mini")));
    }

    @Test
    void theAdminKeyAdministersAndATenantKeySpends() {
        String tenantKey = TestKeys.create(TestKeys.TENANT);
        as(tenantKey).get("/v1/admin/keys").then().statusCode(403).body("error.code", equalTo("admin_key_required"));
        as(tenantKey).contentType(ContentType.JSON).body("{\"tenant\":\"x\",\"name\":\"y\"}").post("/v1/admin/keys")
                .then().statusCode(403);
        as(TestKeys.ADMIN).contentType(ContentType.JSON).body(CHAT).post("/v1/chat/completions")
                .then().statusCode(403).body("error.code", equalTo("tenant_key_required"));
        as(TestKeys.ADMIN).contentType(ContentType.JSON).body(CHAT).post("/v1/jobs")
                .then().statusCode(403).body("error.code", equalTo("tenant_key_required"));
    }

    @Test
    void keysAreCreatedListedChangedAndRevokedAndTheListingNeverShowsAKeyOrItsHash() {
        Response created = created(Map.of("tenant", "acme", "name", "crud", "requests_per_minute", 60, "tokens_per_minute", 90000,
                "max_concurrent", 4, "monthly_budget_usd", 12.5));
        String id = created.path("id");
        String key = created.path("key");
        assertThat(id).matches("key_[0-9a-f]{16}");
        assertThat(KeyHasher.wellFormed(key)).isTrue();
        assertThat(created.header("Location")).endsWith("/v1/admin/keys/" + id);
        assertThat(created.<String>path("tenant")).isEqualTo("acme");
        assertThat(created.<Integer>path("requests_per_minute")).isEqualTo(60);
        assertThat(created.<Integer>path("tokens_per_minute")).isEqualTo(90000);
        assertThat(created.<Integer>path("max_concurrent")).isEqualTo(4);
        assertThat(created.<Float>path("monthly_budget_usd")).isEqualTo(12.5f);
        as(key).get("/v1/models").then().statusCode(200);

        String listing = admin().get("/v1/admin/keys").then().statusCode(200).body("object", equalTo("list"))
                .body("data.id", hasItem(id)).extract().asString();
        String hash = new KeyHasher(config.keySecret().orElseThrow()).hash(key);
        assertThat(listing).doesNotContain(key).doesNotContain(key.substring(3)).doesNotContain(hash).doesNotContain("hash");
        assertThat(listing).doesNotContain("\"key\"");

        admin().body("{\"name\":\"renamed\",\"max_concurrent\":null,\"models\":[\"openai/gpt-4o-mini\"]}").patch("/v1/admin/keys/" + id)
                .then().statusCode(200).body("name", equalTo("renamed")).body("tenant", equalTo("acme"))
                .body("requests_per_minute", equalTo(60)).body("max_concurrent", equalTo(null))
                .body("models", equalTo(List.of("openai/gpt-4o-mini"))).body("$", not(org.hamcrest.Matchers.hasKey("key")));
        as(key).contentType(ContentType.JSON).body(CHAT.replace("gpt-4o-mini", "gpt-4o")).post("/v1/chat/completions").then().statusCode(403);
        admin().body("{\"tenant\":\"other\"}").patch("/v1/admin/keys/" + id).then().statusCode(400).body("error.param", equalTo("tenant"));
        admin().body("{\"name\":\"x\"}").patch("/v1/admin/keys/key_0000000000000000").then().statusCode(404).body("error.code", equalTo("key_not_found"));

        admin().delete("/v1/admin/keys/" + id).then().statusCode(200).body("id", equalTo(id));
        assertUnauthorized(as(key).get("/v1/models"));
        admin().get("/v1/admin/keys").then().body("data.id", not(hasItem(id)));
        admin().delete("/v1/admin/keys/" + id).then().statusCode(404);
        admin().body("{\"name\":\"back\"}").patch("/v1/admin/keys/" + id).then().statusCode(404);
    }

    @Test
    void badKeyRequestsAre400NamingTheField() {
        Map<String, String> cases = Map.of(
                "{\"name\":\"no tenant\"}", "tenant",
                "{\"tenant\":\"a b\",\"name\":\"n\"}", "tenant",
                "{\"tenant\":\"t\"}", "name",
                "{\"tenant\":\"t\",\"name\":\"n\",\"features\":[\"nope\"]}", "features",
                "{\"tenant\":\"t\",\"name\":\"n\",\"models\":[\"acme/none\"]}", "models",
                "{\"tenant\":\"t\",\"name\":\"n\",\"requests_per_minute\":0}", "requests_per_minute",
                "{\"tenant\":\"t\",\"name\":\"n\",\"max_concurrent\":1.5}", "max_concurrent",
                "{\"tenant\":\"t\",\"name\":\"n\",\"monthly_budget_usd\":-1}", "monthly_budget_usd",
                "{\"tenant\":\"t\",\"name\":\"n\",\"admin\":true}", "admin");
        cases.forEach((body, param) -> admin().body(body).post("/v1/admin/keys").then().statusCode(400).body("error.param", equalTo(param)));
        admin().body("{not json").post("/v1/admin/keys").then().statusCode(400).body("error.code", equalTo("invalid_json"));
    }

    @Test
    void aTenantsMonthlyBudgetIsSetAndRead() {
        // a tenant of its own: the run's Redis is shared, so a second run of this test in one build starts afresh
        String tenant = "budgeted-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        admin().get("/v1/admin/tenants/" + tenant).then().statusCode(200).body("tenant", equalTo(tenant))
                .body("monthly_budget_usd", equalTo(null));
        admin().body("{\"monthly_budget_usd\":250.75}").put("/v1/admin/tenants/" + tenant).then().statusCode(200)
                .body("monthly_budget_usd", equalTo(250.75f));
        admin().get("/v1/admin/tenants/" + tenant).then().statusCode(200).body("monthly_budget_usd", equalTo(250.75f));
        admin().body("{\"monthly_budget_usd\":\"lots\"}").put("/v1/admin/tenants/" + tenant).then().statusCode(400);
        as(TestKeys.create(tenant)).get("/v1/admin/tenants/" + tenant).then().statusCode(403);
    }

    /**
     * Another replica (its own Redis connection, its own key store) revokes a key; this one refuses the key within a
     * second. Nothing about keys is cached in a replica, and a cache added later would have to keep this.
     */
    @Test
    void aKeyRevokedOnAnotherReplicaIsRefusedHereWithinASecond() {
        Redis client = Redis.createClient(vertx, SharedStack.get().redisUrl());
        try {
            ApiKeyStore otherReplica = new ApiKeyStore(new ReactiveRedisDataSourceImpl(vertx, client, RedisAPI.api(client)), timeouts, mapper, config);
            ApiKey settings = new ApiKey(KeyHasher.newId(), "acme", "revoked elsewhere", List.of(), List.of(), null, null, null, null, Instant.now());
            String key = otherReplica.create(settings).await().atMost(Duration.ofSeconds(10));
            // the key made on the other replica works here at once
            as(key).get("/v1/models").then().statusCode(200);

            assertThat(otherReplica.delete(settings.id()).await().atMost(Duration.ofSeconds(10))).isTrue();
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(as(key).get("/v1/models").statusCode()).isEqualTo(401));
        } finally {
            client.close();
        }
    }

    /** Creating, using, refusing and revoking keys logs key ids, never a key or the admin key. */
    @Test
    void keysNeverReachTheLog() {
        List<String> lines = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (lines) {
                    lines.add(record.getMessage() + " " + java.util.Arrays.toString(record.getParameters()) + " " + record.getThrown());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        String key;
        String id;
        try {
            Response created = created(Map.of("tenant", "logged", "name", "log check", "models", List.of("openai/gpt-4o-mini")));
            key = created.path("key");
            id = created.path("id");
            as(key).get("/v1/models").then().statusCode(200);
            as(key).contentType(ContentType.JSON).body(CHAT.replace("gpt-4o-mini", "gpt-4o")).post("/v1/chat/completions").then().statusCode(403);
            as(key + "x").get("/v1/models").then().statusCode(401);
            admin().body("{\"name\":\"log check 2\"}").patch("/v1/admin/keys/" + id).then().statusCode(200);
            admin().delete("/v1/admin/keys/" + id).then().statusCode(200);
            as(key).get("/v1/models").then().statusCode(401);
        } finally {
            root.removeHandler(capture);
        }
        synchronized (lines) {
            assertThat(lines).anyMatch(line -> line.contains(id));
            assertThat(lines).noneMatch(line -> line.contains(key.substring(3)));
            assertThat(lines).noneMatch(line -> line.contains(TestKeys.ADMIN));
        }
    }

    private static Response created(Map<String, Object> body) {
        Response response = admin().body(body).post("/v1/admin/keys");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        assertThat(response.<String>path("id")).matches("key_[0-9a-f]{16}");
        return response;
    }
}
